#pragma once
// K replicas of one MLP or CNN trained in lock-step on one GPU: the device side of `sgdsmooth train`
// with device = "cuda" (the loop over epochs is sim/nn/trainer_cuda.cpp). Plain C++ interface,
// no CUDA headers; the kernels and launchers are in sim/nn/replica_trainer_cuda.cu.
//
// Per step, for all K replicas at once: a fused gather of the mini-batch (positions
// [begin, begin + count) of each replica's epoch order, the same Philox permutation as the CPU
// trainer, sim/nn/sample_order.hpp), the dense layers as cuBLAS strided-batched GEMMs over the
// replicas (forward W A, backward D A^T and W^T D; a convolution is the same GEMMs on its
// im2col columns, with im2col / col2im kernels around them), fused bias+ReLU, 2 x 2 max pooling,
// softmax cross-entropy gradient, ReLU-mask + bias-gradient kernels, and either one SGD / SHB / NSHB update kernel or,
// for plain SGD by default, the update folded into the weight-gradient GEMMs and bias kernels.
//
// Parameters live on the device as [replica][stride] with each replica's block in the CPU
// layout (Layer::param_offset, weights out x in column-major, then biases), so copying them to
// the host gives the CPU trainer's vectors; the stride pads P to 64 floats for aligned GEMMs.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "sim/nn/cuda_trainer_choices.hpp"
#include "sim/nn/matmul_precision.hpp"
#include "sim/nn/optimizer_kind.hpp"

namespace sgds::nn::cuda {

// Whether a device exists, and its name: sgds::cuda::device_unavailable_reason() and
// device_description() of sim/cuda/cuda_engine.hpp.

// Why ReplicaTrainer cannot train this architecture ("" when it can): it runs dense and conv
// layers each followed by at most one ReLU, 2 x 2 max pooling after a ReLU, and a dense head,
// i.e. the MLPs and CNNs of Architecture.
std::string architecture_refusal(const Architecture& architecture);

// The trainer's set-up, and its implementation choices (CudaTrainerChoices).
struct ReplicaTrainerOptions : CudaTrainerChoices {
  int replicas = 1;
  int max_batch = 1;  // the largest mini-batch any step will use
  OptimizerKind optimizer = OptimizerKind::sgd;
  double momentum = 0.9;
  MatmulPrecision precision = MatmulPrecision::fp32;
  int evaluation_batch = 1000;  // test samples per evaluation pass (all replicas at once)
  // Plain SGD only: the weight-gradient GEMM applies the step itself (W := W - eta D A^T as one
  // GEMM with alpha = -eta, beta = 1) and the bias kernel its bias step, so weight gradients are
  // never stored and no update pass runs. false: store the gradients, then the update kernel
  // (what SHB and NSHB always do, and what last_gradients() needs).
  bool fused_sgd_update = true;
};

class ReplicaTrainer {
 public:
  // Copies both data sets to the device. Throws std::runtime_error on any CUDA or cuBLAS error
  // (the message names the call) and std::invalid_argument on an architecture it cannot run.
  ReplicaTrainer(const Architecture& architecture, const Dataset& train, const Dataset& test,
                 const ReplicaTrainerOptions& options);
  ~ReplicaTrainer();
  ReplicaTrainer(const ReplicaTrainer&) = delete;
  ReplicaTrainer& operator=(const ReplicaTrainer&) = delete;

  // All replicas' parameters, [replica][P] in the CPU layout; uploading zeroes the velocities.
  void upload_parameters(const std::vector<float>& parameters);
  std::vector<float> download_parameters();

  // Each replica's sample order for the coming steps, [replica][train size]. Synchronous: it
  // waits for the steps already queued, so the host may build the next order while they run.
  void upload_order(const std::vector<std::uint32_t>& order);

  // One update of every replica on the samples at positions [begin, begin + count) of its order,
  // with learning rate eta. Asynchronous; adds the batch's loss and correct count to the train sums.
  void step(std::size_t begin, int count, double eta);

  void reset_train_sums();
  // Per replica: summed cross-entropy and correct predictions since the last reset (synchronises).
  void train_sums(std::vector<double>& loss_sum, std::vector<std::int64_t>& correct) const;

  // Per replica: mean cross-entropy and accuracy over the whole test set (synchronises).
  void evaluate(std::vector<double>& loss, std::vector<double>& accuracy);

  // What the last step used and computed, for the CPU-vs-GPU tests: the gathered inputs
  // [replica][features x count] and labels [replica][count], and the
  // gradients [replica][P] (std::logic_error when the fused SGD update left them unstored).
  std::vector<float> last_inputs() const;
  std::vector<std::int32_t> last_labels() const;
  std::vector<float> last_gradients() const;

  void synchronise() const;
  // Step graphs captured so far (ReplicaTrainerOptions::step_graphs; 0 when off).
  int step_graphs_captured() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sgds::nn::cuda
