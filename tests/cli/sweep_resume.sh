#!/usr/bin/env bash
# kill -9 a sweep at several moments, resume, and compare the merged file with an uninterrupted
# run's (sweep_compare.py: all datasets byte for byte, all attributes but provenance). After each
# kill every file in points/ must be whole, and --resume must leave those files untouched and
# run exactly the missing points.
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
sweep="$SGDS_SOURCE_DIR/configs/sweep_example.toml"
compare="$SGDS_PYTHON $SGDS_SOURCE_DIR/tests/cli/sweep_compare.py"
# Points of ~0.1-0.3 s each (slow enough that the last round's kill lands before the end on a
# quiet machine), so that kills land before, during and after point writes.
work=(--set 'experiment.*.trajectories=4096' --set 'experiment.*.steps=400' --threads 1)
fail() { echo "FAIL: $*"; exit 1; }
count_points() { ls "$1/points" 2>/dev/null | grep -c '^p.*\.h5$'; }

"$SGDS_BIN" sweep "$sweep" "${work[@]}" -o reference -q || fail "reference sweep"
"$SGDS_BIN" merge reference -o reference.h5 >/dev/null || fail "merge reference"

round=0
for target in 1 9 17; do
  round=$((round + 1))
  dir=killed$round
  "$SGDS_BIN" sweep "$sweep" "${work[@]}" -o $dir -q &
  pid=$!
  # Kill once `target` points are recorded, plus a round-dependent delay (mid-point or mid-write).
  for _ in $(seq 1 600); do
    [ "$(count_points $dir)" -ge $target ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
  done
  sleep "0.0$((round * 2))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  before=$(count_points $dir)
  [ "$before" -lt 24 ] || fail "round $round: the sweep finished before the kill (make the points slower)"
  # Every recorded point is a whole, readable result file.
  "$SGDS_PYTHON" - $dir/points <<'PY' || fail "round $round: a recorded point is not whole"
import sys, glob, h5py
for name in glob.glob(sys.argv[1] + "/p*.h5"):
    with h5py.File(name, "r") as f:
        assert f["sweep_point"].attrs["point"] >= 0 and "experiments/quadratic_sgd/f_mean" in f, name
PY
  # Without --resume the sweep refuses and loses nothing.
  "$SGDS_BIN" sweep "$sweep" "${work[@]}" -o $dir -q 2>refuse.log && fail "round $round: re-run without --resume accepted"
  grep -q -- '--resume' refuse.log || fail "round $round: refusal does not mention --resume: $(cat refuse.log)"
  [ "$(count_points $dir)" -eq "$before" ] || fail "round $round: points lost by the refused re-run"
  stat -c '%n %i %Y %s' $dir/points/p*.h5 2>/dev/null | sort >before.stat
  md5sum $dir/points/p*.h5 2>/dev/null | sort >before.md5
  "$SGDS_BIN" sweep "$sweep" "${work[@]}" -o $dir --resume 2>resume.log || fail "round $round: resume: $(cat resume.log)"
  grep -q "sweep: $((24 - before)) points of 24 to run, $before already complete" resume.log ||
    fail "round $round: resume did not run exactly the $((24 - before)) missing points: $(head -1 resume.log)"
  [ "$(grep -c 'point .* done' resume.log)" -eq $((24 - before)) ] || fail "round $round: wrong number of points redone"
  stat -c '%n %i %Y %s' $(cut -d' ' -f1 before.stat) 2>/dev/null | sort | cmp -s - before.stat ||
    fail "round $round: resume touched points that were complete"
  md5sum -c --quiet before.md5 || fail "round $round: a complete point changed"
  [ -z "$(ls $dir/points/.staging)" ] || fail "round $round: staging leftovers: $(ls $dir/points/.staging)"
  "$SGDS_BIN" merge $dir -o $dir.h5 >/dev/null || fail "round $round: merge"
  $compare reference.h5 $dir.h5 || fail "round $round: resumed sweep differs from the uninterrupted one"
  echo "round $round: killed with $before/24 points recorded; resumed; identical"
done
echo "ok: killed 3 times, resumed, identical to the uninterrupted sweep"
