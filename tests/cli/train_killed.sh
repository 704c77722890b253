#!/usr/bin/env bash
# `sgdsmooth train` killed in its second run keeps the first: after each run but the last the
# runs done so far are written, whole, to OUTPUT.incomplete.h5 (marked incomplete), and the log
# already shows the first run's summary line; the final OUTPUT never appears; the report of the
# incomplete file says so. A run that finishes leaves only OUTPUT, without the mark.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
cat > two.toml <<'TOML'
seed = 5
[data]
source = "fashion-mnist"
train_samples = 200
test_samples = 100
[model]
kind = "mlp"
hidden = [8]
[train]
replicas = 2
optimizer = "sgd"
[measure]
every = 1000000
noise_samples = 0
curvature = false
sharpness = false
[[run]]
name = "quick"
epochs = 1
schedule = { kind = "constant", eta = 0.05, batch = 20 }
[[run]]
name = "slow"
epochs = 200000
schedule = { kind = "constant", eta = 0.05, batch = 20 }
TOML

"$SGDS_BIN" train two.toml -o out.h5 --quiet > log.txt 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [[ -e out.h5.incomplete.h5 ]] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
[[ -e out.h5.incomplete.h5 ]] || { echo "no out.h5.incomplete.h5 while the second run trained"; kill -9 $pid 2>/dev/null; cat log.txt; exit 1; }
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null || true
[[ ! -e out.h5 ]] || { echo "a killed run left out.h5"; exit 1; }
grep -q '^quick ' log.txt || { echo "the log lacks the first run's summary line:"; cat log.txt; exit 1; }

py() { env -u LD_LIBRARY_PATH "$SGDS_PYTHON" "$@"; }
py - <<'EOF'
import h5py
with h5py.File("out.h5.incomplete.h5", "r") as f:
    n = f["networks"]
    runs = sorted(k for k in n if k != "correlations")
    assert runs == ["quick"], runs
    note = n.attrs["incomplete"]
    note = note.decode() if isinstance(note, bytes) else str(note)
    assert note.startswith("1 of 2 runs done"), note
    acc = n["quick"]["test_accuracy"][()]
    assert acc.shape[0] >= 2 and (acc == acc).all(), acc
print("killed in run 2: out.h5.incomplete.h5 holds run 'quick' whole;", note)
EOF
# The report reads it like any result file and says it is incomplete.
"$SGDS_BIN" report out.h5.incomplete.h5 -o figs > /dev/null
grep -q "Incomplete file: 1 of 2 runs done" figs/report.md || { echo "the report does not say incomplete"; cat figs/report.md; exit 1; }

# Finished: only the final file, no mark.
sed -e 's/^epochs = 200000/epochs = 1/' two.toml > done.toml
"$SGDS_BIN" train done.toml -o done.h5 --quiet > /dev/null
[[ -e done.h5 && ! -e done.h5.incomplete.h5 ]] || { echo "a finished run left done.h5.incomplete.h5 or no done.h5"; exit 1; }
py - <<'EOF'
import h5py
with h5py.File("done.h5", "r") as f:
    assert "incomplete" not in f["networks"].attrs
    assert sorted(k for k in f["networks"] if k != "correlations") == ["quick", "slow"]
print("finished: done.h5 whole, unmarked, no incomplete file left")
EOF
