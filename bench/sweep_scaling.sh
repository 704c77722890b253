#!/usr/bin/env bash
# Sweep throughput vs threads, shards and MPI ranks on this machine (docs/SCALING.md): the same
# 6-point sweep (configs/sweep_example.toml, 32768 trajectories x 400 steps, dim 4) run five
# ways, wall time from start to the last point file, and the merged files compared.
# Usage: bash bench/sweep_scaling.sh [BUILD_DIR]     (mpirun rows need a build with MPI)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(cd "${1:-$here/build}" && pwd)/sgdsmooth"
[[ -x "$bin" ]] || { echo "no $bin: build first"; exit 2; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
sweep="$here/configs/sweep_example.toml"
W=(--set 'experiment.*.trajectories=32768' --set 'experiment.*.steps=400' --set sweep.replicates=1
   --set 'sweep.zip={ "experiment.*.noise.scale" = [1.0] }' -q)
steps=$((6 * 32768 * 400))
mpi=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

row() {  # name, output folder, command...
  local name="$1" out="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  "$bin" merge "$out" -o "$out.h5" >/dev/null
  python3 - "$name" "$start" "$end" "$steps" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import sys
name, start, end, steps, load = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
wall = end - start
print(f"| {name} | {wall:.2f} s | {steps / wall / 1e6:.1f} M traj-steps/s | {load} |")
PY
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; binary: $("$bin" --version 2>/dev/null | head -1)"
echo "| configuration | wall | throughput | load (1 min) |"
echo "| --- | --- | --- | --- |"
row "1 process, --threads 1" t1 "$bin" sweep "$sweep" "${W[@]}" --threads 1 -o t1
row "1 process, --threads 2" t2 "$bin" sweep "$sweep" "${W[@]}" --threads 2 -o t2
shards() {
  "$bin" sweep "$sweep" "${W[@]}" --threads 1 --shard 0/2 -o s2 &
  "$bin" sweep "$sweep" "${W[@]}" --threads 1 --shard 1/2 -o s2
  wait
}
row "2 shards in parallel, 1 thread each" s2 shards
if command -v mpirun >/dev/null; then
  row "mpirun -np 1, --threads 1" r1 "${mpi[@]}" -np 1 "$bin" sweep "$sweep" "${W[@]}" --threads 1 -o r1
  row "mpirun -np 2, --threads 1" r2 "${mpi[@]}" -np 2 "$bin" sweep "$sweep" "${W[@]}" --threads 1 -o r2
fi
for other in t2 s2 r1 r2; do
  [[ -f $other.h5 ]] || continue
  /usr/bin/python3 "$here/tests/cli/sweep_compare.py" t1.h5 "$other.h5" >/dev/null && echo "$other: same merged datasets as t1" ||
    echo "$other: DIFFERS from t1"
done
