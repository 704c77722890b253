# The instruction set the C++ code is compiled for (SGDS_CPU_ARCH):
#   AUTO (default): x86-64-v3 (AVX2 + FMA) when both the compiler and this machine have it, else
#         the compiler's default. Eigen's GEMMs in the network trainer gain 1.7x on the CNN over
#         the x86-64 baseline (SSE2); AVX-512 (native on this machine) gains nothing more there
#         and makes GCC 12 print hundreds of false maybe-uninitialized warnings inside Eigen.
#   OFF:  the compiler's default (a binary for any x86-64; what the GPU bundle uses).
#   any other value: passed as -march=VALUE (e.g. native).
# The Monte Carlo engine dispatches its own SSE2 / AVX2 / AVX-512 loops at run time and gives
# the same bits at every level; only Eigen's (network) arithmetic depends on this choice.
set(SGDS_CPU_ARCH AUTO CACHE STRING "-march for the C++ code: AUTO (x86-64-v3 where supported), OFF, or a -march value")

set(SGDS_CPU_ARCH_FLAG "")
if(SGDS_CPU_ARCH STREQUAL "AUTO")
  include(CheckCXXCompilerFlag)
  include(CheckCXXSourceRuns)
  check_cxx_compiler_flag(-march=x86-64-v3 SGDS_COMPILER_HAS_X86_64_V3)
  if(SGDS_COMPILER_HAS_X86_64_V3)
    check_cxx_source_runs([=[
      int main() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 0 : 1; }
    ]=] SGDS_MACHINE_HAS_AVX2_FMA)
    if(SGDS_MACHINE_HAS_AVX2_FMA)
      set(SGDS_CPU_ARCH_FLAG "-march=x86-64-v3")
    endif()
  endif()
elseif(SGDS_CPU_ARCH AND NOT SGDS_CPU_ARCH STREQUAL "OFF")
  set(SGDS_CPU_ARCH_FLAG "-march=${SGDS_CPU_ARCH}")
endif()

if(SGDS_CPU_ARCH_FLAG)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:${SGDS_CPU_ARCH_FLAG}>)
endif()
message(STATUS "sgdsmooth: C++ instruction set ${SGDS_CPU_ARCH} -> '${SGDS_CPU_ARCH_FLAG}' (empty: compiler default)")
