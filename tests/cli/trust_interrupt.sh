#!/usr/bin/env bash
# A killed or interrupted command keeps everything it reported complete. `run`: each finished
# experiment is at once in OUT.incomplete.h5 (whole, sealed, readable by inspect and report);
# SIGINT / SIGTERM remove the temporary files, keep that file and exit 130 / 143 with one line;
# --resume runs only the rest and gives the uninterrupted run's datasets byte for byte; a
# SIGKILL's leftover temporary is removed by the next run, with one line. `sweep` and `train` on
# a signal: the same one-line account. (Issue 22, item 5.)
source "$(dirname "$0")/trust_lib.bash"
compare() { py "$SGDS_SOURCE_DIR/tests/cli/sweep_compare.py" "$@" >/dev/null; }

# Three experiments; the third takes a few seconds.
cat >three.toml <<'TOML'
seed = 5
[[experiment]]
name = "a_quick"
trajectories = 512
steps = 40
problem = { name = "quadratic", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.1, batch = 4 }
record = { per_trajectory = true }
[[experiment]]
name = "b_quick"
trajectories = 512
steps = 40
problem = { name = "double_well", dim = 2 }
noise = { kind = "gaussian", scale = 0.7 }
schedule = { kind = "lr_decay", eta = 0.05, batch = 1, every = 10, factor = 0.5 }
[[experiment]]
name = "c_slow"
trajectories = 60000
steps = 2000
problem = { name = "rastrigin", dim = 2 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.01, batch = 1 }
TOML
"$SGDS_BIN" run three.toml -o reference.h5 -q >/dev/null || { echo "FAIL: the reference run"; exit 1; }

# interrupt SIGNAL STATUS: start the long run, signal it once two experiments are reported done.
interrupt() {
  local signal=$1 want=$2 out=$3
  "$SGDS_BIN" run three.toml -o "$out" --threads 2 >"$out.log" 2>"$out.err" &
  local pid=$! i
  for i in $(seq 1 600); do
    grep -q '^b_quick ' "$out.log" 2>/dev/null && break
    sleep 0.1
  done
  sleep 0.5
  kill "-$signal" $pid
  wait $pid
  local status=$?
  check "${signal}_exit_status_$want" [ "$status" -eq "$want" ]
  check "${signal}_one_line" [ "$(grep -c . "$out.err")" -eq 1 ]
  check "${signal}_says_what_was_kept" grep -q "interrupted by SIG$signal: kept the 2 of 3 experiments that had finished in $out.incomplete.h5" "$out.err"
  check "${signal}_no_final_file" [ ! -e "$out" ]
  check "${signal}_no_temporary_left" [ -z "$(ls | grep partial)" ]
  check "${signal}_incomplete_verifies" "$SGDS_BIN" verify "$out.incomplete.h5"
  check "${signal}_inspect_says_incomplete" bash -c "'$SGDS_BIN' inspect '$out.incomplete.h5' | grep -q 'incomplete = 2 of 3 experiments done'"
}
interrupt INT 130 int.h5
interrupt TERM 143 term.h5

# The incomplete file holds the two finished experiments whole; report draws them and says so.
check incomplete_has_the_finished py - <<'PY'
import h5py
with h5py.File("int.h5.incomplete.h5", "r") as f:
    assert sorted(f["experiments"]) == ["a_quick", "b_quick"], list(f["experiments"])
    assert f["experiments/a_quick/trajectory_f"].shape == (512, 41)
PY
check report_of_incomplete "$SGDS_BIN" report int.h5.incomplete.h5 -o figs
check report_says_incomplete grep -q "Incomplete file: 2 of 3 experiments done" figs/report.md

