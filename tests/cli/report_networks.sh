#!/usr/bin/env bash
# `sgdsmooth report` on a tiny `sgdsmooth train` grid (/networks): one PNG per run with K stated,
# the correlations figure with n = runs, the runs compared, and the eta x b grid (2 x 3, two cells
# empty) with K stated; with measure.full_gradient, the per-run full-gradient panel.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
cat > grid.toml <<'TOML'
seed = 3
[data]
source = "fashion-mnist"
train_samples = 300
test_samples = 200
[model]
kind = "mlp"
hidden = [8]
[train]
replicas = 2
epochs = 1
optimizer = "sgd"
[measure]
every = 1
noise_samples = 64
curvature_samples = 32
power_iterations = 3
hutchinson_probes = 2
sharpness_samples = 32
[[run]]
name = "b8"
schedule = { kind = "constant", eta = 0.05, batch = 8 }
[[run]]
name = "b32"
schedule = { kind = "constant", eta = 0.05, batch = 32 }
[[run]]
name = "b128"
schedule = { kind = "constant", eta = 0.05, batch = 128 }
[[run]]
name = "eta0.2_b32"
schedule = { kind = "constant", eta = 0.2, batch = 32 }
TOML
"$SGDS_BIN" train grid.toml -o grid.h5 --quiet > /dev/null
"$SGDS_BIN" report grid.h5 -o figs
for f in network_b8 network_b32 network_b128 network_correlations networks_compared network_grid; do
  [[ $(stat -c %s "figs/$f.png") -gt 10000 ]] || { echo "$f.png missing"; exit 1; }
done
grep -q "mean over K = 2 replicas" figs/report.md && grep -q "n = 4\." figs/report.md &&
  grep -q "eta x b grid (4 runs, K = 2 replicas each)" figs/report.md ||
  { echo "captions lack K or n"; cat figs/report.md; exit 1; }
grep -q "full-gradient norm" figs/report.md && { echo "a run without measure.full_gradient got its panel"; exit 1; }

# The paired table: every pair of runs once, the difference recomputed here from the file's final
# test accuracies replica by replica (the report must subtract the right rows, in the stated order).
[[ $(grep -c "^| .* - .* | 2 | " figs/report.md) -eq 6 ]] || { echo "want 6 paired rows"; cat figs/report.md; exit 1; }
"$SGDS_PYTHON" - <<'PY'
import re, h5py, numpy as np
with h5py.File("grid.h5") as f:
    final = {n: f[f"networks/{n}/test_accuracy"][()][-1] for n in ("b8", "b32")}
text = open("figs/report.md").read()
row = re.search(r"^\| (b8 - b32|b32 - b8) \| 2 \| ([-+0-9.]+) \+- ([0-9.]+) \|", text, re.M)
assert row, "no b8 / b32 row"
first, second = row.group(1).split(" - ")
d = final[first] - final[second]
assert abs(float(row.group(2)) - d.mean()) < 6e-5, (row.group(0), d)
assert abs(float(row.group(3)) - d.std(ddof=1) / np.sqrt(2)) < 6e-5, (row.group(0), d)
PY

# With measure.full_gradient the per-run figure gains the full-gradient panel, said in its caption.
sed -e 's/^noise_samples = 64/noise_samples = 64\nfull_gradient = true/' grid.toml > full.toml
grep -q "^full_gradient = true" full.toml || { echo "full.toml not made"; exit 1; }
"$SGDS_BIN" train full.toml -o full.h5 --quiet > /dev/null
"$SGDS_BIN" report full.h5 -o figs_full > /dev/null
grep -q "full-gradient norm over all training samples beside its estimate" figs_full/report.md ||
  { echo "no full-gradient panel caption"; cat figs_full/report.md; exit 1; }
echo "report_networks: ok"
