#pragma once
// Status checks for CUDA runtime and cuBLAS calls in .cu files: a failure throws
// std::runtime_error naming the error, the call, the file and the line (the style of
// sim/cuda/cuda_engine.cu). Include only from CUDA translation units.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define SGDS_CUDA_CHECK(call)                                                                                   \
  do {                                                                                                          \
    const cudaError_t sgds_status = (call);                                                                     \
    if (sgds_status != cudaSuccess)                                                                             \
      throw std::runtime_error(std::string("CUDA error: ") + cudaGetErrorString(sgds_status) + " in " + #call + \
                               " at " + __FILE__ + ":" + std::to_string(__LINE__));                             \
  } while (0)

#define SGDS_CUBLAS_CHECK(call)                                                                                      \
  do {                                                                                                               \
    const cublasStatus_t sgds_status = (call);                                                                       \
    if (sgds_status != CUBLAS_STATUS_SUCCESS)                                                                        \
      throw std::runtime_error(std::string("cuBLAS error: ") + cublasGetStatusString(sgds_status) + " in " + #call + \
                               " at " + __FILE__ + ":" + std::to_string(__LINE__));                                  \
  } while (0)