# Without --resume the earlier work is not thrown away; with it only the rest runs, and the result
# has the uninterrupted run's datasets byte for byte.
refused rerun_without_resume "pass --resume" -- "$SGDS_BIN" run three.toml -o int.h5 -q
"$SGDS_BIN" run three.toml -o int.h5 --resume >resume.log 2>&1
check resume_succeeds [ $? -eq 0 ]
check resume_kept_the_two [ "$(grep -c 'finished earlier: kept from int.h5.incomplete.h5' resume.log)" -eq 2 ]
check resume_ran_the_rest grep -q '^c_slow ' resume.log
check resumed_equals_uninterrupted compare reference.h5 int.h5
check resume_removed_incomplete [ ! -e int.h5.incomplete.h5 ]
refused resume_other_config "was written for another config" -- \
  "$SGDS_BIN" run three.toml --set seed=6 -o term.h5 --resume -q
check resume_of_term "$SGDS_BIN" run three.toml -o term.h5 --resume -q
check term_resumed_equals_uninterrupted compare reference.h5 term.h5

# A SIGKILL leaves a temporary file: the next run on that output removes it, saying so.
"$SGDS_BIN" run three.toml -o killed.h5 -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e killed.h5.incomplete.h5 ] && ls | grep -q 'killed.h5.incomplete.h5.partial\|killed.h5.partial' && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
touch "killed.h5.partial-999999"  # as a killed run of another moment would leave it
"$SGDS_BIN" run three.toml -o killed.h5 --resume >killed.log 2>killed.err
check after_kill_resume_succeeds [ $? -eq 0 ]
check stale_temporary_removed_and_said grep -q "removed 'killed.h5.partial-999999', a temporary file left by an sgdsmooth that was killed" killed.err
check no_temporary_after_kill [ -z "$(ls | grep partial)" ]
check killed_then_resumed_equals_uninterrupted compare reference.h5 killed.h5

# A live sgdsmooth writing the same output: refused rather than both writing.
"$SGDS_BIN" run three.toml -o busy.h5 -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do ls | grep -q '^busy.h5.*partial' && break; sleep 0.05; done
ALLOW_PARTIAL=1 refused second_writer "is being written by another sgdsmooth" -- "$SGDS_BIN" run three.toml -o busy.h5 -q
kill -INT $pid; wait $pid 2>/dev/null

# sweep and train on a signal: one line, exit 130; the recorded points are whole.
"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" --set 'experiment.*.trajectories=20000' \
  --set 'experiment.*.steps=2000' --threads 1 -o sweep_dir -q >/dev/null 2>sweep.err &
pid=$!
for _ in $(seq 1 600); do [ "$(ls sweep_dir/points 2>/dev/null | grep -c '^p')" -ge 1 ] && break; sleep 0.1; done
kill -INT $pid; wait $pid
check sweep_exit_130 [ $? -eq 130 ]
check sweep_says_points_kept grep -q "interrupted by SIGINT: the [0-9]* points recorded complete in 'sweep_dir/points' are kept" sweep.err
check sweep_points_verify "$SGDS_BIN" verify sweep_dir
check sweep_no_staging_left [ -z "$(ls sweep_dir/points/.staging)" ]

# train on SIGINT: the runs it reported are in OUT.incomplete.h5, said in one line.
if [ -d /usr/share/datasets/fashion-mnist ]; then
  cat >two_runs.toml <<'TOML'
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
  "$SGDS_BIN" train two_runs.toml -o net.h5 -q >net.log 2>net.err &
  pid=$!
  for _ in $(seq 1 600); do [ -e net.h5.incomplete.h5 ] && break; sleep 0.1; done
  sleep 0.5
  kill -INT $pid; wait $pid
  check train_exit_130 [ $? -eq 130 ]
  check train_one_line [ "$(grep -c . net.err)" -eq 1 ]
  check train_says_what_was_kept grep -q "interrupted by SIGINT: kept the 1 of 2 runs that had finished in net.h5.incomplete.h5" net.err
  check train_incomplete_verifies "$SGDS_BIN" verify net.h5.incomplete.h5
  check train_no_temporary_left [ -z "$(ls | grep partial)" ]
fi
finish
