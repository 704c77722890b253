// ReplicaTrainer (sim/nn/replica_trainer_cuda.hpp): K replicas' buffers on the device and the
// order of one training step's launches; the kernels are in sim/nn/{dense,conv,head}_kernels_cuda.cu
// (their launchers: sim/nn/replica_kernels.hpp). Activations of replica k are column-major
// [rows x count] blocks at k * rows * count (one sample per column, the CPU Network's layout).
//
// Everything runs on the trainer's own stream; with step_graphs each step after the gather is
// replayed as a CUDA graph captured the second time its state (batch size, eta) occurs.
// The dense layers are cuBLAS strided-batched GEMMs over the K replicas; with the fused SGD
// update the weight-gradient GEMM writes W - eta D A^T straight into W (alpha = -eta, beta = 1).
// Built with -fmad=false (no FMA contraction, like the CPU's -ffp-contract=off), so the update is
// the CPU's arithmetic; the GEMMs and reductions sum in another order, so results agree within
// float rounding.
#include "sim/cuda/cuda_check.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "sim/cuda/device_buffer.hpp"
#include "sim/nn/replica_kernels.hpp"
#include "sim/nn/replica_trainer_cuda.hpp"

namespace sgds::nn::cuda {
namespace {

using sgds::cuda::DeviceBuffer;

// The trainer's own stream: a graph can only be captured from a created stream. It is a blocking
// stream, so the synchronous copies and memsets on the legacy stream (uploads, downloads, the
// train sums) still wait for the steps queued on it.
struct Stream {
  cudaStream_t stream = nullptr;
  Stream() { SGDS_CUDA_CHECK(cudaStreamCreate(&stream)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { cudaStreamDestroy(stream); }
};

// cuBLAS on the trainer's stream with a workspace of its own: cuBLAS must not allocate while a
// graph is captured, and eager and captured GEMMs then see the same workspace, hence choose the
// same algorithms (bit-equal results).
struct CublasHandle {
  static constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;  // NVIDIA's advice for Hopper
  cublasHandle_t handle = nullptr;
  void* workspace = nullptr;
  explicit CublasHandle(cudaStream_t stream) {
    SGDS_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
    SGDS_CUBLAS_CHECK(cublasCreate(&handle));
    SGDS_CUBLAS_CHECK(cublasSetStream(handle, stream));
    SGDS_CUBLAS_CHECK(cublasSetWorkspace(handle, workspace, kWorkspaceBytes));
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  ~CublasHandle() {
    cublasDestroy(handle);
    cudaFree(workspace);
  }
};

// One training step after the gather (forward, loss, backward, update) captured as a CUDA graph:
// a step is then two launches instead of 12 or more, and the GPU runs its kernels without
// waiting on the host. A graph is valid for the state it was captured in: the batch size and eta
// (baked into the GEMMs' alpha and the kernels' arguments).
struct StepGraphKey {
  int count = 0;
  float eta = 0.0f;
  bool operator==(const StepGraphKey&) const = default;
};
struct StepGraph {  // the instantiated graph of one state (the captured graph is freed once instantiated)
  StepGraphKey key;
  cudaGraphExec_t exec = nullptr;
  StepGraph(const StepGraphKey& k, cudaGraphExec_t e) : key(k), exec(e) {}
  StepGraph(StepGraph&& other) noexcept : key(other.key), exec(std::exchange(other.exec, nullptr)) {}
  StepGraph& operator=(StepGraph&&) = delete;
  StepGraph(const StepGraph&) = delete;
  ~StepGraph() {
    if (exec != nullptr) cudaGraphExecDestroy(exec);
  }
};

// One step of the forward pass: a dense or conv layer (with the ReLU after it fused into its bias
// kernel) or a 2 x 2 max pooling. A layer's weights W are (rows x cols) column-major, then its
// biases: dense rows = out, cols = in; conv rows = out channels, cols = k * k * in channels.
enum class StageKind { dense, conv, maxpool };
struct Stage {
  StageKind kind = StageKind::dense;
  int in = 0, out = 0;  // activation sizes per sample
  bool relu = false;
  int channels = 0, height = 0, width = 0, out_channels = 0, kernel = 0;  // conv / maxpool input geometry
  std::int64_t weight_offset = 0, bias_offset = 0;
  int rows() const { return kind == StageKind::conv ? out_channels : out; }
  int cols() const { return kind == StageKind::conv ? kernel * kernel * channels : in; }
  int positions() const { return kind == StageKind::conv ? height * width : 1; }  // GEMM columns per sample
};

// The stages of an architecture the GPU trainer runs ("" in `why` when it can): dense and conv
// layers, each optionally followed by one ReLU, max pooling after a ReLU, a dense head.
std::vector<Stage> stages_of(const Architecture& architecture, std::string& why) {
  std::vector<Stage> stages;
  why.clear();
  for (const Layer& layer : architecture.layers) {
    Stage st;
    st.in = layer.in_size;
    st.out = layer.out_size;
    switch (layer.kind) {
      case LayerKind::relu:
        if (stages.empty() || stages.back().kind == StageKind::maxpool || stages.back().relu) {
          why = "a ReLU right after a dense or conv layer";
          return {};
        }
        stages.back().relu = true;
        continue;
      case LayerKind::dense:
        st.kind = StageKind::dense;
        break;
      case LayerKind::conv:
        st.kind = StageKind::conv;
        break;
      case LayerKind::maxpool:
        st.kind = StageKind::maxpool;
        if (stages.empty()) {
          why = "a layer with weights before the first max pooling";
          return {};
        }
        break;
    }
    st.channels = layer.channels;
    st.height = layer.height;
    st.width = layer.width;
    st.out_channels = layer.out_channels;
    st.kernel = layer.kernel;
    st.weight_offset = static_cast<std::int64_t>(layer.param_offset);
    st.bias_offset = st.weight_offset + static_cast<std::int64_t>(st.rows()) * st.cols();
    stages.push_back(st);
  }
  if (stages.empty() || stages.back().kind != StageKind::dense || stages.back().relu) {
    why = "a dense head without a ReLU";
    return {};
  }
  return stages;
}

}  // namespace

std::string architecture_refusal(const Architecture& architecture) {
  std::string why;
  (void)stages_of(architecture, why);
  return why.empty() ? "" : "model layers the GPU trainer runs: " + why;
}

struct ReplicaTrainer::State {
  int replicas = 0, max_batch = 0, evaluation_batch = 0, features = 0, classes = 0;
  OptimizerKind optimizer = OptimizerKind::sgd;
  float momentum = 0.0f;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  std::vector<Stage> stages;
  std::size_t parameters = 0, stride = 0, train_samples = 0, test_samples = 0;
  int last_count = 0;
  bool fused_sgd = false, gradients_stored = false;
  Stream own_stream;
  cudaStream_t stream = own_stream.stream;
  CublasHandle cublas{stream};
  DeviceBuffer<float> weights, gradients, velocity, train_pixels, test_pixels, inputs, delta, delta_other, column_delta;
  DeviceBuffer<float> ones;           // H W b ones: the conv bias gradient as a GEMM
  bool split_conv_gradients = false;  // ReplicaTrainerOptions::split_conv_gradients
  bool fused_head = false;            // ReplicaTrainerOptions::fused_head, where the head allows
  int fused_head_max_batch = 0;       // ReplicaTrainerOptions::fused_head_max_batch
  DeviceBuffer<float> partials;       // per-sample conv gradients, [replica][sample][rows x cols]
  DeviceBuffer<std::int32_t> train_labels, test_labels, batch_labels;
  DeviceBuffer<std::uint32_t> order;
  // Per stage, [K][size x capacity]: its output (after the fused ReLU), its im2col columns (conv)
  // and its winners (max pooling); empty where the stage has none.
  std::vector<DeviceBuffer<float>> activations, columns;
  std::vector<DeviceBuffer<std::int32_t>> winners;
  DeviceBuffer<double> sample_loss, sample_correct, train_loss, train_correct, test_loss, test_correct;
  // Step graphs (ReplicaTrainerOptions::step_graphs): a state is captured the second time it is
  // met, so a schedule that changes eta every step never pays for captures it cannot reuse.
  // Declared last: destroyed before the buffers and the stream they use.
  bool step_graphs = false;
  std::vector<StepGraphKey> seen_once;
  std::vector<StepGraph> graphs;
  static constexpr std::size_t kMaxGraphs = 32, kMaxSeen = 64;

  std::int64_t parameter_stride() const { return static_cast<std::int64_t>(stride); }

  // C_k = alpha op(A_k) op(B_k) + beta C_k for the K replicas: one cuBLAS strided-batched GEMM.
  void gemm(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float* a, int lda,
            long long stride_a, const float* b, int ldb, long long stride_b, float* c, int ldc, long long stride_c,
            float alpha = 1.0f, float beta = 0.0f, int batch = 0) {
    SGDS_CUBLAS_CHECK(cublasGemmStridedBatchedEx(cublas.handle, ta, tb, m, n, k, &alpha, a, CUDA_R_32F, lda, stride_a,
                                                 b, CUDA_R_32F, ldb, stride_b, &beta, c, CUDA_R_32F, ldc, stride_c,
                                                 batch > 0 ? batch : replicas, compute, CUBLAS_GEMM_DEFAULT));
  }

  // A conv layer's weight and bias gradients (or SGD steps, sgd_eta > 0) from its delta D
  // (rows x H W count) and im2col columns C (cols x H W count), split by sample: one GEMM per
  // (replica, sample) over that sample's H W positions into partials, then a fixed-order sum. The
  // whole sum as one GEMM per replica (k = H W count, output as small as 16 x 9) leaves cuBLAS
  // few blocks to run (docs/NETWORKS.md has the measurement).
  void conv_gradients_by_sample(const Stage& st, int count, const float* d, const float* c, float sgd_eta) {
    const int rows = st.rows(), cols = st.cols(), positions = st.positions();
    const int samples = replicas * count;
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, positions, d, rows, static_cast<long long>(rows) * positions, c, cols,
         static_cast<long long>(cols) * positions, partials.data, rows, static_cast<long long>(rows) * cols, 1.0f, 0.0f,
         samples);
    const int weight_entries = rows * cols;
    launch_sum_partials(partials.data, count, weight_entries, static_cast<std::int64_t>(replicas) * weight_entries,
                        sgd_eta, weights.data, gradients.data, parameter_stride(), st.weight_offset, stream);
    gemm(CUBLAS_OP_N, CUBLAS_OP_N, rows, 1, positions, d, rows, static_cast<long long>(rows) * positions, ones.data,
         positions, 0, partials.data, rows, rows, 1.0f, 0.0f, samples);
    launch_sum_partials(partials.data, count, rows, static_cast<std::int64_t>(replicas) * rows, sgd_eta, weights.data,
                        gradients.data, parameter_stride(), st.bias_offset, stream);
  }

  // The first `stage_count` stages for `count` samples of every replica (all of them: the logits
  // into activations.back(); a training step with the fused head stops below the head);
  // input_stride = 0 when the replicas share the input (the test set).
  void forward(const float* input, long long input_stride, int count, std::size_t stage_count) {
    const float* in = input;
    long long in_stride = input_stride;
    for (std::size_t l = 0; l < stage_count; ++l) {
      const Stage& st = stages[l];
      float* out = activations[l].data;
      const long long out_stride = static_cast<long long>(st.out) * count;
      const std::int64_t total = static_cast<std::int64_t>(replicas) * out_stride;
      if (st.kind == StageKind::maxpool) {
        launch_maxpool(in, st.channels, st.height, st.width, total, out, winners[l].data, stream);
      } else {
        // out (rows x positions count) = W (rows x cols) times the input or its im2col columns.
        const int n = st.positions() * count;
        const float* b = in;
        long long b_stride = in_stride;
        if (st.kind == StageKind::conv) {
          b_stride = static_cast<long long>(st.cols()) * n;
          launch_image_to_columns(in, in_stride, st.channels, st.height, st.width, st.kernel, count,
                                  static_cast<std::int64_t>(replicas) * b_stride, columns[l].data, stream);
          b = columns[l].data;
        }
        gemm(CUBLAS_OP_N, CUBLAS_OP_N, st.rows(), n, st.cols(), weights.data + st.weight_offset, st.rows(),
             static_cast<long long>(stride), b, st.cols(), b_stride, out, st.rows(), out_stride);
        launch_bias_activation(out, weights.data, parameter_stride(), st.bias_offset, st.rows(),
                               static_cast<int>(out_stride), st.relu, replicas, stream);
      }
      in = out;
      in_stride = out_stride;
    }
  }

  // Per-sample loss and hits of the logits (and the head's delta when `head_delta` is set),
  // summed per replica into loss_total / correct_total.
  void loss(const std::int32_t* labels, long long label_stride, int count, float* head_delta, double* loss_total,
            double* correct_total) {
    launch_loss(activations.back().data, labels, label_stride, classes, count, replicas, head_delta, sample_loss.data,
                sample_correct.data, loss_total, correct_total, stream);
  }

  // Gradients of the mean loss from the head's delta (in `delta`) down to the first layer; with
  // sgd_eta > 0 the SGD step itself instead (W -= eta dW and b -= eta db, gradients unstored).
  // Every input delta is taken before that layer's W changes, so all use the pre-step weights.
  // fused_head_step: the head's loss, delta and gradients by the head kernels (the forward pass
  // stopped below the head), which also mask and take the bias gradient of a dense ReLU layer
  // below it; else the head's delta must already be in `delta` (loss()).
  void backward(int count, float sgd_eta, bool fused_head_step) {
    float* current = delta.data;
    float* other = delta_other.data;
    long long current_stride = static_cast<long long>(stages.back().out) * count;
    std::size_t top = stages.size();  // the stages below `top` remain
    bool below_head_done = false;     // mask and bias step of stage top - 1 done by the head kernel
    if (fused_head_step) {
      const std::size_t l = stages.size() - 1;  // >= 1 (fused_head needs a stage below the head)
      const Stage& st = stages[l];
      const Stage& below = stages[l - 1];
      const long long in_stride = static_cast<long long>(st.in) * count;
      const bool below_relu = below.kind == StageKind::dense && below.relu;
      float* const head_delta = delta.data;  // D, classes x count per replica
      launch_head_forward(activations[l - 1].data, st.in, st.out, count, replicas, batch_labels.data, weights.data,
                          parameter_stride(), st.weight_offset, st.bias_offset, head_delta, sample_loss.data,
                          sample_correct.data, stream);
      launch_head_backward(activations[l - 1].data, head_delta, other, in_stride, st.in, st.out, count, replicas,
                           weights.data, gradients.data, parameter_stride(), st.weight_offset, st.bias_offset,
                           below_relu ? below.bias_offset : -1, sgd_eta, sample_loss.data, sample_correct.data,
                           train_loss.data, train_correct.data, stream);
      std::swap(current, other);
      current_stride = in_stride;
      top = l;
      below_head_done = below_relu;
    }
    for (std::size_t l = top; l-- > 0;) {
      const Stage& st = stages[l];
      const float* in = l == 0 ? inputs.data : activations[l - 1].data;
      const long long in_stride = static_cast<long long>(st.in) * count;
      if (st.kind == StageKind::maxpool) {  // never the first stage (stages_of)
        launch_maxpool_backward(current, winners[l].data, st.channels, st.height, st.width,
                                static_cast<std::int64_t>(replicas) * in_stride, other, stream);
        std::swap(current, other);
        current_stride = in_stride;
        continue;
      }
      const int rows = st.rows(), cols = st.cols(), n = st.positions() * count;
      const long long out_stride = static_cast<long long>(rows) * n;
      if (st.kind == StageKind::dense && l + 1 == top && below_head_done) {
        // masked, bias stepped or stored: the head kernels
      } else if (st.kind == StageKind::dense) {  // ReLU mask and bias gradient (or step) in one kernel
        launch_bias_gradient(current, current_stride, st.relu ? activations[l].data : nullptr, rows, n, replicas,
                             gradients.data, parameter_stride(), st.bias_offset, sgd_eta, weights.data, stream);
      } else {  // conv: a few channels summed over H W b positions, too long a loop for one block
                // per channel, so the sum is a GEMM with a vector of ones: db = delta 1
        if (st.relu)
          launch_relu_mask(current, activations[l].data, static_cast<std::int64_t>(replicas) * out_stride, stream);
        if (!split_conv_gradients) {  // (split: the bias with the weights, below)
          float* target = (sgd_eta > 0.0f ? weights.data : gradients.data) + st.bias_offset;
          gemm(CUBLAS_OP_N, CUBLAS_OP_N, rows, 1, n, current, rows, out_stride, ones.data, n, 0, target, rows,
               static_cast<long long>(stride), sgd_eta > 0.0f ? -sgd_eta : 1.0f, sgd_eta > 0.0f ? 1.0f : 0.0f);
        }
      }
      // The GEMM's right operand: the layer input (dense) or its im2col columns (conv), cols x n.
      const float* b = st.kind == StageKind::conv ? columns[l].data : in;
      const long long b_stride = st.kind == StageKind::conv ? static_cast<long long>(cols) * n : in_stride;
      if (l > 0) {  // d(input) = W^T delta; the stage below masks it with its ReLU
        if (st.kind == StageKind::dense) {
          gemm(CUBLAS_OP_T, CUBLAS_OP_N, cols, n, rows, weights.data + st.weight_offset, rows,
               static_cast<long long>(stride), current, rows, current_stride, other, cols, in_stride);
        } else {  // into column space, then scattered back onto the input maps
          gemm(CUBLAS_OP_T, CUBLAS_OP_N, cols, n, rows, weights.data + st.weight_offset, rows,
               static_cast<long long>(stride), current, rows, current_stride, column_delta.data, cols,
               static_cast<long long>(cols) * n);
          launch_columns_to_image(column_delta.data, st.channels, st.height, st.width, st.kernel, count,
                                  static_cast<std::int64_t>(replicas) * in_stride, other, stream);
        }
      }
      if (st.kind == StageKind::conv && split_conv_gradients) {
        conv_gradients_by_sample(st, count, current, b, sgd_eta);
      } else if (sgd_eta > 0.0f) {  // W := -eta delta b^T + W
        gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, n, current, rows, current_stride, b, cols, b_stride,
             weights.data + st.weight_offset, rows, static_cast<long long>(stride), -sgd_eta, 1.0f);
      } else {  // dW = delta b^T  (rows x cols)
        gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, n, current, rows, current_stride, b, cols, b_stride,
             gradients.data + st.weight_offset, rows, static_cast<long long>(stride));
      }
      if (l > 0) {
        std::swap(current, other);
        current_stride = in_stride;
      }
    }
  }

