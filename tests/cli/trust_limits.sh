#!/usr/bin/env bash
# Sizes inside the accepted ranges but beyond this machine, and malformed options, are refused up
# front: the memory (and disk) an experiment needs is estimated from its config before anything is
# allocated and named with the keys that drive it; --threads is capped; --seed must be in
# [0, 2^32); a --set path must be well formed; train refuses what it used to cut silently.
# Each refusal: exit 2, one line, no output, and no time spent computing. (Issue 22, item 4.)
source "$(dirname "$0")/trust_lib.bash"

small_config my.toml
fast() {  # NAME EXPECT -- command...: refused within 20 s
  local name=$1 expect=$2
  shift 3
  local start=$SECONDS
  refused "$name" "$expect" out.h5 -- "$@"
  cases=$((cases + 1))
  if [ $((SECONDS - start)) -le 20 ]; then echo "ok   ${name}_quickly"; else fail_case "${name}_quickly" "took $((SECONDS - start)) s"; fi
}

# Memory the experiment cannot have.
fast huge_state "trajectories = 10000000 x problem.dim = 100000 needs about" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.trajectories=10000000' --set 'experiment.0.problem.dim=100000'
fast huge_per_trajectory "(record.per_trajectory = true)" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.trajectories=1000000' --set 'experiment.0.steps=100000' \
  --set 'experiment.0.record={per_trajectory = true, checkpoints = 100000}'
fast huge_schedule "key 'experiment[0].steps' = 1099511627776: expected fewer" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.steps=1099511627776'
fast huge_finite_sum "key 'experiment[0].problem.samples' = 16777216: expected fewer" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.problem={name = "quadratic_centres", dim = 100000, samples = 16777216}' \
  --set 'experiment.0.noise={kind = "minibatch"}'
fast huge_epochs "key 'experiment[0].epochs'" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.problem={name = "quadratic_centres", dim = 2, samples = 1000}' \
  --set 'experiment.0.noise={kind = "minibatch"}' --set 'experiment.0.steps=0' \
  --set 'experiment.0.schedule={kind = "constant", eta = 0.1, batch = 1, unit = "epoch"}' \
  --set 'experiment.0.epochs=1000000000'
fast low_memory_machine "are available" -- env SGDS_MEMORY_LIMIT_BYTES=1000000 "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.0.trajectories=100000'
check fits_when_it_fits env SGDS_MEMORY_LIMIT_BYTES=100000000 "$SGDS_BIN" run my.toml -o fits.h5 -q
fast sweep_point_beyond_memory "sweep point" -- "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" \
  --set 'experiment.*.trajectories=10000000' --set 'experiment.*.problem.dim=100000' -o out.h5

# --threads, --seed, --set.
for command in run check; do
  args=(my.toml -o out.h5)
  [ "$command" = check ] && args=(schedule_identities --quick -o out.h5)
  fast "${command}_threads_too_many" "--threads 100000: expected an integer in [0," -- "$SGDS_BIN" $command "${args[@]}" --threads 100000
  fast "${command}_threads_negative" "--threads -1" -- "$SGDS_BIN" $command "${args[@]}" --threads -1
  for seed in -2 4294967296 1.5 abc 99999999999999999999; do
    fast "${command}_seed_$seed" "--seed $seed: expected an integer in [0, 4294967295]" -- \
      "$SGDS_BIN" $command "${args[@]}" --seed "$seed"
  done
done
check seed_at_the_top_accepted "$SGDS_BIN" run my.toml -o top_seed.h5 --seed 4294967295 -q
fast set_index_20_digits "index 99999999999999999999 is past the end" -- "$SGDS_BIN" run my.toml -o out.h5 \
  --set 'experiment.99999999999999999999.steps=1'
for path in 'experiment..steps' '.seed' 'seed.' 'experiment.0.' ; do
  fast "set_path_$(echo "$path" | tr . d)" "has an empty part" -- "$SGDS_BIN" run my.toml -o out.h5 --set "$path=1"
done
fast set_no_value "expected key.path=value" -- "$SGDS_BIN" run my.toml -o out.h5 --set 'seed'
fast set_no_key "expected key.path=value" -- "$SGDS_BIN" run my.toml -o out.h5 --set '=3'

# train refuses what it used to clamp: a batch beyond the training set, more samples than there are.
if [ -d /usr/share/datasets/fashion-mnist ]; then
  cat >net.toml <<'TOML'
seed = 5
[data]
source = "fashion-mnist"
train_samples = 200
test_samples = 100
[model]
kind = "mlp"
hidden = [8]
[train]
replicas = 1
[measure]
every = 1000000
noise_samples = 0
curvature = false
sharpness = false
[[run]]
name = "one"
epochs = 1
schedule = { kind = "constant", eta = 0.05, batch = 20 }
TOML
  fast train_batch_beyond_samples "the schedule's batch at epoch 1 is 500: expected at most the 200 training samples" -- \
    "$SGDS_BIN" train net.toml -o out.h5 --set 'run.0.schedule.batch=500'
  fast train_growing_batch_beyond_samples "the schedule's batch at epoch 3 is 320" -- "$SGDS_BIN" train net.toml -o out.h5 \
    --set 'run.0.epochs=3' --set 'run.0.schedule={kind = "batch_increase", eta = 0.05, batch = 80, every = 1, factor = 2}'
  fast train_more_samples_than_data "key 'data.train_samples' = 100000: expected at most the 60000 training samples" -- \
    "$SGDS_BIN" train net.toml -o out.h5 --set 'data.train_samples=100000'
  fast train_more_test_samples_than_data "key 'data.test_samples' = 20000: expected at most the 10000 test samples" -- \
    "$SGDS_BIN" train net.toml -o out.h5 --set 'data.test_samples=20000'
  fast train_seed_negative "--seed -2" -- "$SGDS_BIN" train net.toml -o out.h5 --seed -2
  fast train_threads_too_many "--threads 100000" -- "$SGDS_BIN" train net.toml -o out.h5 --threads 100000
  fast train_run_name_reserved "key 'run[0].name' = \"correlations\"" -- "$SGDS_BIN" train net.toml -o out.h5 \
    --set 'run.0.name=correlations'
fi
finish
