#pragma once
// cuBLAS as the GPU trainer uses it, emulated for tests/cuda_emulation (see cuda_runtime.h here):
// a strided-batched GEMM by loops, each entry's sum over k in order in float; with
// CUBLAS_COMPUTE_32F_FAST_TF32 the factors are rounded to tf32 first. Queued like a launch (so
// stream capture records it).
#include <cstdint>

#include "cuda_runtime.h"
#include "sim/nn/matmul_precision.hpp"

using cublasStatus_t = int;
inline constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;
inline const char* cublasGetStatusString(cublasStatus_t) { return "cuBLAS error (emulated)"; }
using cublasHandle_t = struct cublasContext*;
enum cublasOperation_t { CUBLAS_OP_N, CUBLAS_OP_T };
enum cublasComputeType_t { CUBLAS_COMPUTE_32F, CUBLAS_COMPUTE_32F_FAST_TF32 };
enum cudaDataType { CUDA_R_32F };
enum cublasGemmAlgo_t { CUBLAS_GEMM_DEFAULT };
inline cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  *handle = reinterpret_cast<cublasHandle_t>(std::uintptr_t{1});
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t cublasDestroy(cublasHandle_t) { return CUBLAS_STATUS_SUCCESS; }
inline cublasStatus_t cublasSetStream(cublasHandle_t, cudaStream_t) { return CUBLAS_STATUS_SUCCESS; }
inline cublasStatus_t cublasSetWorkspace(cublasHandle_t, void*, std::size_t) { return CUBLAS_STATUS_SUCCESS; }

// C_i = alpha op(A_i) op(B_i) + beta C_i, column-major, i < batch (C is not read when beta = 0).
inline cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb, int m,
                                                 int n, int k, const void* alpha, const void* a, cudaDataType, int lda,
                                                 long long stride_a, const void* b, cudaDataType, int ldb,
                                                 long long stride_b, const void* beta, void* c, cudaDataType, int ldc,
                                                 long long stride_c, int batch, cublasComputeType_t compute,
                                                 cublasGemmAlgo_t) {
  const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  const float* A = static_cast<const float*>(a);
  const float* B = static_cast<const float*>(b);
  float* C = static_cast<float*>(c);
  cuda_emulation::enqueue([=] {
    const bool tf32 = compute == CUBLAS_COMPUTE_32F_FAST_TF32;
    const auto factor = [tf32](float v) { return tf32 ? sgds::nn::round_to_tf32(v) : v; };
    for (int q = 0; q < batch; ++q) {
      const float* Aq = A + q * stride_a;
      const float* Bq = B + q * stride_b;
      float* Cq = C + q * stride_c;
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
          float sum = 0.0f;
          for (int l = 0; l < k; ++l) {
            const float x =
                ta == CUBLAS_OP_N ? Aq[i + static_cast<long long>(l) * lda] : Aq[l + static_cast<long long>(i) * lda];
            const float y =
                tb == CUBLAS_OP_N ? Bq[l + static_cast<long long>(j) * ldb] : Bq[j + static_cast<long long>(l) * ldb];
            sum += factor(x) * factor(y);
          }
          float& out = Cq[i + static_cast<long long>(j) * ldc];
          out = be == 0.0f ? al * sum : al * sum + be * out;
        }
    }
  });
  return CUBLAS_STATUS_SUCCESS;
}
