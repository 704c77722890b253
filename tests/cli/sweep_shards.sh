#!/usr/bin/env bash
# A sweep run in one process, in 2 shards, in 3 shards (concurrently, with different thread
# counts) and as a Slurm array merges to identical datasets (sweep_compare.py says what is
# compared); a sweep with another seed does not (the comparison can fail).
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
sweep="$SGDS_SOURCE_DIR/configs/sweep_example.toml"
compare="$SGDS_PYTHON $SGDS_SOURCE_DIR/tests/cli/sweep_compare.py"
small=(--set 'experiment.*.trajectories=512' --set 'experiment.*.steps=40')
fail() { echo "FAIL: $*"; exit 1; }

"$SGDS_BIN" sweep "$sweep" "${small[@]}" -o one --threads 2 2>one.log || fail "unsharded sweep: $(cat one.log)"
[ "$(grep -c '^sweep: point .* done' one.log)" -eq 24 ] || fail "expected one progress line per point (24): $(cat one.log)"
"$SGDS_BIN" merge one -o one.h5 >/dev/null || fail "merge one"

for n in 2 3; do
  pids=()
  for ((i = 0; i < n; i++)); do
    "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o shards$n --shard $i/$n --threads $((1 + i % 2)) -q &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "a shard of $n failed"; done
  [ "$(ls shards$n/points | wc -l)" -eq 24 ] || fail "$n shards: $(ls shards$n/points | wc -l) point files, want 24"
  "$SGDS_BIN" merge shards$n -o shards$n.h5 >/dev/null || fail "merge shards$n"
  $compare one.h5 shards$n.h5 || fail "$n shards differ from one process"
done

# A Slurm array --array=1-3: tasks numbered from SLURM_ARRAY_TASK_MIN.
for task in 1 2 3; do
  SLURM_ARRAY_TASK_ID=$task SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3 \
    "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o slurm 2>>slurm.log || fail "slurm task $task: $(cat slurm.log)"
done
grep -q 'shard 2/3' slurm.log || fail "slurm tasks did not take shards from the array variables: $(cat slurm.log)"
"$SGDS_BIN" merge slurm -o slurm.h5 >/dev/null || fail "merge slurm"
$compare one.h5 slurm.h5 || fail "slurm array differs from one process"

# The comparison is not vacuous: another sweep seed gives other data.
"$SGDS_BIN" sweep "$sweep" "${small[@]}" --set seed=43 -o other -q && "$SGDS_BIN" merge other -o other.h5 >/dev/null ||
  fail "sweep with seed 43"
if $compare one.h5 other.h5 >compare_other.log; then fail "seed 43 compared identical to seed 42"; fi
grep -q 'data differ' compare_other.log || fail "expected data differences for another seed: $(cat compare_other.log)"

# The merged file holds the sweep table and every point's experiments.
"$SGDS_PYTHON" - one.h5 <<'PY' || fail "merged layout"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s = f["sweep"]
assert s.attrs["points"] == 24 and s.attrs["complete_points"] == 24, dict(s.attrs)
assert list(s["completed"][()]) == [1] * 24
keys = [k.decode() for k in s["axis_key"][()]]
assert keys == ["experiment.*.schedule.batch", "experiment.*.schedule.eta", "experiment.*.init.x0",
                "experiment.*.noise.scale"], keys
eta = s["coordinate1"][()]
for p in range(24):
    g = f[f"points/p{p:07d}/quadratic_sgd"]
    assert g.attrs["schedule.eta"] == eta[p] and g.attrs["schedule.batch"] == s["coordinate0"][p]
    assert g["f_mean"].shape == (11,) and g["x_mean"].shape == (11, 4)
assert len(set(s["seed"][()])) == 24
print("layout ok")
PY
echo "ok: 1 process, 2 shards, 3 shards and a Slurm array give identical merged datasets"