  // The launches of one step after the gather, for the batch in `inputs`: forward, loss, backward
  // with the update. Changes no host state (ReplicaTrainer::step does), so it can be captured as a
  // graph.
  void launch_step(int count, float eta) {
    const long long inputs_stride = static_cast<long long>(features) * count;
    const bool head = fused_head && count <= fused_head_max_batch;
    if (head) {
      forward(inputs.data, inputs_stride, count, stages.size() - 1);
    } else {
      forward(inputs.data, inputs_stride, count, stages.size());
      loss(batch_labels.data, count, count, delta.data, train_loss.data, train_correct.data);
    }
    if (fused_sgd) {
      backward(count, eta, head);
      return;
    }
    backward(count, 0.0f, head);
    launch_update(optimizer, eta, momentum, static_cast<std::int64_t>(replicas) * parameter_stride(), weights.data,
                  velocity.data, gradients.data, stream);
  }

  // launch_step through a graph for this state, capturing it the second time the state is met;
  // false when the step must run eagerly (graphs off, first meeting, or the cache full).
  bool launch_step_graph(const StepGraphKey& key) {
    if (!step_graphs) return false;
    for (const StepGraph& g : graphs)
      if (g.key == key) {
        SGDS_CUDA_CHECK(cudaGraphLaunch(g.exec, stream));
        return true;
      }
    const auto seen = std::find(seen_once.begin(), seen_once.end(), key);
    if (seen == seen_once.end()) {
      if (seen_once.size() >= kMaxSeen) seen_once.clear();
      seen_once.push_back(key);
      return false;
    }
    if (graphs.size() >= kMaxGraphs) return false;
    seen_once.erase(seen);
    cudaGraph_t graph = nullptr;
    SGDS_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      launch_step(key.count, key.eta);
    } catch (...) {
      if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    SGDS_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);  // the executable graph does not need it
    SGDS_CUDA_CHECK(instantiated);
    graphs.emplace_back(key, exec);
    SGDS_CUDA_CHECK(cudaGraphLaunch(exec, stream));
    return true;
  }
};

