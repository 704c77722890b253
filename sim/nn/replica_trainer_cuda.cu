// Kernels of the GPU replica trainer, then their launchers, then ReplicaTrainer
// (sim/nn/replica_trainer_cuda.hpp). Activations of replica k are column-major
// [rows x count] blocks at k * rows * count (one sample per column, the CPU Network's layout).
//
//   gather_kernel                 one block per (replica, batch position): copy that sample's
//                                 features from the device copy of the training set, and its label
//   bias_activation_kernel        one thread per activation: z + bias, then ReLU on hidden layers
//   softmax_cross_entropy_kernel  one thread per (replica, sample): loss, correct, and the gradient
//                                 of the mean loss w.r.t. the logits, (softmax - one_hot) / count
//   sum_per_replica_kernel        one block per replica: fixed-order tree sum of the per-sample
//                                 losses and hits into the replica's running totals (deterministic)
//   bias_gradient_kernel          one block per (replica, 32 units), 8 sample lanes per unit:
//                                 optional ReLU mask on delta (in place), then the bias gradient,
//                                 the sum over the batch (or, fused SGD, the step b -= eta * sum)
//   update_kernel                 one thread per parameter of all replicas: SGD / SHB / NSHB,
//                                 the float operations of apply_update (sim/nn/trainer.cpp)
//   head_forward_kernel, head_backward_kernel
//                                 the dense head of a training step (fused_head, b <= 32 by default): logits
//                                 and softmax cross-entropy; then W^T D masked by the ReLU below,
//                                 the head's and the lower bias's gradients or steps, the loss sums
//                                 (the second alone where the chained first-layer kernel formed the
//                                 logits' partial products)
//   batch_rows_kernel             the batch's sample indices and labels, for the chained kernel
//   (and the conv path's im2col / col2im, max pooling, ReLU mask and partial-sum kernels)
//
// Everything runs on the trainer's own stream; with step_graphs each step after the gather is
// replayed as a CUDA graph captured the second time its state (batch, eta, held steps) occurs.
// The dense layers are cuBLAS strided-batched GEMMs over the K replicas; with the fused SGD
// update the weight-gradient GEMM writes W - eta D A^T straight into W (alpha = -eta, beta = 1).
// With deferred_steps > 1 (MLP, plain SGD) the first layer's steps are held as their factors
// and written together (State::flush), each forward adding their effect -eta D (A^T X). With
// step_in_forward each step's first-layer step is held until the next step's first layer, one
// kernel that applies it and runs the forward (sim/nn/first_layer_step_cuda.cu).
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

#include "sim/nn/first_layer_step.hpp"
#include "sim/nn/replica_trainer_cuda.hpp"

namespace sgds::nn::cuda {
namespace {

constexpr int kThreads = 256;      // threads per block of every kernel (a power of two: tree sums)
constexpr int kMaxBlocks = 4096;   // grid cap of the grid-stride kernels

// inputs_stride: the distance between replicas' input blocks (features x count when packed).
__global__ void gather_kernel(const float* __restrict__ pixels, const std::int32_t* __restrict__ labels,
                              const std::uint32_t* __restrict__ order, std::int64_t samples, std::int64_t begin,
                              int count, int features, float* __restrict__ inputs, std::int64_t inputs_stride,
                              std::int32_t* __restrict__ batch_labels) {
  const std::int64_t column = blockIdx.x;  // replica * count + position in the batch
  const std::int64_t replica = column / count, position = column % count;
  const std::uint32_t sample = order[replica * samples + begin + position];
  const float* source = pixels + static_cast<std::int64_t>(sample) * features;
  float* target = inputs + replica * inputs_stride + position * features;
  if (features % 4 == 0) {  // 16-byte copies: both rows start 16-byte aligned (cudaMalloc, 4-float rows)
    const float4* source4 = reinterpret_cast<const float4*>(source);
    float4* target4 = reinterpret_cast<float4*>(target);
    for (int j = threadIdx.x; j < features / 4; j += blockDim.x) target4[j] = source4[j];
  } else {
    for (int j = threadIdx.x; j < features; j += blockDim.x) target[j] = source[j];
  }
  if (threadIdx.x == 0) batch_labels[column] = labels[sample];
}

// One thread per (replica, position in the batch): the batch's training-set rows into `indices`
// (the chained first-layer kernel reads the pixels itself, ReplicaTrainerOptions::
// chained_first_layer_step) and its labels into batch_labels.
__global__ void batch_rows_kernel(const std::int32_t* __restrict__ labels, const std::uint32_t* __restrict__ order,
                                  std::int64_t samples, std::int64_t begin, int count, int replicas,
                                  std::uint32_t* __restrict__ indices, std::int64_t indices_stride,
                                  std::int32_t* __restrict__ batch_labels) {
  const int column = blockIdx.x * blockDim.x + threadIdx.x;  // replica * count + position
  if (column >= replicas * count) return;
  const std::int64_t replica = column / count, position = column % count;
  const std::uint32_t sample = order[replica * samples + begin + position];
  indices[replica * indices_stride + position] = sample;
  batch_labels[column] = labels[sample];
}

// Grid (blocks per replica, replicas): the replica from blockIdx.y and a 32-bit index within it
// (a 64-bit division per entry made this kernel compute-bound).
__global__ void bias_activation_kernel(float* __restrict__ z, const float* __restrict__ parameters,
                                       std::int64_t stride, std::int64_t bias_offset, int rows, int per_replica,
                                       bool relu) {
  float* zr = z + static_cast<std::int64_t>(blockIdx.y) * per_replica;
  const float* bias = parameters + static_cast<std::int64_t>(blockIdx.y) * stride + bias_offset;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < per_replica; i += gridDim.x * blockDim.x) {
    const float v = zr[i] + bias[i % rows];
    zr[i] = relu ? fmaxf(v, 0.0f) : v;
  }
}

// Softmax cross-entropy of one sample from its logits l[0, classes): its loss and hit (the first
// maximum is the label), and with d, the gradient of the batch-mean loss, (softmax - one_hot) / count.
__device__ void softmax_cross_entropy_of_sample(const float* l, int classes, int label, int count, double* loss,
                                                double* hit, float* d) {
  int best = 0;
  float top = l[0];
  for (int c = 1; c < classes; ++c)
    if (l[c] > top) top = l[c], best = c;
  float total = 0.0f;
  for (int c = 0; c < classes; ++c) total += expf(l[c] - top);
  *loss = static_cast<double>(logf(total) + top - l[label]);
  *hit = best == label ? 1.0 : 0.0;
  if (d != nullptr) {
    const float scale = total * static_cast<float>(count);
    for (int c = 0; c < classes; ++c) d[c] = expf(l[c] - top) / scale;
    d[label] -= 1.0f / static_cast<float>(count);
  }
}

// A gradient entry where the SGD step is fused (sgd_eta > 0: the parameter steps, x -= eta g) or
// not (the gradient is stored for the update kernel).
__device__ void store_or_step(float* weights, float* gradients, std::int64_t at, float g, float sgd_eta) {
  if (sgd_eta > 0.0f) {
    weights[at] -= sgd_eta * g;
  } else {
    gradients[at] = g;
  }
}

// label_stride: count for per-replica batches, 0 when all replicas share the labels (test set).
__global__ void softmax_cross_entropy_kernel(const float* __restrict__ logits, const std::int32_t* __restrict__ labels,
                                             std::int64_t label_stride, int classes, int count, std::int64_t columns,
                                             float* __restrict__ delta, double* __restrict__ sample_loss,
                                             double* __restrict__ sample_correct) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < columns;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const int label = labels[(i / count) * label_stride + i % count];
    softmax_cross_entropy_of_sample(logits + i * classes, classes, label, count, sample_loss + i, sample_correct + i,
                                    delta != nullptr ? delta + i * classes : nullptr);
  }
}

