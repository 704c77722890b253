#!/usr/bin/env bash
# Workload A (N = 2^16) on the sgdsmooth CPU engine beside the PyTorch CPU and numpy peers of
# ../shared/peers/peers_cpu.py, measured in the same run on the same machine; prints the ratio.
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

echo "== sgdsmooth (OMP_NUM_THREADS=$OMP_NUM_THREADS)"
ours_before="$("$bench")"
echo "$ours_before"
echo "== peers ($peers)"
peer_out="$(/usr/bin/python3 "$peers")"
echo "$peer_out"
echo "== sgdsmooth again (after the peers, to bracket load changes)"
ours_after="$("$bench")"
echo "$ours_after"

figure() { sed -n "s/^$1: *//p" <<<"$2"; }
a1="$(figure A_sgdsmooth_cpu_traj_steps_per_s "$ours_before")"
a2="$(figure A_sgdsmooth_cpu_traj_steps_per_s "$ours_after")"
torch="$(figure A_torch_cpu_traj_steps_per_s "$peer_out")"
numpy="$(figure A_numpy_traj_steps_per_s "$peer_out")"
/usr/bin/python3 - "$a1" "$a2" "$torch" "$numpy" <<'PY'
import sys
a1, a2, torch, numpy = map(float, sys.argv[1:])
ours = min(a1, a2)
print(f"sgdsmooth (lower of the two runs): {ours:.3e} traj-steps/s")
print(f"ratio vs PyTorch CPU: {ours / torch:.2f}x   ratio vs numpy: {ours / numpy:.2f}x")
PY