ReplicaTrainer::ReplicaTrainer(const Architecture& architecture, const Dataset& train, const Dataset& test,
                               const ReplicaTrainerOptions& options) {
  std::string why;
  std::vector<Stage> stages = stages_of(architecture, why);
  if (!why.empty()) throw std::invalid_argument("GPU trainer: needs " + why);
  if (options.replicas < 1 || options.max_batch < 1 || options.evaluation_batch < 1)
    throw std::invalid_argument("GPU trainer: replicas, max_batch and evaluation_batch must be >= 1");
  if (train.features() != static_cast<std::size_t>(architecture.input_size()) ||
      (test.size() > 0 && test.features() != train.features()))
    throw std::invalid_argument("GPU trainer: data and architecture disagree on the input size");
  if (options.replicas > 65535)
    throw std::invalid_argument("GPU trainer: at most 65535 replicas (one grid row each in the bias kernels)");
  if (static_cast<std::int64_t>(options.replicas) * options.max_batch > INT_MAX)
    throw std::invalid_argument("GPU trainer: replicas x batch must stay below 2^31 (one gather block each)");
  state_ = std::make_unique<State>();
  State& s = *state_;
  s.stages = std::move(stages);
  s.replicas = options.replicas;
  s.max_batch = options.max_batch;
  s.optimizer = options.optimizer;
  s.momentum = static_cast<float>(options.momentum);
  s.compute = options.precision == MatmulPrecision::tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  s.fused_sgd = options.fused_sgd_update && options.optimizer == OptimizerKind::sgd;
  s.features = architecture.input_size();
  s.classes = architecture.classes;
  s.parameters = architecture.parameter_count;
  s.stride = (s.parameters + 63) / 64 * 64;  // 256-byte aligned replica blocks
  s.train_samples = train.size();
  s.test_samples = test.size();
  s.evaluation_batch = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(options.evaluation_batch),
                                                              std::max<std::size_t>(s.test_samples, 1)));

  const std::size_t K = static_cast<std::size_t>(s.replicas);
  const std::size_t capacity = static_cast<std::size_t>(std::max(s.max_batch, s.evaluation_batch));
  const std::size_t F = static_cast<std::size_t>(s.features);
  s.weights = DeviceBuffer<float>(K * s.stride);
  if (!s.fused_sgd) s.gradients = DeviceBuffer<float>(K * s.stride);  // zeroed: the padding stays 0 through updates
  if (s.optimizer != OptimizerKind::sgd) s.velocity = DeviceBuffer<float>(K * s.stride);
  // The device copies hold each sample in the network's input layout: a multi-channel CNN reads
  // (y, x, c), the files store (c, y, x) (the CPU's gather_batch transposes per batch instead).
  const auto upload_pixels = [&](const Dataset& set, DeviceBuffer<float>& target) {
    target = DeviceBuffer<float>(set.pixels.size());
    if (!(architecture.channels_last_input && set.channels > 1)) {
      target.upload(set.pixels.data(), set.pixels.size());
      return;
    }
    const std::size_t C = static_cast<std::size_t>(set.channels),
                      plane = static_cast<std::size_t>(set.height) * static_cast<std::size_t>(set.width);
    std::vector<float> channels_last(set.pixels.size());
    for (std::size_t i = 0; i < set.size(); ++i)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < plane; ++p)
          channels_last[i * C * plane + p * C + c] = set.pixels[i * C * plane + c * plane + p];
    target.upload(channels_last.data(), channels_last.size());
  };
  upload_pixels(train, s.train_pixels);
  s.train_labels = DeviceBuffer<std::int32_t>(train.labels.size());
  s.train_labels.upload(train.labels.data(), train.labels.size());
  upload_pixels(test, s.test_pixels);
  s.test_labels = DeviceBuffer<std::int32_t>(test.labels.size());
  s.test_labels.upload(test.labels.data(), test.labels.size());
  s.order = DeviceBuffer<std::uint32_t>(K * s.train_samples);
  s.inputs = DeviceBuffer<float>(K * F * static_cast<std::size_t>(s.max_batch));
  s.batch_labels = DeviceBuffer<std::int32_t>(K * static_cast<std::size_t>(s.max_batch));
  std::size_t widest = 0, widest_columns = 0;  // per sample: activation entries, im2col entries
  for (const Stage& st : s.stages) {
    const std::size_t out = static_cast<std::size_t>(st.out);
    const std::size_t column_entries =
        st.kind == StageKind::conv ? static_cast<std::size_t>(st.cols()) * static_cast<std::size_t>(st.positions()) : 0;
    s.activations.emplace_back(K * out * capacity);
    s.columns.emplace_back(K * column_entries * capacity);
    s.winners.emplace_back(st.kind == StageKind::maxpool ? K * out * capacity : 0);
    widest = std::max(widest, out);
    widest_columns = std::max(widest_columns, column_entries);
  }
  const std::size_t batch = static_cast<std::size_t>(s.max_batch);
  s.delta = DeviceBuffer<float>(K * widest * batch);
  s.delta_other = DeviceBuffer<float>(s.delta.size);
  s.column_delta = DeviceBuffer<float>(K * widest_columns * batch);
  std::size_t most_positions = 0;
  for (const Stage& st : s.stages)
    if (st.kind == StageKind::conv) most_positions = std::max(most_positions, static_cast<std::size_t>(st.positions()));
  s.split_conv_gradients = options.split_conv_gradients;
  s.step_graphs = options.step_graphs;
  // The fused head needs a layer below the head and at most kMaxHeadClasses classes.
  s.fused_head = options.fused_head && s.stages.size() >= 2 && s.classes <= kMaxHeadClasses;
  s.fused_head_max_batch = options.fused_head_max_batch;
  if (most_positions > 0 && s.split_conv_gradients) {
    std::size_t widest_partial = 0;
    for (const Stage& st : s.stages)
      if (st.kind == StageKind::conv)
        widest_partial =
            std::max(widest_partial, static_cast<std::size_t>(st.rows()) * static_cast<std::size_t>(st.cols()));
    s.partials = DeviceBuffer<float>(K * batch * widest_partial);
  }
  if (most_positions > 0) {
    const std::vector<float> ones(most_positions * batch, 1.0f);
    s.ones = DeviceBuffer<float>(ones.size());
    s.ones.upload(ones.data(), ones.size());
  }
  s.sample_loss = DeviceBuffer<double>(K * capacity);
  s.sample_correct = DeviceBuffer<double>(K * capacity);
  s.train_loss = DeviceBuffer<double>(K);
  s.train_correct = DeviceBuffer<double>(K);
  s.test_loss = DeviceBuffer<double>(K);
  s.test_correct = DeviceBuffer<double>(K);
}