// blockDim.x == kThreads; grid = replicas.
__global__ void sum_per_replica_kernel(const double* __restrict__ loss, const double* __restrict__ correct, int count,
                                       double* __restrict__ loss_total, double* __restrict__ correct_total) {
  __shared__ double partial_loss[kThreads], partial_correct[kThreads];
  const std::int64_t replica = blockIdx.x;
  const int t = threadIdx.x;
  double a = 0.0, b = 0.0;
  for (int s = t; s < count; s += kThreads) {
    a += loss[replica * count + s];
    b += correct[replica * count + s];
  }
  partial_loss[t] = a;
  partial_correct[t] = b;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (t < half) {
      partial_loss[t] += partial_loss[t + half];
      partial_correct[t] += partial_correct[t + half];
    }
    __syncthreads();
  }
  if (t == 0) {
    loss_total[replica] += partial_loss[0];
    correct_total[replica] += partial_correct[0];
  }
}

// One block per (replica, tile of kBiasRows units); thread (lane, unit) sums the samples
// lane, lane + kBiasLanes, ... (reads coalesced across units), then lane 0 adds the kBiasLanes
// partials in lane order: a fixed order, so the result does not vary between runs.
// mask: the ReLU output of this layer (delta := delta where mask > 0, else 0, in place), or null
// for the head. sgd_eta > 0: apply the SGD step to the bias (b -= eta * gradient) instead of
// storing the gradient.
constexpr int kBiasRows = 32, kBiasLanes = kThreads / kBiasRows;
// delta_stride: the distance between replicas' delta blocks (rows x count when packed).
__global__ void bias_gradient_kernel(float* __restrict__ delta, std::int64_t delta_stride, const float* __restrict__ mask,
                                     int rows, int count, float* __restrict__ gradient, std::int64_t stride,
                                     std::int64_t bias_offset, float sgd_eta, float* __restrict__ weights) {
  __shared__ float partial[kBiasLanes][kBiasRows];
  const int unit = threadIdx.x % kBiasRows, lane = threadIdx.x / kBiasRows;
  const int tiles = (rows + kBiasRows - 1) / kBiasRows;
  const std::int64_t replica = blockIdx.x / tiles;
  const int row = static_cast<int>(blockIdx.x % tiles) * kBiasRows + unit;
  float sum = 0.0f;
  if (row < rows) {
    float* d = delta + replica * delta_stride + row;
    const float* m = mask != nullptr ? mask + replica * rows * count + row : nullptr;
    for (int s = lane; s < count; s += kBiasLanes) {
      const std::int64_t at = static_cast<std::int64_t>(s) * rows;
      float v = d[at];
      if (m != nullptr) {
        if (!(m[at] > 0.0f)) v = 0.0f;
        d[at] = v;
      }
      sum += v;
    }
  }
  partial[lane][unit] = sum;
  __syncthreads();
  if (lane == 0 && row < rows) {
    float total = 0.0f;
    for (int j = 0; j < kBiasLanes; ++j) total += partial[j][unit];
    store_or_step(weights, gradient, replica * stride + bias_offset + row, total, sgd_eta);
  }
}

__global__ void update_kernel(int kind, float eta, float beta, std::int64_t count, float* __restrict__ w,
                              float* __restrict__ velocity, const float* __restrict__ gradient) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    if (kind == static_cast<int>(OptimizerKind::sgd)) {
      w[i] -= eta * gradient[i];
    } else if (kind == static_cast<int>(OptimizerKind::shb)) {
      velocity[i] = beta * velocity[i] + gradient[i];
      w[i] -= eta * velocity[i];
    } else {
      velocity[i] = beta * velocity[i] + (1.0f - beta) * gradient[i];
      w[i] -= eta * velocity[i];
    }
  }
}

// im2col of the (y, x, c) maps of `count` samples per replica (in_stride 0: all replicas read the
// same input), the CPU's image_to_columns: row (ky * k + kx) * C + c, column (b * H + y) * W + x,
// zero outside the map ("same" padding). One thread per column entry: the writes are coalesced.
__global__ void image_to_columns_kernel(const float* __restrict__ in, std::int64_t in_stride, int channels, int height,
                                        int width, int kernel, int count, std::int64_t total,
                                        float* __restrict__ columns) {
  const int rows = kernel * kernel * channels, pad = kernel / 2;
  const std::int64_t per_replica = static_cast<std::int64_t>(rows) * height * width * count;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t replica = i / per_replica, within = i % per_replica;
    const int row = static_cast<int>(within % rows);
    const std::int64_t position = within / rows;  // (b * H + y) * W + x
    const int x = static_cast<int>(position % width), y = static_cast<int>((position / width) % height);
    const std::int64_t b = position / (static_cast<std::int64_t>(width) * height);
    const int c = row % channels, ky = row / channels / kernel, kx = row / channels % kernel;
    const int sy = y + ky - pad, sx = x + kx - pad;
    float v = 0.0f;
    if (sy >= 0 && sy < height && sx >= 0 && sx < width)
      v = in[replica * in_stride + b * channels * height * width + (static_cast<std::int64_t>(sy) * width + sx) * channels + c];
    columns[i] = v;
  }
}

// The adjoint of image_to_columns_kernel, as a gather (no atomics, so deterministic): input entry
// (b, sy, sx, c) sums the column entries that copied it, over (ky, kx) in order.
__global__ void columns_to_image_kernel(const float* __restrict__ columns, int channels, int height, int width,
                                        int kernel, int count, std::int64_t total, float* __restrict__ in_delta) {
  const int rows = kernel * kernel * channels, pad = kernel / 2;
  const std::int64_t in_size = static_cast<std::int64_t>(channels) * height * width;
  const std::int64_t per_replica = in_size * count;
  const std::int64_t columns_per_replica = static_cast<std::int64_t>(rows) * height * width * count;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t replica = i / per_replica, within = i % per_replica;
    const std::int64_t b = within / in_size;
    const int j = static_cast<int>(within % in_size);
    const int c = j % channels, sx = (j / channels) % width, sy = j / channels / width;
    const float* block = columns + replica * columns_per_replica;
    float sum = 0.0f;
    for (int ky = 0; ky < kernel; ++ky) {
      const int y = sy - ky + pad;
      if (y < 0 || y >= height) continue;
      for (int kx = 0; kx < kernel; ++kx) {
        const int x = sx - kx + pad;
        if (x < 0 || x >= width) continue;
        const std::int64_t position = (b * height + y) * width + x;
        sum += block[position * rows + (ky * kernel + kx) * channels + c];
      }
    }
    in_delta[i] = sum;
  }
}

// 2 x 2 max pooling, stride 2, of (y, x, c) maps; the winner (the first maximum in the CPU's
// order (0,0), (0,1), (1,0), (1,1)) is stored as its index within the input sample.
__global__ void maxpool_kernel(const float* __restrict__ in, int channels, int height, int width, std::int64_t total, float* __restrict__ out, std::int32_t* __restrict__ winner) {
  const int out_width = width / 2;
  const std::int64_t in_size = static_cast<std::int64_t>(channels) * height * width, out_size = in_size / 4;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t column = i / out_size;  // replica * count + sample
    const int o = static_cast<int>(i % out_size);
    const int c = o % channels, x = (o / channels) % out_width, y = o / channels / out_width;
    const float* source = in + column * in_size;
    int best = ((2 * y) * width + 2 * x) * channels + c;
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = 0; dx < 2; ++dx) {
        const int at = ((2 * y + dy) * width + 2 * x + dx) * channels + c;
        if (source[at] > source[best]) best = at;
      }
    out[i] = source[best];
    winner[i] = best;
  }
}

// Gradient through the pooling: each input entry belongs to exactly one 2 x 2 window and gets
// that window's delta when it was the winner, else 0 (a gather: deterministic).
__global__ void maxpool_backward_kernel(const float* __restrict__ out_delta, const std::int32_t* __restrict__ winner,
                                        int channels, int height, int width, std::int64_t total,
                                        float* __restrict__ in_delta) {
  const int out_width = width / 2;
  const std::int64_t in_size = static_cast<std::int64_t>(channels) * height * width, out_size = in_size / 4;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t column = i / in_size;
    const int j = static_cast<int>(i % in_size);
    const int c = j % channels, x = (j / channels) % width, y = j / channels / width;
    const std::int64_t o = column * out_size + ((y / 2) * out_width + x / 2) * channels + c;
    in_delta[i] = winner[o] == j ? out_delta[o] : 0.0f;
  }
}

// delta := delta where the ReLU output is > 0, else 0 (the conv stages; the dense ones mask inside
// bias_gradient_kernel).
__global__ void relu_mask_kernel(float* __restrict__ delta, const float* __restrict__ output, std::int64_t total) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    if (!(output[i] > 0.0f)) delta[i] = 0.0f;
}

