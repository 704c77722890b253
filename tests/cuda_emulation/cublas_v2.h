#pragma once
// cuBLAS as far as sim/cuda/cuda_check.hpp names it (see cuda_runtime.h here).
using cublasStatus_t = int;
inline constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;
inline const char* cublasGetStatusString(cublasStatus_t) { return "cuBLAS error (emulated)"; }
