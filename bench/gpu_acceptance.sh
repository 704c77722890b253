#!/bin/bash
# The whole GPU acceptance of the CUDA engine (issue 6) in one call on an H100/H200 machine:
#   1. build test_cuda_engine and bench_cuda for sm_90 (incremental if BUILD_DIR is already built)
#   2. the GPU tests, then compute-sanitizer memcheck on them
#   3. workload A (N = 2^20, d = 2, T = 1000) and the N and d scalings on the CUDA engine, in
#      float32 (the peers' precision: the figure held to the targets) and in float64
#   4. in the same call on the same GPU: /work/shared/peers/sol_rastrigin.cu (nvcc -O3 -arch=sm_90)
#      and workload A of peers_gpu.py (JAX lax.scan, PyTorch eager)
#   5. the ratios against the targets (>= 4x JAX, >= 1x sol_rastrigin), written to bench/RESULTS.md
#      (section "GPU acceptance") and, when $OUT is set, copied there with the full log.
# Usage: bench/gpu_acceptance.sh [BUILD_DIR]   (default build-gpu). Exit 0 only if everything passed.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-gpu}
peers=${SGDS_PEERS_DIR:-/work/shared/peers}
[ -d "$peers" ] || peers=$here/shared/peers
log=$(mktemp)
exec > >(tee "$log") 2>&1
status=0
fail() { echo "FAIL: $*"; status=1; }
# Our programs, with the bundle's libraries when prebuilt (the peers' Python keeps the system's).
ours() { env ${SGDS_BUNDLE_LIB:+LD_LIBRARY_PATH=$SGDS_BUNDLE_LIB} "$@"; }

if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_acceptance: no GPU here (nvidia-smi fails): nothing run, bench/RESULTS.md unchanged"
  exit 2
fi
echo "== machine: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -1); $(nproc) cores; $(date -u +%FT%TZ)"
echo "== commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null)$(git -C "$here" diff --quiet 2>/dev/null || echo '+dirty')"

if [ -n "${SGDS_PREBUILT:-}" ]; then
  # Programs built elsewhere for sm_90 (scripts/make_gpu_bundle.sh), libraries on LD_LIBRARY_PATH.
  echo "== prebuilt programs ($SGDS_PREBUILT)"
  test_bin=$SGDS_PREBUILT/test_cuda_engine
  bench_bin=$SGDS_PREBUILT/bench_cuda
  build=$(mktemp -d)
else
  echo "== build ($build)"
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSGDS_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null ||
    { fail "configure"; }
  cmake --build "$build" -j"$(nproc)" --target test_cuda_engine bench_cuda 2>&1 | grep -E "error|warning" || true
  test_bin=$build/tests/test_cuda_engine
  bench_bin=$build/bench_cuda
fi
[ -x "$test_bin" ] && [ -x "$bench_bin" ] || { fail "build"; exit 1; }

echo "== GPU tests"
tests=$(ours "$test_bin" 2>&1)
test_status=$?
echo "$tests" | tail -15
[ $test_status = 0 ] || fail "test_cuda_engine"
echo "$tests" | grep -q "SKIPPED: no CUDA device" && fail "the tests found no CUDA device"

echo "== compute-sanitizer memcheck"
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
ours timeout 150 "$sanitizer" --tool memcheck --error-exitcode 9 --leak-check full "$test_bin" 2>&1 | tail -8
[ "${PIPESTATUS[0]}" = 0 ] || fail "compute-sanitizer memcheck"

echo "== workload A and scalings (sgdsmooth CUDA engine, float32 and double precision)"
ours_a32=$(ours "$bench_bin" a32) || fail "bench_cuda a32"
echo "$ours_a32"
ours_a=$(ours "$bench_bin" a) || fail "bench_cuda a"
echo "$ours_a"
scale_n32=$(ours "$bench_bin" scale_n32) || fail "bench_cuda scale_n32"
echo "$scale_n32"
scale_d32=$(ours "$bench_bin" scale_d32) || fail "bench_cuda scale_d32"
echo "$scale_d32"
scale_n=$(ours "$bench_bin" scale_n) || fail "bench_cuda scale_n"
echo "$scale_n"
scale_d=$(ours "$bench_bin" scale_d) || fail "bench_cuda scale_d"
echo "$scale_d"

