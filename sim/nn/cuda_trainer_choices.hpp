#pragma once
// The GPU trainer's implementation choices, each on by default: ways of computing the same SGD
// iterates (within float rounding) that a test or benchmark may turn off to compare. The base of
// ReplicaTrainerOptions (sim/nn/replica_trainer_cuda.hpp) and what train_replicas_cuda
// (sim/nn/trainer_cuda.hpp) takes. Plain C++: no CUDA headers. Variants measured no faster, or
// never run on a GPU, live in dev/cuda (docs/NETWORKS.md, "GPU trainer variants tried").

namespace sgds::nn {

struct CudaTrainerChoices {
  // Conv layers: weight and bias gradients as per-sample GEMMs and a fixed-order sum, not one
  // GEMM per replica over all H W b positions (whose 16 x 9 outputs leave cuBLAS few blocks).
  bool split_conv_gradients = true;
  // Each step after the gather replayed as a CUDA graph, captured the second time a (batch, eta)
  // is met: the same kernels and cuBLAS calls in the same order, so the same bits (test_nn_cuda).
  bool step_graphs = true;
  // A training step's dense head in two kernels instead of eight launches with GEMMs of 10 rows
  // (fp32 whatever `precision` says; needs a layer below the head and at most 16 classes).
  bool fused_head = true;
  // The largest batch the fused head acts for (the GEMM head is faster above it).
  int fused_head_max_batch = 32;
};

}  // namespace sgds::nn