ReplicaTrainer::~ReplicaTrainer() = default;

void ReplicaTrainer::upload_parameters(const std::vector<float>& parameters) {
  State& s = *state_;
  if (parameters.size() != static_cast<std::size_t>(s.replicas) * s.parameters)
    throw std::invalid_argument("GPU trainer: upload_parameters needs replicas x parameter_count values");
  SGDS_CUDA_CHECK(cudaMemcpy2D(s.weights.data, s.stride * sizeof(float), parameters.data(),
                               s.parameters * sizeof(float), s.parameters * sizeof(float),
                               static_cast<std::size_t>(s.replicas), cudaMemcpyHostToDevice));
  if (s.velocity.data != nullptr) SGDS_CUDA_CHECK(cudaMemset(s.velocity.data, 0, s.velocity.size * sizeof(float)));
}

std::vector<float> ReplicaTrainer::download_parameters() {
  State& s = *state_;
  std::vector<float> out(static_cast<std::size_t>(s.replicas) * s.parameters);
  SGDS_CUDA_CHECK(cudaMemcpy2D(out.data(), s.parameters * sizeof(float), s.weights.data, s.stride * sizeof(float),
                               s.parameters * sizeof(float), static_cast<std::size_t>(s.replicas),
                               cudaMemcpyDeviceToHost));
  return out;
}

