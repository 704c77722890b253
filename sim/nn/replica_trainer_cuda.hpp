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
#include "sim/nn/matmul_precision.hpp"
#include "sim/nn/optimizer_kind.hpp"

namespace sgds::nn::cuda {

// Whether a device exists, and its name: sgds::cuda::device_unavailable_reason() and
// device_description() of sim/cuda/cuda_engine.hpp.

// Why ReplicaTrainer cannot train this architecture ("" when it can): it runs dense and conv
// layers each followed by at most one ReLU, 2 x 2 max pooling after a ReLU, and a dense head,
// i.e. the MLPs and CNNs of Architecture.
std::string architecture_refusal(const Architecture& architecture);

struct ReplicaTrainerOptions {
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
  // Fused plain SGD with a dense first layer under another dense layer (the MLP) only: hold up
  // to this many steps of the first layer's update as its factors, the batch inputs A_s and the
  // layer's deltas D_s, and write W1 -= eta sum_s D_s A_s^T in one GEMM when the held steps are
  // full, eta changes, or the weights are read (evaluate, download). Each forward pass adds the
  // held steps' effect -eta D (A^T X) to W1 X, so the iterates are plain SGD's (within float
  // rounding); W1 is read once per step and written once per `deferred_steps` steps instead of
  // read twice and written once per step. 1 = off (the other architectures and optimizers).
  int deferred_steps = 1;
  // Fused plain SGD with a dense first layer under another dense layer (the MLP), batches of at
  // most 128: hold the first layer's step of each batch (its inputs A and deltas D) and apply it
  // in the next step's forward pass, one kernel that reads W1, writes W1 - eta D A^T and
  // multiplies the stepped W1 by the new batch, bias and ReLU included
  // (sim/nn/first_layer_step.hpp): W1 is read and written once per step instead of read by the
  // forward GEMM and read and written by the update GEMM. The same SGD iterates within float
  // rounding; tf32 precision uses tensor-core tiles. Written 2026-11-27 without a GPU to run it:
  // off until test_nn_cuda has passed with it and bench_network_cuda has measured it. Takes
  // precedence over deferred_steps.
  bool step_in_forward = false;
  int step_in_forward_splits = 0;  // column splits of that kernel (0: enough blocks for the device)
  // With step_in_forward and fp32 precision: that kernel multiplies in tf32x3 (three tensor-core
  // products of the operands split into tf32 high and low parts, FirstLayerArithmetic): the kernel
  // test holds it within 1e-5 of the fp32 reference, where tf32 is 3e-4 away (2e-6 in the CPU
  // emulation), at tensor-core speed; the other GEMMs stay fp32. Not IEEE fp32 arithmetic: the
  // bench labels it, and does not count it as fp32 against JAX. Not yet run on a GPU.
  bool first_layer_tf32x3 = false;
  // Conv layers: the weight and bias gradients as per-sample GEMMs (one per replica and sample)
  // and a fixed-order sum, instead of one GEMM per replica over all H W b positions (whose tiny
  // outputs, 16 x 9, leave cuBLAS few blocks). On an H100 (2026-11-27) it passed test_nn_cuda and
  // took one epoch of the 16-32 CNN at K = 8, b = 32 from 2.47 s to 0.81 s.
  bool split_conv_gradients = true;
  // Each step after the gather as a CUDA graph, captured the second time a state (batch size,
  // eta, held first-layer steps) is met: two launches per step instead of 12 or more. The same
  // kernels and cuBLAS calls in the same order, so the same bits as without (test_nn_cuda).
  bool step_graphs = true;
  // A training step's dense head in three kernels (logits and softmax cross-entropy; input delta;
  // gradients or SGD steps of the head and of the bias of a dense ReLU layer below it, loss sums)
  // in place of eight launches, cuBLAS GEMMs of 10 rows among them. Computed in fp32 whatever
  // `precision` says (tf32 applies to the other GEMMs). Needs a layer below the head and at most
  // 16 classes, and acts for batches of at most fused_head_max_batch (the GEMM head runs otherwise).
  bool fused_head = true;
  // 32: on an H100 (2026-11-27, steps with graphs, workload B) the fused head against the GEMM
  // head took b = 32 0.512 vs 0.554 s (fp32), 0.404 vs 0.422 s (tf32), but b = 128 0.265 vs 0.252 s
  // and 0.185 vs 0.170 s, when its gradient kernel summed over the samples serially per output.
  // That kernel now splits the samples over eight warps (not yet measured: bench variant _fh128).
  int fused_head_max_batch = 32;
  // Mark the weights (the K replicas' parameters) persisting in the L2 cache: the largest set-aside
  // the device allows, an access policy window over the weights with the hit ratio that fits it,
  // on the stream and on every kernel node of the step graphs. The aim: the first layer's weights,
  // read by the forward GEMM and read and written by the update GEMM each step, served partly from
  // L2 (51 MB for workload B at K = 64 against the H100's 50 MB L2). Written 2026-11-27 without a
  // GPU to run it: off until bench_network_cuda's "_l2" variant has been measured and test_nn_cuda
  // has passed with it.
  bool l2_persisting_weights = false;
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
  std::vector<float> download_parameters();  // writes held first-layer steps first

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
  // [replica][features x count] (deferred_steps = 1 only) and labels [replica][count], and the
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
