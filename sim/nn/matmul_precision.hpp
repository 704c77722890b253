#pragma once
// The matrix-product precision of the GPU network trainer, stated in its output: strict FP32
// GEMMs (CUBLAS_COMPUTE_32F, the default) or TF32 tensor-core GEMMs with FP32 accumulation
// (CUBLAS_COMPUTE_32F_FAST_TF32). Everything outside the GEMMs is FP32 either way; the CPU
// trainer is FP32 throughout.
#include <bit>
#include <cstdint>
#include <string>

namespace sgds::nn {

enum class MatmulPrecision { fp32, tf32 };

inline std::string matmul_precision_name(MatmulPrecision precision) {
  return precision == MatmulPrecision::tf32 ? "tf32" : "fp32";
}

inline std::string matmul_precision_description(MatmulPrecision precision) {
  return precision == MatmulPrecision::tf32 ? "tf32 (CUBLAS_COMPUTE_32F_FAST_TF32)" : "fp32 (CUBLAS_COMPUTE_32F)";
}

// x rounded to the nearest tf32 value (10 mantissa bits), ties away from zero: the tensor cores'
// operand conversion (cvt.rna.tf32.f32), what a tf32 GEMM does to each factor. Finite x only.
inline float round_to_tf32(float x) {
  // Sign and magnitude: adding half of the dropped range to the magnitude, then dropping the 13
  // low bits, rounds to nearest with ties away from zero (a carry may move into the exponent:
  // still the right value).
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  return std::bit_cast<float>((bits + 0x1000u) & ~0x1FFFu);
}

}  // namespace sgds::nn