void ReplicaTrainer::upload_order(const std::vector<std::uint32_t>& order) {
  State& s = *state_;
  if (order.size() != static_cast<std::size_t>(s.replicas) * s.train_samples)
    throw std::invalid_argument("GPU trainer: upload_order needs replicas x training samples indices");
  s.order.upload(order.data(), order.size());
}

void ReplicaTrainer::step(std::size_t begin, int count, double eta) {
  State& s = *state_;
  if (count < 1 || count > s.max_batch || begin + static_cast<std::size_t>(count) > s.train_samples)
    throw std::invalid_argument("GPU trainer: step outside the epoch or above max_batch");
  const auto e = static_cast<float>(eta);
  if (!(e > 0.0f)) throw std::invalid_argument("GPU trainer: eta must be > 0");
  s.last_count = count;
  // The gather stays outside the graphs: it alone depends on `begin`.
  launch_gather(s.train_pixels.data, s.train_labels.data, s.order.data, static_cast<std::int64_t>(s.train_samples),
                static_cast<std::int64_t>(begin), count, s.replicas, s.features, s.inputs.data,
                static_cast<std::int64_t>(s.features) * count, s.batch_labels.data, s.stream);
  if (!s.launch_step_graph(StepGraphKey{count, e})) s.launch_step(count, e);
  s.gradients_stored = !s.fused_sgd;
}

