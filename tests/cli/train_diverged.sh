#!/usr/bin/env bash
# A run whose learning rate is far too large: `sgdsmooth train` completes (exit 0), says on stdout
# how many replicas diverged, writes final/diverged_epoch and the run attribute diverged_replicas,
# and the report's figure caption says DIVERGED. A sane run in the same file is flagged 0.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
cat > wild.toml <<'TOML'
seed = 1
[data]
source = "fashion-mnist"
train_samples = 300
test_samples = 100
[model]
kind = "mlp"
hidden = [16]
[train]
replicas = 3
epochs = 2
[measure]
noise_samples = 64
curvature = false
sharpness = false
[[run]]
name = "wild"
schedule = { kind = "constant", eta = 10000.0, batch = 10 }
[[run]]
name = "sane"
schedule = { kind = "constant", eta = 0.05, batch = 10 }
TOML
"$SGDS_BIN" train wild.toml -o wild.h5 --quiet > out.txt
grep -q "3 of 3 replicas diverged" out.txt || { echo "no divergence line:"; cat out.txt; exit 1; }
[[ $(grep -c "replicas diverged" out.txt) == 1 ]] || { echo "the sane run was reported diverged:"; cat out.txt; exit 1; }
env -u LD_LIBRARY_PATH "$SGDS_PYTHON" - <<'PY'
import h5py
with h5py.File("wild.h5", "r") as f:
    wild, sane = f["networks"]["wild"], f["networks"]["sane"]
    assert int(wild.attrs["diverged_replicas"]) == 3 and int(sane.attrs["diverged_replicas"]) == 0
    assert (wild["final"]["diverged_epoch"][()] == 1).all(), wild["final"]["diverged_epoch"][()]
    assert (sane["final"]["diverged_epoch"][()] == 0).all()
print("wild: 3 replicas flagged at epoch 1; sane: none")
PY
"$SGDS_BIN" report wild.h5 -o figs > /dev/null
grep -q "3 of 3 DIVERGED" figs/report.md || { echo "report caption lacks the divergence"; cat figs/report.md; exit 1; }
echo "train_diverged: ok"
