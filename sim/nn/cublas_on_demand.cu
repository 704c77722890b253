// cuBLAS loaded on first use. Linking libcublas would run its static initialisers (about 0.4 s)
// in every sgdsmooth process, `inspect` and `verify` included, GPU or not; the GPU trainer is the
// only user of the six functions below, so they are defined here with cuBLAS's own prototypes
// and forward to the library, which is dlopen'ed the first time one is called.
#include "sim/nn/cublas_on_demand.hpp"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <mutex>

namespace {

void* library() {
  static void* handle = [] {
    void* h = dlopen(SGDS_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(SGDS_CUBLAS_DIR "/" SGDS_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    return h;
  }();
  return handle;
}

template <class Function>
Function* resolve(Function*& slot, const char* name) {
  static std::mutex lock;
  const std::lock_guard<std::mutex> guard(lock);
  if (!slot && library()) slot = reinterpret_cast<Function*>(dlsym(library(), name));
  return slot;
}

#define SGDS_FORWARD_AS(type, name, ...)                           \
  static type* real = nullptr;                                     \
  if (!resolve(real, #name)) return CUBLAS_STATUS_NOT_INITIALIZED; \
  return real(__VA_ARGS__)
#define SGDS_FORWARD(name, ...) SGDS_FORWARD_AS(decltype(name), name, __VA_ARGS__)

// The C function (cublas_api.h also declares a C++ overload taking cudaDataType).
using GemmStridedBatchedEx = cublasStatus_t(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                            const void*, const void*, cudaDataType, int, long long int, const void*,
                                            cudaDataType, int, long long int, const void*, void*, cudaDataType, int,
                                            long long int, int, cublasComputeType_t, cublasGemmAlgo_t);

}  // namespace

extern "C" {

cublasStatus_t CUBLASWINAPI cublasCreate_v2(cublasHandle_t* handle) { SGDS_FORWARD(cublasCreate_v2, handle); }

cublasStatus_t CUBLASWINAPI cublasDestroy_v2(cublasHandle_t handle) { SGDS_FORWARD(cublasDestroy_v2, handle); }

cublasStatus_t CUBLASWINAPI cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  SGDS_FORWARD(cublasSetStream_v2, handle, stream);
}

cublasStatus_t CUBLASWINAPI cublasSetWorkspace_v2(cublasHandle_t handle, void* workspace, size_t bytes) {
  SGDS_FORWARD(cublasSetWorkspace_v2, handle, workspace, bytes);
}

cublasStatus_t CUBLASWINAPI cublasGemmStridedBatchedEx(
    cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha,
    const void* A, cudaDataType Atype, int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb,
    long long int strideB, const void* beta, void* C, cudaDataType Ctype, int ldc, long long int strideC,
    int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
  SGDS_FORWARD_AS(GemmStridedBatchedEx, cublasGemmStridedBatchedEx, handle, transa, transb, m, n, k, alpha, A, Atype,
                  lda, strideA, B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo);
}

const char* CUBLASWINAPI cublasGetStatusString(cublasStatus_t status) {
  static decltype(cublasGetStatusString)* real = nullptr;
  if (!resolve(real, "cublasGetStatusString"))
    return status == CUBLAS_STATUS_NOT_INITIALIZED ? "cuBLAS could not be loaded (" SGDS_CUBLAS_SONAME " not found)"
                                                   : "cuBLAS error";
  return real(status);
}

}  // extern "C"

namespace sgds::nn {

bool cublas_available() {
  static decltype(cublasCreate_v2)* a = nullptr;
  static decltype(cublasDestroy_v2)* b = nullptr;
  static decltype(cublasSetStream_v2)* c = nullptr;
  static decltype(cublasSetWorkspace_v2)* d = nullptr;
  static GemmStridedBatchedEx* e = nullptr;
  static decltype(cublasGetStatusString)* f = nullptr;
  return resolve(a, "cublasCreate_v2") && resolve(b, "cublasDestroy_v2") && resolve(c, "cublasSetStream_v2") &&
         resolve(d, "cublasSetWorkspace_v2") && resolve(e, "cublasGemmStridedBatchedEx") &&
         resolve(f, "cublasGetStatusString");
}

}  // namespace sgds::nn
