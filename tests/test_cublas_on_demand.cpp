// cuBLAS is not linked but loaded on first use (sim/nn/cublas_on_demand.cu): on a machine with
// the CUDA toolkit, GPU or not, the library loads and every function the GPU trainer calls resolves.
// Built only with the CUDA backend (tests/CMakeLists.txt).
#include <catch2/catch.hpp>

#include "sim/nn/cublas_on_demand.hpp"

TEST_CASE("cuBLAS loads on demand and every function the trainer uses resolves") {
  CHECK(sgds::nn::cublas_available());
}
