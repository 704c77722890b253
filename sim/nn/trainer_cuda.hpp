#pragma once
// `sgdsmooth train` with device = "cuda": the K replicas of an MLP or CNN trained in lock-step on
// one GPU (sim/nn/replica_trainer_cuda.hpp), returning the CPU trainer's TrainResult. Per replica
// the same initial weights (initialise_parameters), the same mini-batches (epoch_order) and the
// same update rule as the CPU trainer; the numbers agree within float rounding (the GEMMs sum in
// another order; with tf32 the products are rounded to 10-bit mantissas).
//
// On the GPU: the training steps, the per-epoch train loss / accuracy and the test loss /
// accuracy. On the CPU, from the weights copied back: C^2, its SE, the gradient norms and delta
// (at the epochs the measure spec asks for, curvature and sharpness at measure.curvature_epochs) and
// the final Hessian and sharpness measurements,
// by the CPU trainer's own functions (measure_epoch_at, measure_final_at), parallel
// over replicas with OpenMP.
#include <cstdint>
#include <functional>
#include <string>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "sim/nn/cuda_trainer_choices.hpp"
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

// Throws std::invalid_argument for an architecture the GPU trainer cannot run, std::runtime_error
// on a CUDA error.
TrainResult train_replicas_cuda(const TrainSpec& spec, const Architecture& architecture, const Dataset& train,
                                const Dataset& test, std::uint32_t seed, MatmulPrecision precision,
                                const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                                CudaTrainTiming* timing = nullptr, const CudaTrainerChoices& choices = {});

}  // namespace sgds::nn
