#!/bin/bash
# Workload B on this CPU, sgdsmooth beside PyTorch CPU (/work/shared/peers/peers_cpu.py), in one
# run on one machine, and the ratio (issue 7 target: >= 5x at K = 4, b = 128).
#   bench/run_network_bench.sh [BUILD_DIR]   (default build-nn; needs bench_network built)
# The PyTorch peer needs Debian's python3-torch; as root this script installs it with apt-get.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-nn}
peers=${SGDS_PEERS:-/work/shared/peers/peers_cpu.py}
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q python3-torch >/dev/null
  else
    echo "python3-torch is missing: sudo apt-get install python3-torch" >&2
    exit 2
  fi
fi
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
bench=$build/bench/bench_network
[ -x "$bench" ] || bench=$build/bench_network
# Ours with all cores (default) and with one thread: Debian's PyTorch CPU runs one thread here
# (torch.get_num_threads() prints it), so the one-thread ratio is the like-for-like one.
ours=$("$bench" 4 128 1)
echo "$ours"
ours1=$("$bench" 4 128 1 1)
echo "$ours1"
theirs=$(/usr/bin/python3 "$peers")
echo "$theirs"
a=$(echo "$ours" | sed -n 's/^B_sgdsmooth_cpu_K4_b128_samples_per_s: //p')
a1=$(echo "$ours1" | sed -n 's/^B_sgdsmooth_cpu_K4_b128_samples_per_s: //p')
b=$(echo "$theirs" | sed -n 's/^B_torch_cpu_bmm_K4_b128_samples_per_s: //p')
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 -c "print(f'ratio sgdsmooth (all cores) / PyTorch CPU (K=4, b=128, float32 both): {float(\"$a\") / float(\"$b\"):.2f}x')"
/usr/bin/python3 -c "print(f'ratio sgdsmooth (threads=1) / PyTorch CPU: {float(\"$a1\") / float(\"$b\"):.2f}x')"
