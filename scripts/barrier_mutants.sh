#!/bin/bash
# Every __syncthreads of the GPU trainer's emulated sources removed in turn, test_cuda_emulated run
# under each thread order of the CPU emulation (tests/cuda_emulation/cuda_runtime.h): one line per
# barrier saying which orders fail without it. A barrier no order misses is either not needed or
# guards a race the tests cannot reach; either way someone should look at it.
# It works on a git worktree of HEAD in a scratch folder (your tree is not touched; uncommitted
# changes are not in it), built there without CUDA, about 3 minutes plus 2 per barrier on 2 cores.
# Usage: scripts/barrier_mutants.sh [SCRATCH] [ORDER...]   (default /tmp/sgds_barrier_mutants,
#        orders forward reverse shuffled)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-/tmp/sgds_barrier_mutants}
shift || true
orders=${*:-forward reverse shuffled}
sources=$(cd "$repo" && ls sim/nn/*_kernels_cuda.cu sim/nn/replica_trainer_cuda.cu)

if [ ! -d "$scratch/tree" ]; then
  git -C "$repo" worktree add -q --detach "$scratch/tree" HEAD
else
  git -C "$scratch/tree" checkout -q --force --detach "$(git -C "$repo" rev-parse HEAD)"  # (drops an interrupted run's mutant)
fi
tree=$scratch/tree build=$scratch/build
cmake -S "$tree" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSGDS_CUDA=OFF -DSGDS_MPI=OFF > "$scratch/configure.log"
echo "barrier mutants of $(git -C "$tree" rev-parse --short HEAD), orders: $orders"
for file in $sources; do
  for line in $(grep -n "__syncthreads();" "$tree/$file" | cut -d: -f1); do
    git -C "$tree" checkout -q -- "$file"
    sed -i "${line}s|__syncthreads();|/* barrier removed */;|" "$tree/$file"
    result="$file:$line"
    if ! cmake --build "$build" -j"$(nproc)" -t test_cuda_emulated > "$scratch/build.log" 2>&1; then
      echo "$result: build failed ($scratch/build.log)"
      continue
    fi
    for order in $orders; do  # side by side; --abort: the first failed assertion is enough
      rm -f "$scratch/$order.rc"
      (rc=0
       SGDS_EMULATION_THREAD_ORDER=$order timeout 600 "$build/tests/test_cuda_emulated" --abort > "$scratch/$order.log" 2>&1 || rc=$?
       echo $rc > "$scratch/$order.rc") &
    done
    wait
    for order in $orders; do
      rc=$(cat "$scratch/$order.rc")
      if [ "$rc" = 0 ]; then
        result="$result | $order passes"
      else  # exit status, the first failing test case (the line after the first separator of Catch's report)
        result="$result | $order FAILS (exit $rc: $(grep -m1 -A1 '^-----' "$scratch/$order.log" | sed -n 2p | cut -c1-50))"
      fi
    done
    echo "$result"
  done
  git -C "$tree" checkout -q -- "$file"
done