void ReplicaTrainer::reset_train_sums() {
  State& s = *state_;
  SGDS_CUDA_CHECK(cudaMemset(s.train_loss.data, 0, s.train_loss.size * sizeof(double)));
  SGDS_CUDA_CHECK(cudaMemset(s.train_correct.data, 0, s.train_correct.size * sizeof(double)));
}

void ReplicaTrainer::train_sums(std::vector<double>& loss_sum, std::vector<std::int64_t>& correct) const {
  const State& s = *state_;
  const auto K = static_cast<std::size_t>(s.replicas);
  loss_sum = s.train_loss.download(K);
  const std::vector<double> hits = s.train_correct.download(K);
  correct.assign(hits.begin(), hits.end());
}

void ReplicaTrainer::evaluate(std::vector<double>& loss, std::vector<double>& accuracy) {
  State& s = *state_;
  const auto K = static_cast<std::size_t>(s.replicas);
  if (s.test_samples == 0) {
    loss.assign(K, std::numeric_limits<double>::quiet_NaN());
    accuracy.assign(K, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  SGDS_CUDA_CHECK(cudaMemset(s.test_loss.data, 0, K * sizeof(double)));
  SGDS_CUDA_CHECK(cudaMemset(s.test_correct.data, 0, K * sizeof(double)));
  for (std::size_t begin = 0; begin < s.test_samples; begin += static_cast<std::size_t>(s.evaluation_batch)) {
    const int count =
        static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(s.evaluation_batch), s.test_samples - begin));
    // All replicas read the same test samples: input stride 0, label stride 0.
    s.forward(s.test_pixels.data + begin * static_cast<std::size_t>(s.features), 0, count, s.stages.size());
    s.loss(s.test_labels.data + begin, 0, count, nullptr, s.test_loss.data, s.test_correct.data);
  }
  loss = s.test_loss.download(K);
  accuracy = s.test_correct.download(K);
  const double n = static_cast<double>(s.test_samples);
  for (std::size_t k = 0; k < K; ++k) {
    loss[k] /= n;
    accuracy[k] /= n;
  }
}

