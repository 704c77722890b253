#pragma once
// The matrix-product precision of the GPU network trainer, stated in its output: strict FP32
// GEMMs (CUBLAS_COMPUTE_32F, the default) or TF32 tensor-core GEMMs with FP32 accumulation
// (CUBLAS_COMPUTE_32F_FAST_TF32). Everything outside the GEMMs is FP32 either way; the CPU
// trainer is FP32 throughout.
#include <string>

namespace sgds::nn {

enum class MatmulPrecision { fp32, tf32 };

inline std::string matmul_precision_name(MatmulPrecision precision) {
  return precision == MatmulPrecision::tf32 ? "tf32" : "fp32";
}

inline std::string matmul_precision_description(MatmulPrecision precision) {
  return precision == MatmulPrecision::tf32 ? "tf32 (CUBLAS_COMPUTE_32F_FAST_TF32)" : "fp32 (CUBLAS_COMPUTE_32F)";
}

}  // namespace sgds::nn
