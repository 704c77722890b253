#!/usr/bin/env bash
# Plant each bug of scripts/engine_mutants/*.patch in turn into a copy of the engine, rebuild, and
# run `sgdsmooth check --quick` (the true theory only): every planted bug must make it exit
# non-zero. The bugs are the classes a validation suite has to catch (issue 23): noise scaling on
# every path, the update rule, momentum, the sampling schemes, the schedules, the recorded delta,
# a closed form of the library, the keying of random streams, a finite sum's gradient, a kernel.
#
#   scripts/engine_mutants.sh [--full] [PATCH...]   # default: every patch, check --quick
#
# It works in a git worktree of HEAD under ${SGDS_MUTANT_DIR:-/tmp/sgds-engine-mutants} (a CPU
# build, reused between runs), prints one line per mutant and a Markdown table at the end, and
# exits 1 if any mutant was not caught. About 3 minutes a mutant on 2 cores (one file rebuilt).
set -u
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=${SGDS_MUTANT_DIR:-/tmp/sgds-engine-mutants}
mode=(--quick)
patches=()
for arg in "$@"; do
  if [ "$arg" = "--full" ]; then mode=(); else patches+=("$arg"); fi
done
[ ${#patches[@]} -gt 0 ] || patches=("$source_dir"/scripts/engine_mutants/*.patch)

if [ ! -d "$work/.git" ] && [ ! -f "$work/.git" ]; then
  git -C "$source_dir" worktree add -f --detach "$work" HEAD >/dev/null || exit 1
fi
# A run killed midway leaves its patch applied: drop it before moving to HEAD.
git -C "$work" checkout -q -- . && git -C "$work" checkout -q --detach "$(git -C "$source_dir" rev-parse HEAD)" || exit 1
cmake -S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DSGDS_CUDA=OFF -DSGDS_TESTS=OFF >/dev/null || exit 1

results=()
missed=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  git -C "$work" checkout -q -- .
  if ! git -C "$work" apply "$patch"; then
    echo "$name: the patch does not apply to HEAD"
    missed=$((missed + 1))
    continue
  fi
  if ! cmake --build "$work/build" -j"$(nproc)" --target sgdsmooth >"$work/build.log" 2>&1; then
    echo "$name: does not build"; tail -5 "$work/build.log"
    missed=$((missed + 1))
    continue
  fi
  start=$SECONDS
  "$work/build/sgdsmooth" check "${mode[@]}" -q >"$work/$name.txt" 2>&1
  status=$?
  # The checks that turned FAIL on the true theory (first column, rows without a mutant).
  failed=$(awk '$1 !~ /\[/ && $NF == "FAIL" {print $1}' "$work/$name.txt" | paste -sd, -)
  if [ "$status" -ne 0 ]; then verdict="caught"; else verdict="NOT CAUGHT"; missed=$((missed + 1)); fi
  what=$(head -1 "$patch" | sed 's/^Engine mutant: //; s/\.$//')
  echo "$name: $verdict (exit $status, $((SECONDS - start)) s): ${failed:-no check failed}"
  results+=("| $name | $what | $verdict | ${failed:--} |")
done
git -C "$work" checkout -q -- .

echo
echo "| mutant | planted bug | check ${mode[*]} | checks that FAIL |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${results[@]}"
[ "$missed" -eq 0 ]