std::vector<float> ReplicaTrainer::last_inputs() const {
  const State& s = *state_;
  return s.inputs.download(static_cast<std::size_t>(s.replicas) * static_cast<std::size_t>(s.features) *
                           static_cast<std::size_t>(s.last_count));
}

std::vector<std::int32_t> ReplicaTrainer::last_labels() const {
  const State& s = *state_;
  return s.batch_labels.download(static_cast<std::size_t>(s.replicas) * static_cast<std::size_t>(s.last_count));
}

std::vector<float> ReplicaTrainer::last_gradients() const {
  const State& s = *state_;
  if (!s.gradients_stored)
    throw std::logic_error("GPU trainer: no stored gradients (no step yet, or the fused SGD update ran)");
  std::vector<float> out(static_cast<std::size_t>(s.replicas) * s.parameters);
  SGDS_CUDA_CHECK(cudaMemcpy2D(out.data(), s.parameters * sizeof(float), s.gradients.data, s.stride * sizeof(float),
                               s.parameters * sizeof(float), static_cast<std::size_t>(s.replicas),
                               cudaMemcpyDeviceToHost));
  return out;
}

void ReplicaTrainer::synchronise() const { SGDS_CUDA_CHECK(cudaDeviceSynchronize()); }

int ReplicaTrainer::step_graphs_captured() const { return static_cast<int>(state_->graphs.size()); }

}  // namespace sgds::nn::cuda
