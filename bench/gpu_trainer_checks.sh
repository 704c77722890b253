#!/bin/bash
# The GPU network checks of issue 7 in one device call, from a bundle made here
# (scripts/make_gpu_bundle.sh, see bench/RESULTS.md "Running the GPU checks"):
#   1. ldd of the bundled programs (a missing library shows here first)
#   2. test_nn_cuda: the GPU trainer against the CPU trainer (samples, one step, few epochs)
#   3. test_cuda_engine: the CUDA engine (float32 path included) against the CPU engine
#   4. tests/cli/train_cuda.sh: `sgdsmooth train` with device = "cuda" end to end
#   5. bench/gpu_network.sh: workload B beside JAX (appends to bench/RESULTS.md, copied to $OUT)
#   6. four: experiment (a), configs/nn_four_methods.toml, with device = "cuda" on the Fashion-MNIST
#      files in $SGDS_DATA (the GPU machine has no Debian package), result file to $OUT; FOUR_ARGS
#      adds options (e.g. --set measure.curvature=false)
#   7. cnn_speed: that CNN for 2 epochs on the GPU, then on this machine's CPU cores (same call)
#   8. profile: ncu's per-kernel summary of a few workload B steps (K = 64, tf32, b = 32 and 128):
#      where the time per step goes (ncu needs GPU counter permission there)
#   9. sanitize: compute-sanitizer racecheck and synccheck of test_nn_cuda's one-step and
#      few-epoch comparisons (shared-memory races and misplaced barriers on the hardware)
# Each step has its own time limit and its log goes to $OUT; a failed step does not stop the rest.
# Usage: bench/gpu_trainer_checks.sh BUNDLE [STEP...]   (steps: ldd nn engine train bench four cnn_speed profile
#        sanitize; default all but cnn_speed, profile and sanitize)
set -uo pipefail
bundle=$(cd "${1:?usage: bench/gpu_trainer_checks.sh BUNDLE [STEP...]}" && pwd)
shift
steps=${*:-ldd nn engine train bench four}
out=${OUT:-/tmp/gpu_trainer_checks}
mkdir -p "$out"
cuda_lib=$(dirname "$(ls /usr/local/cuda/lib64/libcublas.so* 2>/dev/null | head -1)")
export LD_LIBRARY_PATH=$bundle/lib:$cuda_lib
summary=$out/summary.txt
: > "$summary"
run_step() {  # name, time limit (s), command...
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "$name: rc=$rc, $((SECONDS - start)) s" | tee -a "$summary"
  tail -5 "$out/$name.log"
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$summary"
for step in $steps; do
  case $step in
    # The bundle is built for x86-64-v3 where the build machine has it (SGDS_CPU_ARCH=AUTO): the
    # host must have AVX2 and FMA, or the programs stop on an illegal instruction.
    ldd) run_step ldd 20 bash -c "grep -m1 -o -w -E 'avx2' /proc/cpuinfo && grep -m1 -o -w 'fma' /proc/cpuinfo || echo 'NO AVX2/FMA: rebuild with -DSGDS_CPU_ARCH=OFF'; for p in $bundle/bin/*; do echo \$p; ldd \$p | grep -E 'not found|cublas|cudart'; done" ;;
    nn) run_step test_nn_cuda 240 "$bundle/bin/test_nn_cuda" ;;
    engine) run_step test_cuda_engine 120 "$bundle/bin/test_cuda_engine" ;;
    train) run_step train_cuda 150 env SGDS_BIN="$bundle/bin/sgdsmooth" SGDS_PYTHON=python3 SGDS_SCRATCH=/tmp/train_cuda \
             bash tests/cli/train_cuda.sh ;;
    bench) run_step gpu_network 400 env SGDS_PEERS_DIR="$bundle/peers" bash bench/gpu_network.sh "$bundle/bin" ;;
    four) run_step nn_four_methods_gpu "${FOUR_LIMIT:-300}" "$bundle/bin/sgdsmooth" train configs/nn_four_methods.toml \
            --device cuda --set "data.dir=\"${SGDS_DATA:?}\"" ${FOUR_ARGS:-} -o "$out/nn_four_methods_gpu.h5" ;;
    cnn_speed)  # the CNN of experiment (a), constant run, 2 epochs, no C^2 / curvature: GPU, then this machine's CPU
      for device in cuda cpu; do
        run_step "cnn_speed_$device" 240 "$bundle/bin/sgdsmooth" train configs/nn_four_methods.toml --device $device \
          --set "data.dir=\"${SGDS_DATA:?}\"" --set train.epochs=2 --set measure.noise_samples=0 \
          --set measure.curvature=false --set measure.sharpness=false \
          --set 'run=[{name="constant", schedule={kind="constant", eta=0.1, batch=32}}]' -o "/tmp/cnn_speed_$device.h5"
      done ;;
    profile)  # per-kernel times of about 4 steps of workload B (K = 64, tf32, the default variant:
              # gather, then a graph of GEMM, bias + ReLU, head kernel, GEMM) in the timed epoch, under ncu
      run_step profile_b32 200 /usr/local/cuda/bin/ncu --graph-profiling node --section SpeedOfLight \
        --launch-skip 12000 --launch-count 20 --print-summary per-kernel "$bundle/bin/bench_network_cuda" 1 K64_b32_tf32
      run_step profile_b128 200 /usr/local/cuda/bin/ncu --graph-profiling node --section SpeedOfLight \
        --launch-skip 3000 --launch-count 20 --print-summary per-kernel "$bundle/bin/bench_network_cuda" 1 K64_b128_tf32 ;;
    sanitize)  # every kernel of the trainer runs in these test cases (MLP, CNN, fused head, SHB)
      for tool in racecheck synccheck; do
        run_step "sanitize_$tool" 300 /usr/local/cuda/bin/compute-sanitizer --tool "$tool" --error-exitcode 1 \
          "$bundle/bin/test_nn_cuda" "One GPU*,GPU and CPU trainers give the same few-epoch*"
      done ;;
    *) echo "unknown step $step" | tee -a "$summary" ;;
  esac
done