// The conv weight (or bias) gradient from per-sample partials, [replica][sample][entries]: entry j
// of replica r sums its `count` partials in sample order (fixed: deterministic), then either
// steps the weights (sgd_eta > 0: w -= eta sum) or stores the gradient.
__global__ void sum_partials_kernel(const float* __restrict__ partials, int count, int entries, std::int64_t total,
                                    float sgd_eta, float* __restrict__ weights, float* __restrict__ gradient,
                                    std::int64_t stride, std::int64_t offset) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t replica = i / entries;
    const int j = static_cast<int>(i % entries);
    const float* p = partials + replica * count * static_cast<std::int64_t>(entries) + j;
    float sum = 0.0f;
    for (int b = 0; b < count; ++b) sum += p[static_cast<std::int64_t>(b) * entries];
    store_or_step(weights, gradient, replica * stride + offset + j, sum, sgd_eta);
  }
}

// The dense head of a training step in two kernels (ReplicaTrainerOptions::fused_head; one after
// the chained first-layer kernel, which forms the logits' partial products), in
// place of the head GEMM, bias, softmax cross-entropy, loss sums, head bias gradient, input-delta
// GEMM, the ReLU-mask + bias kernel of the layer below and the head's weight-gradient GEMM. H: the
// head's input (in x count per replica, one sample per column); W: its weights (classes x in,
// column-major), then its classes biases; D: the head's delta (classes x count per replica).
// Every sum runs in a fixed order (deterministic). Gradients are stored (sgd_eta == 0) or applied
// as SGD steps (x -= eta g); W and the biases change only in the second kernel, each entry after
// the block that steps it has read it.
constexpr int kMaxHeadClasses = 16;  // logits of one sample held in registers; more: the GEMM head
constexpr int kHeadSamplesPerBlock = 8;  // one warp per sample
// (The batch limit of the fused head, ReplicaTrainerOptions::fused_head_max_batch, is 32 by
// default: the measurements are there.)

// 1. Grid (sample groups, replicas), block = kHeadSamplesPerBlock warps: for one sample per warp,
// the logits W h + b (each lane a strided share of the inputs for all classes, then a fixed tree
// over lanes), then softmax_cross_entropy_of_sample's loss, hit and delta.
__global__ void head_forward_kernel(const float* __restrict__ h_all, int in, int classes, int count,
                                    const std::int32_t* __restrict__ labels, const float* __restrict__ weights,
                                    std::int64_t stride, std::int64_t weight_offset, std::int64_t bias_offset,
                                    float* __restrict__ d_all, double* __restrict__ sample_loss,
                                    double* __restrict__ sample_hit) {
  const std::int64_t replica = blockIdx.y;
  const int lane = threadIdx.x % 32;
  const int s = blockIdx.x * kHeadSamplesPerBlock + threadIdx.x / 32;
  if (s >= count) return;
  const float* h = h_all + (replica * count + s) * in;
  const float* w = weights + replica * stride + weight_offset;
  const float* bias = weights + replica * stride + bias_offset;
  float logit[kMaxHeadClasses];
  for (int c = 0; c < kMaxHeadClasses; ++c) logit[c] = 0.0f;
  for (int j = lane; j < in; j += 32) {
    const float hj = h[j];
    const float* wj = w + static_cast<std::int64_t>(j) * classes;
#pragma unroll
    for (int c = 0; c < kMaxHeadClasses; ++c)
      if (c < classes) logit[c] += wj[c] * hj;
  }
#pragma unroll
  for (int c = 0; c < kMaxHeadClasses; ++c)
    for (int offset = 16; offset > 0; offset /= 2) logit[c] += __shfl_down_sync(0xffffffffu, logit[c], offset);
  if (lane != 0) return;
  // Lane 0 adds the biases and hands its sample's logits to the loss through shared memory.
  __shared__ float sample_logits[kHeadSamplesPerBlock][kMaxHeadClasses];
  float* const l = sample_logits[threadIdx.x / 32];
#pragma unroll  // (every loop over logit is unrolled with a guard: the array stays in registers)
  for (int c = 0; c < kMaxHeadClasses; ++c)
    if (c < classes) l[c] = logit[c] + bias[c];
  const std::int64_t column = replica * count + s;
  softmax_cross_entropy_of_sample(l, classes, labels[column], count, sample_loss + column, sample_hit + column,
                                  d_all + column * classes);
}

// 2. Grid (input tiles of kHeadInputsPerBlock, replicas), for the block's inputs j: the input
// delta W^T D with the pre-step W, zeroed where the ReLU below was off (below_bias_offset >= 0:
// a dense ReLU layer, whose output is H), written to delta_in; the head's weight gradient (D H^T,
// classes x in); and the bias gradient of that layer below (delta_in 1). Warp w of the block takes
// samples w, w + 8, ... (the loads of H and stores of delta_in coalesced over j, D's entries
// shared by the warp), then the eight partials are added in warp order (fixed: deterministic).
// Only this block reads or steps W's columns j (after the barrier), so the input delta sees the
// pre-step W. Block 0 also takes the head's bias gradient (D 1) and adds the replica's per-sample
// losses and hits to its running totals. (One kernel where the input delta was a kernel of its
// own: delta_in and H are then not read back.) With logit_partials (the chained first-layer
// kernel's partial products of this head, FirstLayerStepArgs::head_classes, biases included),
// each block first takes every sample's logits as the sum of its partials over the row blocks in
// order, and their softmax cross-entropy delta D into shared memory (block 0 records the losses
// and hits): then no first kernel runs, and d_all is not used.
constexpr int kHeadInputsPerBlock = 32, kHeadSampleLanes = kThreads / kHeadInputsPerBlock;
__global__ void head_backward_kernel(const float* __restrict__ h_all, const float* __restrict__ d_all,
                                     float* __restrict__ delta_in_all, std::int64_t delta_in_stride, int in,
                                     int classes, int count, float* __restrict__ weights, float* __restrict__ gradients,
                                     std::int64_t stride, std::int64_t weight_offset, std::int64_t bias_offset,
                                     std::int64_t below_bias_offset, float sgd_eta, double* __restrict__ sample_loss,
                                     double* __restrict__ sample_hit, double* __restrict__ loss_total,
                                     double* __restrict__ correct_total, const float* __restrict__ logit_partials,
                                     int partial_blocks, const std::int32_t* __restrict__ labels) {
  // [lane][class, or kMaxHeadClasses for the bias below][input in the tile]
  __shared__ float partial[kHeadSampleLanes][kMaxHeadClasses + 1][kHeadInputsPerBlock];
  __shared__ float d_of_partials[kFirstLayerStepMaxColumns * kMaxHeadClasses];  // [sample][class]
  const std::int64_t replica = blockIdx.y;
  const float* h = h_all + replica * count * in;
  const float* d = d_all + replica * count * classes;
  if (logit_partials != nullptr) {
    for (int s = threadIdx.x; s < count; s += blockDim.x) {
      float l[kMaxHeadClasses];
      for (int c = 0; c < classes; ++c) {
        float v = 0.0f;
        for (int b = 0; b < partial_blocks; ++b)
          v += logit_partials[((replica * partial_blocks + b) * count + s) * classes + c];
        l[c] = v;
      }
      const std::int64_t column = replica * count + s;
      double loss = 0.0, hit = 0.0;
      softmax_cross_entropy_of_sample(l, classes, labels[column], count, &loss, &hit, d_of_partials + s * classes);
      if (blockIdx.x == 0) {
        sample_loss[column] = loss;
        sample_hit[column] = hit;
      }
    }
    __syncthreads();  // D (and block 0's losses) ready for the block
    d = d_of_partials;
  }
  float* delta_in = delta_in_all + replica * delta_in_stride;
  const bool below = below_bias_offset >= 0;
  const auto put = [&](std::int64_t at, float g) { store_or_step(weights, gradients, replica * stride + at, g, sgd_eta); };
  const int within = threadIdx.x % kHeadInputsPerBlock, lane = threadIdx.x / kHeadInputsPerBlock;
  const int first = blockIdx.x * kHeadInputsPerBlock;
  float sum[kMaxHeadClasses] = {};
  float sum_below = 0.0f;
  if (first + within < in) {
    const int j = first + within;
    float w_column[kMaxHeadClasses];  // W's column j before the step
    const float* wj = weights + replica * stride + weight_offset + static_cast<std::int64_t>(j) * classes;
#pragma unroll
    for (int c = 0; c < kMaxHeadClasses; ++c) w_column[c] = c < classes ? wj[c] : 0.0f;
    for (int s = lane; s < count; s += kHeadSampleLanes) {
      const std::int64_t at = static_cast<std::int64_t>(s) * in + j;
      const float hj = h[at];
      const float* ds = d + static_cast<std::int64_t>(s) * classes;
      float v = 0.0f;
#pragma unroll
      for (int c = 0; c < kMaxHeadClasses; ++c)
        if (c < classes) {
          v += w_column[c] * ds[c];
          sum[c] += ds[c] * hj;
        }
      if (below && !(hj > 0.0f)) v = 0.0f;
      delta_in[at] = v;
      if (below) sum_below += v;
    }
  }
#pragma unroll
  for (int c = 0; c < kMaxHeadClasses; ++c) partial[lane][c][within] = sum[c];
  partial[lane][kMaxHeadClasses][within] = sum_below;
  __syncthreads();
  for (int o = threadIdx.x; o < (kMaxHeadClasses + 1) * kHeadInputsPerBlock; o += blockDim.x) {
    const int c = o / kHeadInputsPerBlock, jl = o % kHeadInputsPerBlock, j = first + jl;
    const bool wanted = c < classes || (c == kMaxHeadClasses && below);
    if (!wanted || j >= in) continue;
    float total = 0.0f;
    for (int l = 0; l < kHeadSampleLanes; ++l) total += partial[l][c][jl];
    put(c < classes ? weight_offset + static_cast<std::int64_t>(j) * classes + c : below_bias_offset + j, total);
  }
  if (blockIdx.x != 0) return;
  if (threadIdx.x >= 32 && static_cast<int>(threadIdx.x) < 32 + classes) {  // warp 1: the head's bias, a serial sum per class
    const int c = threadIdx.x - 32;
    float total = 0.0f;
    for (int s = 0; s < count; ++s) total += d[static_cast<std::int64_t>(s) * classes + c];
    put(bias_offset + c, total);
  }
  if (threadIdx.x < 32) {  // warp 0: the loss sums
    const int lane0 = threadIdx.x;
    double loss = 0.0, hits = 0.0;
    for (int s = lane0; s < count; s += 32) {
      loss += sample_loss[replica * count + s];
      hits += sample_hit[replica * count + s];
    }
    for (int offset = 16; offset > 0; offset /= 2) {
      loss += __shfl_down_sync(0xffffffffu, loss, offset);
      hits += __shfl_down_sync(0xffffffffu, hits, offset);
    }
    if (lane0 == 0) {
      loss_total[replica] += loss;
      correct_total[replica] += hits;
    }
  }
}