echo "== sol_rastrigin.cu (float, cuRAND Philox, __sinf)"
nvcc -O3 -arch=sm_90 "$peers/sol_rastrigin.cu" -o "$build/sol_rastrigin" && sol=$("$build/sol_rastrigin") || fail "sol_rastrigin"
echo "${sol:-}"

echo "== peers_gpu.py workload A (JAX, PyTorch; float32)"
export XLA_PYTHON_CLIENT_PREALLOCATE=false
peer=$(python3 -c "exec(open('$peers/peers_gpu.py').read().split('for name, fn in')[0]); jax_traj(); torch_traj()" 2>&1) ||
  fail "peers_gpu.py workload A"
echo "$peer"

value() { sed -n "s/^$1: *\([0-9.e+-]*\).*/\1/p" | head -1; }
a=$(echo "$ours_a" | value A_sgdsmooth_cuda_traj_steps_per_s)
a32=$(echo "$ours_a32" | value A_sgdsmooth_cuda_f32_traj_steps_per_s)
s=$(echo "${sol:-}" | sed -n 's/.*: \([0-9.e+-]*\) traj-steps\/s.*/\1/p')
j=$(echo "$peer" | value A_jax_scan_traj_steps_per_s)
t=$(echo "$peer" | value A_torch_eager_traj_steps_per_s)
report=$(python3 - "$a32" "$a" "$s" "$j" "$t" <<'EOF'
import sys
def num(v):
    try: return float(v)
    except ValueError: return float("nan")
a32, a, s, j, t = map(num, sys.argv[1:])
print(f"| sgdsmooth CUDA engine, float32 | {a32:.3e} | 1 (double: {a / a32:.2f}x of it) |")
print(f"| sgdsmooth CUDA engine, double | {a:.3e} | - |")
print(f"| sol_rastrigin.cu (float) | {s:.3e} | float32 {a32 / s:.2f}x, double {a / s:.2f}x (target >= 1) |")
print(f"| JAX lax.scan (float32) | {j:.3e} | float32 {a32 / j:.2f}x, double {a / j:.2f}x (target >= 4) |")
print(f"| PyTorch eager (float32) | {t:.3e} | float32 {a32 / t:.2f}x, double {a / t:.2f}x |")
print("targets met (float32 vs the float32 peers)" if a32 >= 4 * j and a32 >= s else "targets NOT met")
EOF
)
echo "$report"
echo "$report" | grep -q "targets met" || fail "workload A targets"

section=$(cat <<EOF
## GPU acceptance (bench/gpu_acceptance.sh)

Run $(date -u +%F) on $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), commit
$(git -C "$here" rev-parse --short HEAD 2>/dev/null). Workload A: N = 2^20, d = 2, T = 1000,
trajectory-steps/s, all in this one call; ratio = sgdsmooth / peer.

| engine | traj-steps/s | sgdsmooth / it |
| --- | --- | --- |
$(echo "$report" | grep '^|')

$(echo "$report" | tail -1); tests and memcheck: $([ $status = 0 ] && echo passed || echo "see log (failures)").

Scaling in N (d = 2, T = 1000) and in d (N = 2^20, T = 1000), trajectory-steps/s:

\`\`\`
$scale_n32
$scale_d32
$scale_n
$scale_d
\`\`\`
EOF
)
results=$here/bench/RESULTS.md
python3 - "$results" "$section" <<'EOF'
import sys, re
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if __import__("os").path.exists(path) else "# Benchmark results\n"
text = re.sub(r"\n## GPU acceptance \(bench/gpu_acceptance.sh\).*?(?=\n## |\Z)", "", text, flags=re.S)
open(path, "w").write(text.rstrip("\n") + "\n\n" + section + "\n")
EOF
if [ -n "${OUT:-}" ]; then
  cp "$results" "$OUT/RESULTS.md"
  cp "$log" "$OUT/gpu_acceptance.log"
fi
[ $status = 0 ] && echo "== GPU acceptance PASSED" || echo "== GPU acceptance FAILED"
exit $status
