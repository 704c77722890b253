#!/bin/bash
# Two builds of the CPU network trainer side by side, alternating, in one run on one machine:
# workload B (bench_network: MLP 784-256-10, K = 4, b = 128, one epoch of 60000 random samples)
# and one epoch of the CNN (`sgdsmooth train bench/cnn_speed.toml`, seconds as the trainer reports).
#   bench/compare_cpu_builds.sh BUILD_A BUILD_B [ROUNDS]   (each build needs sgdsmooth and bench_network)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
a=${1:?usage: bench/compare_cpu_builds.sh BUILD_A BUILD_B [ROUNDS]} b=${2:?usage: bench/compare_cpu_builds.sh BUILD_A BUILD_B [ROUNDS]}
rounds=${3:-2}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
for build in "$a" "$b"; do
  arch=$(sed -n 's/^SGDS_CPU_ARCH:STRING=//p' "$build/CMakeCache.txt")
  avx2=$(sed -n 's/^SGDS_MACHINE_HAS_AVX2_FMA:INTERNAL=//p' "$build/CMakeCache.txt")
  echo "$build: SGDS_CPU_ARCH=${arch:-unset (a build from before the option: x86-64 baseline)}${avx2:+, AVX2+FMA found: $avx2}"
done
for round in $(seq "$rounds"); do
  for build in "$a" "$b"; do
    mlp=$("$build/bench_network" 4 128 1 | sed -n 's/^B_sgdsmooth_cpu_K4_b128_samples_per_s: //p')
    cnn=$("$build/sgdsmooth" train "$here/bench/cnn_speed.toml" -o "$scratch/cnn.h5" --quiet | awk '$1 == "constant" {print $NF}')
    echo "round $round  $build  MLP workload B: $mlp samples/s  CNN epoch: $cnn s"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