int grid_stride_blocks(std::int64_t items) {
  return static_cast<int>(std::clamp<std::int64_t>((items + kThreads - 1) / kThreads, 1, kMaxBlocks));
}

// Grid x of the kernels with one grid row per replica (blockIdx.y): enough blocks for `items`
// entries of one replica, at most 64 (the rows already multiply them by K).
unsigned blocks_per_replica(std::int64_t items) {
  return static_cast<unsigned>(std::clamp<std::int64_t>((items + kThreads - 1) / kThreads, 1, 64));
}

template <class T>
struct DeviceBuffer {
  T* data = nullptr;
  std::size_t size = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : size(count) {
    if (count > 0) SGDS_CUDA_CHECK(cudaMalloc(&data, count * sizeof(T)));
    if (count > 0) SGDS_CUDA_CHECK(cudaMemset(data, 0, count * sizeof(T)));
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept : data(std::exchange(other.data, nullptr)), size(other.size) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data, other.data);
    std::swap(size, other.size);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(data); }
  void upload(const T* host, std::size_t count) {
    if (count > size) throw std::logic_error("DeviceBuffer::upload past the end");
    if (count > 0) SGDS_CUDA_CHECK(cudaMemcpy(data, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download(std::size_t count) const {
    if (count > size) throw std::logic_error("DeviceBuffer::download past the end");
    std::vector<T> host(count);
    if (count > 0) SGDS_CUDA_CHECK(cudaMemcpy(host.data(), data, count * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }
};

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

// One training step after the gather (forward, loss, backward, update, and a due write-back of
// held first-layer steps) captured as a CUDA graph: a step is then two launches instead of 12 or
// more, and the GPU runs its kernels without waiting on the host. A graph is valid for the state
// it was captured in: the batch size, eta (baked into the GEMMs' alpha) and the held steps (where
// they lie, and their eta).
struct StepGraphKey {
  int count = 0;
  float eta = 0.0f;
  int pending = 0, pending_columns = 0, pending_first = 0;
  float pending_eta = 0.0f;
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
  DeviceBuffer<float> ones;  // H W b ones: the conv bias gradient as a GEMM
  bool split_conv_gradients = false;  // ReplicaTrainerOptions::split_conv_gradients
  bool fused_head = false;            // ReplicaTrainerOptions::fused_head, where the head allows
  int fused_head_max_batch = 0;       // ReplicaTrainerOptions::fused_head_max_batch
  // ReplicaTrainerOptions::l2_persisting_weights: the window over the weights (num_bytes 0: off),
  // set on the stream for eager launches and on every kernel node of a captured step graph.
  cudaAccessPolicyWindow weights_window{};
  DeviceBuffer<float> partials;      // per-sample conv gradients, [replica][sample][rows x cols]
  // Held first-layer updates (ReplicaTrainerOptions::deferred_steps, step_in_forward): the inputs
  // A_s and the first layer's deltas D_s of the steps held, columns [pending_first, pending_first +
  // pending_columns) of each replica's [in x capacity] and [out x capacity] blocks (deferring:
  // pending_first = 0); W1 lacks -eta sum_s D_s A_s^T until flush() or the next step's kernel.
  int deferred_steps = 1, pending = 0, pending_columns = 0, pending_capacity = 0;
  float pending_eta = 0.0f;
  DeviceBuffer<float> pending_inputs, pending_deltas, pending_products;  // products: A^T X, [capacity x max_batch]
  // ReplicaTrainerOptions::step_in_forward: one held step, applied by the next training step's
  // first-layer kernel; the held and the coming batch alternate between two slots of max_batch
  // columns (the held step at pending_first, the coming one in the other).
  bool step_in_forward = false;
  int pending_first = 0, step_splits = 1;
  bool first_layer_tf32x3 = false;  // ReplicaTrainerOptions::first_layer_tf32x3
  // ReplicaTrainerOptions::chained_first_layer_step where it acts: the chained kernel runs (tf32 or
  // tf32x3) and gathers its batches from train_pixels by the rows
  // in batch_rows ([K][pending_capacity], the slots of pending_inputs); pending_inputs is filled
  // only when flush() needs the held batch (gather_held_inputs).
  bool first_layer_gathers = false;
  DeviceBuffer<std::uint32_t> batch_rows;
  // With first_layer_gathers, an MLP of one hidden layer and the fused head: the chained kernel also
  // forms the head's logits as partial products over its row blocks (biases included), and the
  // head's one kernel (head_backward_kernel) takes them: no kernel reads the hidden layer back for
  // the logits. [K][row blocks][max_batch][classes].
  bool head_from_partials = false;
  DeviceBuffer<float> logit_partials;
  bool head_from_partials_in_step(int count) const {
    return head_from_partials && count <= fused_head_max_batch;  // the fused head runs (launch_step)
  }
  FirstLayerArithmetic first_layer_arithmetic() const {
    return compute == CUBLAS_COMPUTE_32F_FAST_TF32 ? FirstLayerArithmetic::tf32
           : first_layer_tf32x3                     ? FirstLayerArithmetic::tf32x3
                                                    : FirstLayerArithmetic::fp32;
  }
  DeviceBuffer<float> step_workspace;  // the kernel's partial Z with column splits
  bool deferring() const { return deferred_steps > 1; }
  bool holding() const { return deferring() || step_in_forward; }  // first-layer steps are held
  // ReplicaTrainerOptions::chained_hold_two_steps (with first_layer_gathers, 2 max_batch <= 128):
  // up to two held steps, contiguous columns of a 4 max_batch buffer. A step that finds one held
  // step of its own eta holds it further: its kernel applies it for the forward pass without
  // storing W1 (store_stepped false) and the coming batch goes right beside it; the next step's
  // kernel applies both and stores W1. So W1 is written every second step.
  bool hold_two = false;
  // What this step's first layer does (step_in_forward): where the coming batch and its delta go
  // and whether the kernel stores the stepped W1. A function of the state the step graphs are
  // keyed on (count, eta, the held steps' columns and eta), set by step() before the launches.
  struct FirstLayerPlan {
    int coming = 0;
    bool store = true;
  };
  FirstLayerPlan plan;
  FirstLayerPlan plan_first_layer(int count, float eta) const {
    FirstLayerPlan p;
    if (!hold_two) {  // two slots of max_batch columns, alternating
      p.coming = pending > 0 && pending_first == 0 ? max_batch : 0;
      return p;
    }
    if (pending == 0) return p;  // nothing held: the batch at 0
    const int end = pending_first + pending_columns;
    if (pending == 1 && eta == pending_eta) {  // hold it further, the batch beside it
      p.store = false;
      if (end + count <= pending_capacity) {
        p.coming = end;
        return p;
      }
      if (pending_first >= count) {
        p.coming = pending_first - count;
        return p;
      }
      p.store = true;  // no room beside it (not with 4 max_batch columns): apply and store
    }
    // Apply the held steps and store W1; the batch at 0 if clear of them, else after them (then
    // pending_first < count <= max_batch and end + count < 4 max_batch).
    p.coming = pending_first >= count ? 0 : end;
    return p;
  }
  // The first column of pending_inputs / pending_deltas for the coming step's batch and delta.
  int slot_column() const {
    if (!step_in_forward) return pending_columns;  // deferring: after the held steps
    return plan.coming;
  }
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
  // few blocks to run; this measured ~1.3 ms per step at K = 8, b = 32 on an H100.
  void conv_gradients_by_sample(const Stage& st, int count, const float* d, const float* c, float sgd_eta) {
    const int rows = st.rows(), cols = st.cols(), positions = st.positions();
    const int samples = replicas * count;
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, positions, d, rows, static_cast<long long>(rows) * positions, c, cols,
         static_cast<long long>(cols) * positions, partials.data, rows, static_cast<long long>(rows) * cols, 1.0f, 0.0f,
         samples);
    const int weight_entries = rows * cols;
    std::int64_t total = static_cast<std::int64_t>(replicas) * weight_entries;
    sum_partials_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(partials.data, count, weight_entries, total, sgd_eta,
                                                                 weights.data, gradients.data,
                                                                 static_cast<std::int64_t>(stride), st.weight_offset);
    SGDS_CUDA_CHECK(cudaGetLastError());
    gemm(CUBLAS_OP_N, CUBLAS_OP_N, rows, 1, positions, d, rows, static_cast<long long>(rows) * positions, ones.data,
         positions, 0, partials.data, rows, rows, 1.0f, 0.0f, samples);
    total = static_cast<std::int64_t>(replicas) * rows;
    sum_partials_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(partials.data, count, rows, total, sgd_eta,
                                                                 weights.data, gradients.data,
                                                                 static_cast<std::int64_t>(stride), st.bias_offset);
    SGDS_CUDA_CHECK(cudaGetLastError());
  }

  // Logits of `count` samples for every replica into activations.back(); input_stride = 0 when
  // the replicas share the input (the test set).
  // training_step: the input is the coming step's batch (step_in_forward applies the held step).
  void forward(const float* input, long long input_stride, int count, bool training_step = false) {
    forward_stages(input, input_stride, count, stages.size(), training_step);
  }
  // The first `stage_count` stages only (a training step with the fused head stops below it).
  void forward_stages(const float* input, long long input_stride, int count, std::size_t stage_count,
                      bool training_step) {
    const float* in = input;
    long long in_stride = input_stride;
    for (std::size_t l = 0; l < stage_count; ++l) {
      const Stage& st = stages[l];
      float* out = activations[l].data;
      const long long out_stride = static_cast<long long>(st.out) * count;
      const std::int64_t total = static_cast<std::int64_t>(replicas) * out_stride;
      if (l == 0 && training_step && step_in_forward) {
        first_layer_step(input, input_stride, count);
      } else if (st.kind == StageKind::maxpool) {
        maxpool_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(in, st.channels, st.height, st.width, total, out,
                                                                winners[l].data);
        SGDS_CUDA_CHECK(cudaGetLastError());
      } else {
        // out (rows x positions count) = W (rows x cols) times the input or its im2col columns.
        const int n = st.positions() * count;
        const float* b = in;
        long long b_stride = in_stride;
        if (st.kind == StageKind::conv) {
          b_stride = static_cast<long long>(st.cols()) * n;
          const std::int64_t entries = static_cast<std::int64_t>(replicas) * b_stride;
          image_to_columns_kernel<<<grid_stride_blocks(entries), kThreads, 0, stream>>>(
              in, in_stride, st.channels, st.height, st.width, st.kernel, count, entries, columns[l].data);
          SGDS_CUDA_CHECK(cudaGetLastError());
          b = columns[l].data;
        }
        gemm(CUBLAS_OP_N, CUBLAS_OP_N, st.rows(), n, st.cols(), weights.data + st.weight_offset, st.rows(),
             static_cast<long long>(stride), b, st.cols(), b_stride, out, st.rows(), out_stride);
        if (l == 0 && deferring() && pending > 0) {  // the held first-layer updates: Z -= eta D (A^T X), W1 untouched
          const long long inputs_block = static_cast<long long>(st.in) * pending_capacity;
          const long long deltas_block = static_cast<long long>(st.out) * pending_capacity;
          const long long products_block = static_cast<long long>(pending_capacity) * max_batch;
          gemm(CUBLAS_OP_T, CUBLAS_OP_N, pending_columns, count, st.in, pending_inputs.data, st.in, inputs_block, in,
               st.in, in_stride, pending_products.data, pending_columns, products_block);
          gemm(CUBLAS_OP_N, CUBLAS_OP_N, st.out, count, pending_columns, pending_deltas.data, st.out, deltas_block,
               pending_products.data, pending_columns, products_block, out, st.out, out_stride, -pending_eta, 1.0f);
        }
        const dim3 bias_grid(blocks_per_replica(out_stride), static_cast<unsigned>(replicas));
        bias_activation_kernel<<<bias_grid, kThreads, 0, stream>>>(out, weights.data, static_cast<std::int64_t>(stride),
                                                                   st.bias_offset, st.rows(), static_cast<int>(out_stride),
                                                                   st.relu);
        SGDS_CUDA_CHECK(cudaGetLastError());
      }
      in = out;
      in_stride = out_stride;
    }
  }

  // Writes the held first-layer steps into W1 in one GEMM: W1 -= eta D A^T over the pending columns.
  void flush() {
    if (pending == 0) return;
    if (first_layer_gathers) gather_held_inputs();
    launch_flush(pending_first, pending_columns);
    pending = pending_columns = pending_first = 0;
  }
  void launch_flush(int first, int held_columns) {
    const Stage& st = stages[0];
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, st.out, st.in, held_columns, pending_deltas.data + static_cast<std::size_t>(first) * st.out,
         st.out, static_cast<long long>(st.out) * pending_capacity,
         pending_inputs.data + static_cast<std::size_t>(first) * st.in, st.in,
         static_cast<long long>(st.in) * pending_capacity, weights.data + st.weight_offset, st.out,
         static_cast<long long>(stride), -pending_eta, 1.0f);
  }

  // first_layer_gathers: the held batch's pixels into its slot of pending_inputs (for the flush GEMM).
  void gather_held_inputs() {
    const int held_columns = replicas * pending_columns;
    gather_kernel<<<held_columns, kThreads, 0, stream>>>(
        train_pixels.data, train_labels.data, batch_rows.data + pending_first, pending_capacity, 0, pending_columns,
        features, pending_inputs.data + static_cast<std::size_t>(pending_first) * features,
        static_cast<long long>(features) * pending_capacity, batch_labels.data);
    SGDS_CUDA_CHECK(cudaGetLastError());
  }

  // step_in_forward: the first layer of a training step, the held step (if any) applied first.
  void first_layer_step(const float* input, long long input_stride, int count) {
    const Stage& st = stages[0];
    FirstLayerStepArgs args;
    args.replicas = replicas;
    args.out = st.out;
    args.in = st.in;
    args.held = pending > 0 ? pending_columns : 0;
    args.count = count;
    args.eta = pending_eta;
    args.relu = st.relu;
    args.arithmetic = first_layer_arithmetic();
    args.kernel = first_layer_gathers ? FirstLayerStepKernel::chained : FirstLayerStepKernel::staged;
    args.store_stepped = plan.store;
    if (head_from_partials_in_step(count)) {
      const Stage& head = stages[1];
      args.head_classes = head.out;
      args.head_weight_offset = head.weight_offset;
      args.head_bias_offset = head.bias_offset;
      args.head_partials = logit_partials.data;
    }
    args.parameters = weights.data;
    args.stride = static_cast<std::int64_t>(stride);
    args.weight_offset = st.weight_offset;
    args.bias_offset = st.bias_offset;
    args.deltas = pending_deltas.data + static_cast<std::size_t>(pending_first) * st.out;
    args.deltas_stride = static_cast<std::int64_t>(st.out) * pending_capacity;
    args.inputs_held = pending_inputs.data + static_cast<std::size_t>(pending_first) * st.in;
    args.inputs_held_stride = static_cast<std::int64_t>(st.in) * pending_capacity;
    args.inputs = input;
    args.inputs_stride = input_stride;
    args.z = activations[0].data;
    args.z_stride = static_cast<std::int64_t>(st.out) * count;
    if (first_layer_gathers) {  // the batches by their rows of the training set (step(): batch_rows_kernel)
      args.inputs = args.inputs_held = nullptr;
      args.table = train_pixels.data;
      args.input_indices = batch_rows.data + plan.coming;
      args.input_indices_stride = pending_capacity;
      args.held_indices = batch_rows.data + pending_first;
      args.held_indices_stride = pending_capacity;
    }
    launch_first_layer_step(args, step_workspace.data, step_splits, stream);
  }

  // Per-sample loss and hits of the logits (and the head's delta when `head_delta` is set),
  // summed per replica into loss_total / correct_total.
  void loss(const std::int32_t* labels, long long label_stride, int count, float* head_delta, double* loss_total,
            double* correct_total) {
    const std::int64_t columns_total = static_cast<std::int64_t>(replicas) * count;
    softmax_cross_entropy_kernel<<<grid_stride_blocks(columns_total), kThreads, 0, stream>>>(
        activations.back().data, labels, label_stride, classes, count, columns_total, head_delta, sample_loss.data,
        sample_correct.data);
    SGDS_CUDA_CHECK(cudaGetLastError());
    sum_per_replica_kernel<<<replicas, kThreads, 0, stream>>>(sample_loss.data, sample_correct.data, count, loss_total,
                                                   correct_total);
    SGDS_CUDA_CHECK(cudaGetLastError());
  }

  // Gradients of the mean loss from the head's delta (in `delta`) down to the first layer; with
  // sgd_eta > 0 the SGD step itself instead (W -= eta dW and b -= eta db, gradients unstored).
  // Every input delta is taken before that layer's W changes, so all use the pre-step weights.
  // fused_head_step: the head's loss, delta and gradients by the head kernels (the forward pass
  // stopped below the head), which also masks and takes the bias gradient of a dense ReLU layer
  // below it; else the head's delta must already be in `delta` (loss()).
  void backward(int count, float sgd_eta, bool fused_head_step = false) {
    float* current = delta.data;
    float* other = delta_other.data;
    long long current_stride = static_cast<long long>(stages.back().out) * count;
    // Deferring: the first layer's delta goes to its slot of pending_deltas, and its weight step waits.
    float* const deferred_slot =
        holding() ? pending_deltas.data + static_cast<std::size_t>(slot_column()) * stages[0].out : nullptr;
    const long long deferred_stride = static_cast<long long>(stages[0].out) * pending_capacity;
    std::size_t top = stages.size();  // the stages below `top` remain
    bool below_head_done = false;     // mask and bias step of stage top - 1 done by the head kernel
    if (fused_head_step) {
      const std::size_t l = stages.size() - 1;  // >= 1 (fused_head needs a stage below the head)
      const Stage& st = stages[l];
      const Stage& below = stages[l - 1];
      const bool into_slot = l == 1 && deferred_slot != nullptr;
      const long long in_stride = static_cast<long long>(st.in) * count;
      float* const target = into_slot ? deferred_slot : other;
      const bool below_relu = below.kind == StageKind::dense && below.relu;
      const unsigned K = static_cast<unsigned>(replicas);
      float* const head_delta = delta.data;  // D, classes x count per replica
      const bool from_partials = head_from_partials_in_step(count);
      if (!from_partials) {  // (else the first-layer kernel formed the logits' partial products)
        head_forward_kernel<<<dim3((count + kHeadSamplesPerBlock - 1) / kHeadSamplesPerBlock, K),
                              32 * kHeadSamplesPerBlock, 0, stream>>>(
            activations[l - 1].data, st.in, st.out, count, batch_labels.data, weights.data,
            static_cast<std::int64_t>(stride), st.weight_offset, st.bias_offset, head_delta, sample_loss.data,
            sample_correct.data);
        SGDS_CUDA_CHECK(cudaGetLastError());
      }
      const long long target_stride = into_slot ? deferred_stride : in_stride;
      const unsigned input_tiles = static_cast<unsigned>((st.in + kHeadInputsPerBlock - 1) / kHeadInputsPerBlock);
      head_backward_kernel<<<dim3(input_tiles, K), kThreads, 0, stream>>>(
          activations[l - 1].data, head_delta, target, target_stride, st.in, st.out, count, weights.data,
          gradients.data, static_cast<std::int64_t>(stride), st.weight_offset, st.bias_offset,
          below_relu ? below.bias_offset : -1, sgd_eta, sample_loss.data, sample_correct.data, train_loss.data,
          train_correct.data, from_partials ? logit_partials.data : nullptr,
          first_layer_chained_row_blocks(stages[0].out), batch_labels.data);
      SGDS_CUDA_CHECK(cudaGetLastError());
      if (into_slot) {
        current = deferred_slot;
        current_stride = deferred_stride;
      } else {
        std::swap(current, other);
        current_stride = in_stride;
      }
      top = l;
      below_head_done = below_relu;
    }
    for (std::size_t l = top; l-- > 0;) {
      const Stage& st = stages[l];
      const float* in = l == 0 ? inputs.data : activations[l - 1].data;
      const long long in_stride = static_cast<long long>(st.in) * count;
      if (st.kind == StageKind::maxpool) {  // never the first stage (stages_of)
        const std::int64_t total = static_cast<std::int64_t>(replicas) * in_stride;
        maxpool_backward_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(current, winners[l].data, st.channels,
                                                                         st.height, st.width, total, other);
        SGDS_CUDA_CHECK(cudaGetLastError());
        std::swap(current, other);
        current_stride = in_stride;
        continue;
      }
      const int rows = st.rows(), cols = st.cols(), n = st.positions() * count;
      const long long out_stride = static_cast<long long>(rows) * n;
      if (st.kind == StageKind::dense && l + 1 == top && below_head_done) {
        // masked, bias stepped or stored: the head kernels
      } else if (st.kind == StageKind::dense) {  // ReLU mask and bias gradient (or step) in one kernel
        const float* mask = st.relu ? activations[l].data : nullptr;
        const std::int64_t bias_blocks = static_cast<std::int64_t>(replicas) * ((rows + kBiasRows - 1) / kBiasRows);
        if (bias_blocks > INT_MAX) throw std::invalid_argument("GPU trainer: too many replicas x units for one grid");
        bias_gradient_kernel<<<static_cast<int>(bias_blocks), kThreads, 0, stream>>>(current, current_stride, mask, rows, n,
                                                                         gradients.data, static_cast<std::int64_t>(stride),
                                                                         st.bias_offset, sgd_eta, weights.data);
        SGDS_CUDA_CHECK(cudaGetLastError());
      } else {  // conv: a few channels summed over H W b positions, too long a loop for one block
                // per channel, so the sum is a GEMM with a vector of ones: db = delta 1
        if (st.relu) {
          const std::int64_t total = static_cast<std::int64_t>(replicas) * out_stride;
          relu_mask_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(current, activations[l].data, total);
          SGDS_CUDA_CHECK(cudaGetLastError());
        }
        if (!split_conv_gradients) {  // (split: the bias with the weights, below)
          float* target = (sgd_eta > 0.0f ? weights.data : gradients.data) + st.bias_offset;
          gemm(CUBLAS_OP_N, CUBLAS_OP_N, rows, 1, n, current, rows, out_stride, ones.data, n, 0, target, rows,
               static_cast<long long>(stride), sgd_eta > 0.0f ? -sgd_eta : 1.0f, sgd_eta > 0.0f ? 1.0f : 0.0f);
        }
      }
      // The GEMM's right operand: the layer input (dense) or its im2col columns (conv), cols x n.
      const float* b = st.kind == StageKind::conv ? columns[l].data : in;
      const long long b_stride = st.kind == StageKind::conv ? static_cast<long long>(cols) * n : in_stride;
      const bool into_slot = l == 1 && deferred_slot != nullptr;  // stage 0's delta, held for the deferred step
      if (l > 0) {  // d(input) = W^T delta; the stage below masks it with its ReLU
        if (st.kind == StageKind::dense) {
          gemm(CUBLAS_OP_T, CUBLAS_OP_N, cols, n, rows, weights.data + st.weight_offset, rows,
               static_cast<long long>(stride), current, rows, current_stride, into_slot ? deferred_slot : other, cols,
               into_slot ? deferred_stride : in_stride);
        } else {  // into column space, then scattered back onto the input maps
          gemm(CUBLAS_OP_T, CUBLAS_OP_N, cols, n, rows, weights.data + st.weight_offset, rows,
               static_cast<long long>(stride), current, rows, current_stride, column_delta.data, cols,
               static_cast<long long>(cols) * n);
          const std::int64_t total = static_cast<std::int64_t>(replicas) * in_stride;
          columns_to_image_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(column_delta.data, st.channels, st.height,
                                                                           st.width, st.kernel, count, total, other);
          SGDS_CUDA_CHECK(cudaGetLastError());
        }
      }
      if (l == 0 && deferred_slot != nullptr) {
        // W1's step waits in pending_deltas / pending_inputs (flush())
      } else if (st.kind == StageKind::conv && split_conv_gradients) {
        conv_gradients_by_sample(st, count, current, b, sgd_eta);
      } else if (sgd_eta > 0.0f) {  // W := -eta delta b^T + W
        gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, n, current, rows, current_stride, b, cols, b_stride,
             weights.data + st.weight_offset, rows, static_cast<long long>(stride), -sgd_eta, 1.0f);
      } else {  // dW = delta b^T  (rows x cols)
        gemm(CUBLAS_OP_N, CUBLAS_OP_T, rows, cols, n, current, rows, current_stride, b, cols, b_stride,
             gradients.data + st.weight_offset, rows, static_cast<long long>(stride));
      }
      if (into_slot) {
        current = deferred_slot;
        current_stride = deferred_stride;
      } else if (l > 0) {
        std::swap(current, other);
        current_stride = in_stride;
      }
    }
  }

  // The launches of one step after the gather, for the batch in `inputs`: forward, loss, backward
  // with the update, and the write-back of W1 when this step fills the held steps. Changes no
  // host state (ReplicaTrainer::step does), so it can be captured as a graph.
  void launch_step(int count, float eta, const float* inputs_of_step, long long inputs_stride) {
    const bool head = fused_head && count <= fused_head_max_batch;
    if (head) {
      forward_stages(inputs_of_step, inputs_stride, count, stages.size() - 1, true);
    } else {
      forward(inputs_of_step, inputs_stride, count, true);
      loss(batch_labels.data, count, count, delta.data, train_loss.data, train_correct.data);
    }
    if (fused_sgd) {
      backward(count, eta, head);
      if (deferring() && pending + 1 == deferred_steps) launch_flush(0, pending_columns + count);
      return;
    }
    backward(count, 0.0f, head);
    const std::int64_t total = static_cast<std::int64_t>(replicas) * static_cast<std::int64_t>(stride);
    update_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(static_cast<int>(optimizer), eta, momentum,
                                                                      total, weights.data, velocity.data,
                                                                      gradients.data);
    SGDS_CUDA_CHECK(cudaGetLastError());
  }

  // Gives every kernel node of a captured graph the weights' L2 access policy window (a stream's
  // window is not relied on to carry into captured nodes).
  void persist_weights_in(cudaGraph_t graph) const {
    std::size_t count = 0;
    SGDS_CUDA_CHECK(cudaGraphGetNodes(graph, nullptr, &count));
    std::vector<cudaGraphNode_t> nodes(count);
    SGDS_CUDA_CHECK(cudaGraphGetNodes(graph, nodes.data(), &count));
    cudaKernelNodeAttrValue value{};
    value.accessPolicyWindow = weights_window;
    for (cudaGraphNode_t node : nodes) {
      cudaGraphNodeType type{};
      SGDS_CUDA_CHECK(cudaGraphNodeGetType(node, &type));
      if (type == cudaGraphNodeTypeKernel)
        SGDS_CUDA_CHECK(cudaGraphKernelNodeSetAttribute(node, cudaKernelNodeAttributeAccessPolicyWindow, &value));
    }
  }

  // launch_step through a graph for this state, capturing it the second time the state is met;
  // false when the step must run eagerly (graphs off, first meeting, or the cache full).
  bool launch_step_graph(const StepGraphKey& key, const float* inputs_of_step, long long inputs_stride) {
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
      launch_step(key.count, key.eta, inputs_of_step, inputs_stride);
    } catch (...) {
      if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    SGDS_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    if (weights_window.num_bytes > 0) {
      try {
        persist_weights_in(graph);
      } catch (...) {
        cudaGraphDestroy(graph);
        throw;
      }
    }
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
    const std::size_t column_entries = st.kind == StageKind::conv
                                           ? static_cast<std::size_t>(st.cols()) * static_cast<std::size_t>(st.positions())
                                           : 0;
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
  if (options.l2_persisting_weights) {
    int device = 0, most_persisting = 0, widest_window = 0;
    SGDS_CUDA_CHECK(cudaGetDevice(&device));
    SGDS_CUDA_CHECK(cudaDeviceGetAttribute(&most_persisting, cudaDevAttrMaxPersistingL2CacheSize, device));
    SGDS_CUDA_CHECK(cudaDeviceGetAttribute(&widest_window, cudaDevAttrMaxAccessPolicyWindowSize, device));
    // No set-aside where the device refuses one (MIG, MPS): the option then does nothing.
    bool set_aside = false;
    if (most_persisting > 0 && widest_window > 0) {
      set_aside = cudaDeviceSetLimit(cudaLimitPersistingL2CacheSize, static_cast<std::size_t>(most_persisting)) ==
                  cudaSuccess;
      if (!set_aside) (void)cudaGetLastError();  // cleared: the launch checks read the last error
    }
    if (set_aside) {
      const std::size_t bytes = std::min(s.weights.size * sizeof(float), static_cast<std::size_t>(widest_window));
      s.weights_window.base_ptr = s.weights.data;
      s.weights_window.num_bytes = bytes;
      // The share of the window that fits the set-aside: the rest streams, so the persisting
      // lines are not evicted by each other.
      s.weights_window.hitRatio = static_cast<float>(std::min(1.0, static_cast<double>(most_persisting) / static_cast<double>(bytes)));
      s.weights_window.hitProp = cudaAccessPropertyPersisting;
      s.weights_window.missProp = cudaAccessPropertyStreaming;
      cudaStreamAttrValue value{};
      value.accessPolicyWindow = s.weights_window;
      SGDS_CUDA_CHECK(cudaStreamSetAttribute(s.stream, cudaStreamAttributeAccessPolicyWindow, &value));
    }
  }
  if (most_positions > 0 && s.split_conv_gradients) {
    std::size_t widest_partial = 0;
    for (const Stage& st : s.stages)
      if (st.kind == StageKind::conv)
        widest_partial = std::max(widest_partial, static_cast<std::size_t>(st.rows()) * static_cast<std::size_t>(st.cols()));
    s.partials = DeviceBuffer<float>(K * batch * widest_partial);
  }
  if (most_positions > 0) {
    const std::vector<float> ones(most_positions * batch, 1.0f);
    s.ones = DeviceBuffer<float>(ones.size());
    s.ones.upload(ones.data(), ones.size());
  }
  // Held first-layer steps: plain SGD (fused), a dense first layer under another dense layer.
  const bool may_hold = s.fused_sgd && s.stages.size() >= 2 && s.stages[0].kind == StageKind::dense &&
                        s.stages[1].kind == StageKind::dense;
  if (may_hold && options.step_in_forward && s.max_batch <= kFirstLayerStepMaxColumns) {
    s.step_in_forward = true;
    s.first_layer_tf32x3 = options.first_layer_tf32x3;
    s.first_layer_gathers = options.chained_first_layer_step && s.first_layer_arithmetic() != FirstLayerArithmetic::fp32;
    s.hold_two = options.chained_hold_two_steps && s.first_layer_gathers && 2 * s.max_batch <= kFirstLayerStepMaxColumns;
    s.pending_capacity = (s.hold_two ? 4 : 2) * s.max_batch;  // the held batches and the coming one
    const Stage& first = s.stages[0];
    s.step_splits = options.step_in_forward_splits > 0 ? options.step_in_forward_splits
                                                       : first_layer_step_splits(s.replicas, first.out, first.in);
    s.step_workspace =
        DeviceBuffer<float>(first_layer_step_workspace_floats(s.replicas, first.out, s.max_batch, s.step_splits));
    prepare_first_layer_step_kernels();  // before any graph capture
  } else if (may_hold && options.deferred_steps > 1) {
    s.deferred_steps = options.deferred_steps;
    s.pending_capacity = s.deferred_steps * s.max_batch;
  }
  if (s.holding()) {
    const std::size_t capacity_columns = static_cast<std::size_t>(s.pending_capacity);
    s.pending_inputs = DeviceBuffer<float>(K * static_cast<std::size_t>(s.stages[0].in) * capacity_columns);
    s.pending_deltas = DeviceBuffer<float>(K * static_cast<std::size_t>(s.stages[0].out) * capacity_columns);
    if (s.deferring()) s.pending_products = DeviceBuffer<float>(K * capacity_columns * batch);
    if (s.first_layer_gathers) s.batch_rows = DeviceBuffer<std::uint32_t>(K * capacity_columns);
  }
  s.head_from_partials = s.first_layer_gathers && s.fused_head && s.stages.size() == 2;
  if (s.head_from_partials)
    s.logit_partials = DeviceBuffer<float>(K * static_cast<std::size_t>(first_layer_chained_row_blocks(s.stages[0].out)) *
                                           static_cast<std::size_t>(s.max_batch) * static_cast<std::size_t>(s.classes));
  s.sample_loss = DeviceBuffer<double>(K * capacity);
  s.sample_correct = DeviceBuffer<double>(K * capacity);
  s.train_loss = DeviceBuffer<double>(K);
  s.train_correct = DeviceBuffer<double>(K);
  s.test_loss = DeviceBuffer<double>(K);
  s.test_correct = DeviceBuffer<double>(K);
}

ReplicaTrainer::~ReplicaTrainer() {
  // Hand the persisting L2 lines and the set-aside back (a later trainer or program starts clean).
  if (state_ && state_->weights_window.num_bytes > 0) {
    cudaDeviceSynchronize();
    cudaCtxResetPersistingL2Cache();
    cudaDeviceSetLimit(cudaLimitPersistingL2CacheSize, 0);
  }
}

void ReplicaTrainer::upload_parameters(const std::vector<float>& parameters) {
  State& s = *state_;
  s.pending = s.pending_columns = s.pending_first = 0;  // held steps belong to the old weights
  if (parameters.size() != static_cast<std::size_t>(s.replicas) * s.parameters)
    throw std::invalid_argument("GPU trainer: upload_parameters needs replicas x parameter_count values");
  SGDS_CUDA_CHECK(cudaMemcpy2D(s.weights.data, s.stride * sizeof(float), parameters.data(),
                               s.parameters * sizeof(float), s.parameters * sizeof(float),
                               static_cast<std::size_t>(s.replicas), cudaMemcpyHostToDevice));
  if (s.velocity.data != nullptr) SGDS_CUDA_CHECK(cudaMemset(s.velocity.data, 0, s.velocity.size * sizeof(float)));
}

std::vector<float> ReplicaTrainer::download_parameters() {
  State& s = *state_;
  s.flush();
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
  // Holding first-layer steps, the batch goes straight to its slot of pending_inputs (kept for
  // W1's later step). Deferring, held steps of another eta, or no room, are written to W1 first;
  // with step_in_forward the held step keeps its own eta (the kernel applies it).
  float* inputs = s.inputs.data;
  long long inputs_stride = static_cast<long long>(s.features) * count;
  if (s.deferring()) {
    if (s.pending > 0 && (e != s.pending_eta || s.pending_columns + count > s.pending_capacity)) s.flush();
    s.pending_eta = e;
  }
  s.plan = s.plan_first_layer(count, e);
  const int slot = s.slot_column();
  if (s.holding()) {
    inputs = s.pending_inputs.data + static_cast<std::size_t>(slot) * static_cast<std::size_t>(s.features);
    inputs_stride = static_cast<long long>(s.features) * s.pending_capacity;
  }
  // The gather stays outside the graphs: it alone depends on `begin`.
  const int columns = s.replicas * count;  // < 2^31, checked in the constructor
  if (s.first_layer_gathers) {  // only the rows: the first-layer kernel reads the pixels
    batch_rows_kernel<<<(columns + kThreads - 1) / kThreads, kThreads, 0, s.stream>>>(
        s.train_labels.data, s.order.data, static_cast<std::int64_t>(s.train_samples),
        static_cast<std::int64_t>(begin), count, s.replicas, s.batch_rows.data + slot, s.pending_capacity,
        s.batch_labels.data);
  } else {
    gather_kernel<<<columns, kThreads, 0, s.stream>>>(s.train_pixels.data, s.train_labels.data, s.order.data,
                                                      static_cast<std::int64_t>(s.train_samples),
                                                      static_cast<std::int64_t>(begin), count, s.features, inputs,
                                                      inputs_stride, s.batch_labels.data);
  }
  SGDS_CUDA_CHECK(cudaGetLastError());
  const StepGraphKey key{count, e, s.pending, s.pending_columns, s.pending_first, s.pending_eta};
  if (!s.launch_step_graph(key, inputs, inputs_stride)) s.launch_step(count, e, inputs, inputs_stride);
  s.gradients_stored = !s.fused_sgd;
  if (s.deferring()) {
    s.pending_columns += count;
    if (++s.pending == s.deferred_steps) s.pending = s.pending_columns = 0;  // written back by the step
  } else if (s.step_in_forward && !s.plan.store && s.pending == 1) {  // two held steps now, side by side
    s.pending = 2;
    s.pending_first = std::min(s.pending_first, slot);
    s.pending_columns += count;
  } else if (s.step_in_forward) {  // this step's W1 step is now the held one
    s.pending = 1;
    s.pending_first = slot;
    s.pending_columns = count;
    s.pending_eta = e;
  }
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
  s.flush();  // the test set sees the weights as they stand
  SGDS_CUDA_CHECK(cudaMemset(s.test_loss.data, 0, K * sizeof(double)));
  SGDS_CUDA_CHECK(cudaMemset(s.test_correct.data, 0, K * sizeof(double)));
  for (std::size_t begin = 0; begin < s.test_samples; begin += static_cast<std::size_t>(s.evaluation_batch)) {
    const int count = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(s.evaluation_batch),
                                                             s.test_samples - begin));
    // All replicas read the same test samples: input stride 0, label stride 0.
    s.forward(s.test_pixels.data + begin * static_cast<std::size_t>(s.features), 0, count);
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
  if (s.holding())
    throw std::logic_error("GPU trainer: last_inputs() needs the first layer's steps unheld (deferred_steps = 1, "
                           "no step_in_forward)");
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
