#pragma once
// `sgdsmooth train` with device = "cuda": the K replicas of an MLP or CNN trained in lock-step on
// one GPU (sim/nn/replica_trainer_cuda.hpp), returning the CPU trainer's TrainResult. Per replica
// the same initial weights (initialise_parameters), the same mini-batches (epoch_order) and the
// same update rule as the CPU trainer; the numbers agree within float rounding (the GEMMs sum in
// another order; with tf32 the products are rounded to 10-bit mantissas).
//
// On the GPU: the training steps, the per-epoch train loss / accuracy and the test loss /
// accuracy. On the CPU, from the weights copied back: C^2, its SE, the gradient norms and delta
// (at the epochs the measure spec asks for) and the final Hessian and sharpness measurements,
// by the CPU trainer's own functions (measure_gradient_noise_at, measure_final_at), parallel
// over replicas with OpenMP.
#include <cstdint>
#include <functional>
#include <string>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "sim/nn/matmul_precision.hpp"
#include "sim/nn/trainer.hpp"

namespace sgds::nn {

// "" when device = "cuda" can train here, else one line why not (no CUDA backend in this
// build, no device).
std::string cuda_training_unavailable();
// The GPU for provenance: "cuda: NVIDIA H100 80GB HBM3 (sm_90)" ("" without a backend).
std::string cuda_training_device();

struct CudaTrainTiming {
  double setup_seconds = 0.0;        // data and weights to the device, initial weights, first orders
  double training_seconds = 0.0;     // the epochs: steps, train sums, GPU test evaluations (wall clock)
  double measurement_seconds = 0.0;  // the CPU measurements on copied-back weights (not in the above)
  int step_graphs = 0;               // CUDA graphs of training steps captured (CudaTrainerChoices::step_graphs)
};

// Implementation choices of the GPU trainer that do not change what is computed (the iterates
// agree within float rounding): ReplicaTrainerOptions' fields of the same names.
struct CudaTrainerChoices {
  int deferred_steps = 1;             // MLP, plain SGD: first-layer steps held (1 = off)
  bool split_conv_gradients = true;   // CNN: conv gradients by sample
  bool step_graphs = true;            // each step (after the gather) as a CUDA graph
  bool fused_head = true;             // the head's forward and backward in three kernels (b <= fused_head_max_batch)
  bool l2_persisting_weights = false;  // weights marked persisting in L2 (not yet run on a GPU)
  bool step_in_forward = false;        // MLP, plain SGD, b <= 128: W1's step in the next forward (not yet run on a GPU)
  int step_in_forward_splits = 0;      // that kernel's column splits (0: by the device's size)
  int fused_head_max_batch = 32;       // the largest batch the fused head takes
  bool first_layer_tf32x3 = false;     // fp32 with step_in_forward: that kernel in tf32x3 (not IEEE fp32)
};

// Throws std::invalid_argument for an architecture the GPU trainer cannot run, std::runtime_error
// on a CUDA error.
TrainResult train_replicas_cuda(const TrainSpec& spec, const Architecture& architecture, const Dataset& train,
                                const Dataset& test, std::uint32_t seed, MatmulPrecision precision,
                                const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                                CudaTrainTiming* timing = nullptr, const CudaTrainerChoices& choices = {});

}  // namespace sgds::nn
