#!/usr/bin/env bash
# Workload A (N = 2^16) on the sgdsmooth CPU engine beside the PyTorch CPU and numpy peers of
# ../shared/peers/peers_cpu.py, measured in the same run on the same machine; prints the ratios
# for the engine's float32 path (the peers' precision) and its default float64 path.
#
# The peers need Debian's numpy and PyTorch (run with /usr/bin/python3):
#   apt-get install -y python3-numpy python3-torch
# Usage: bash bench/run_cpu_peers.sh [BUILD_DIR] [PEERS_PY]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
peers="${2:-$here/../shared/peers/peers_cpu.py}"
bench="$build/bench_engine_workload_a"
[[ -x "$bench" ]] || { echo "no $bench: build first (cmake --build $build)"; exit 2; }
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

ours() { "$bench" --precision "$1"; }
echo "== sgdsmooth (OMP_NUM_THREADS=$OMP_NUM_THREADS)"
f32_before="$(ours float32)"; echo "$f32_before"
f64_before="$(ours float64)"; echo "$f64_before"
echo "== peers ($peers)"
peer_out="$(/usr/bin/python3 "$peers")"
echo "$peer_out"
echo "== sgdsmooth again (after the peers, to bracket load changes)"
f64_after="$(ours float64)"; echo "$f64_after"
f32_after="$(ours float32)"; echo "$f32_after"
uptime

figure() { sed -n "s/^$1: *//p" <<<"$2"; }
key=A_sgdsmooth_cpu_traj_steps_per_s
torch="$(figure A_torch_cpu_traj_steps_per_s "$peer_out")"
numpy="$(figure A_numpy_traj_steps_per_s "$peer_out")"
/usr/bin/python3 - "$(figure $key "$f32_before")" "$(figure $key "$f32_after")" "$(figure $key "$f64_before")" \
  "$(figure $key "$f64_after")" "$torch" "$numpy" <<'PY'
import sys
f32a, f32b, f64a, f64b, torch, numpy = map(float, sys.argv[1:])
for name, ours in (("float32", min(f32a, f32b)), ("float64", min(f64a, f64b))):
    print(f"sgdsmooth {name} (lower of the two runs): {ours:.3e} traj-steps/s; "
          f"ratio vs PyTorch CPU (float32): {ours / torch:.2f}x; vs numpy (float32): {ours / numpy:.2f}x")
PY
