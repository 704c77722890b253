#pragma once
// cuBLAS is loaded the first time the GPU trainer calls it (sim/nn/cublas_on_demand.cu), not at
// program start. Built only with the CUDA backend.

namespace sgds::nn {

// Whether libcublas loads and every function the trainer uses resolves (no GPU needed).
bool cublas_available();

}  // namespace sgds::nn
