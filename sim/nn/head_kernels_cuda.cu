// The GPU trainer's fused dense head, then its launchers (sim/nn/replica_kernels.hpp):
//
//   head_forward_kernel   one warp per (replica, sample): logits, softmax cross-entropy loss,
//                         hit and delta
//   head_backward_kernel  one block per (replica, 32 inputs): W^T D masked by the ReLU below,
//                         the head's and the lower bias's gradients or steps, the loss sums
#include "sim/cuda/cuda_check.hpp"

#include "sim/nn/replica_kernel_helpers.cuh"
#include "sim/nn/replica_kernels.hpp"

namespace sgds::nn::cuda {
namespace {

// The dense head of a training step in two kernels (ReplicaTrainerOptions::fused_head), in
// place of the head GEMM, bias, softmax cross-entropy, loss sums, head bias gradient, input-delta
// GEMM, the ReLU-mask + bias kernel of the layer below and the head's weight-gradient GEMM. H: the
// head's input (in x count per replica, one sample per column); W: its weights (classes x in,
// column-major), then its classes biases; D: the head's delta (classes x count per replica).
// Every sum runs in a fixed order (deterministic). Gradients are stored (sgd_eta == 0) or applied
// as SGD steps (x -= eta g); W and the biases change only in the second kernel, each entry after
// the block that steps it has read it.
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
// own: delta_in and H are then not read back.)
constexpr int kHeadInputsPerBlock = 32, kHeadSampleLanes = kThreads / kHeadInputsPerBlock;
__global__ void head_backward_kernel(const float* __restrict__ h_all, const float* __restrict__ d_all,
                                     float* __restrict__ delta_in_all, std::int64_t delta_in_stride, int in,
                                     int classes, int count, float* __restrict__ weights, float* __restrict__ gradients,
                                     std::int64_t stride, std::int64_t weight_offset, std::int64_t bias_offset,
                                     std::int64_t below_bias_offset, float sgd_eta,
                                     const double* __restrict__ sample_loss, const double* __restrict__ sample_hit,
                                     double* __restrict__ loss_total, double* __restrict__ correct_total) {
  // [lane][class, or kMaxHeadClasses for the bias below][input in the tile]
  __shared__ float partial[kHeadSampleLanes][kMaxHeadClasses + 1][kHeadInputsPerBlock];
  const std::int64_t replica = blockIdx.y;
  const float* h = h_all + replica * count * in;
  const float* d = d_all + replica * count * classes;
  float* delta_in = delta_in_all + replica * delta_in_stride;
  const bool below = below_bias_offset >= 0;
  const auto put = [&](std::int64_t at, float g) {
    store_or_step(weights, gradients, replica * stride + at, g, sgd_eta);
  };
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
  if (threadIdx.x >= 32 &&
      static_cast<int>(threadIdx.x) < 32 + classes) {  // warp 1: the head's bias, a serial sum per class
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

}  // namespace

void launch_head_forward(const float* h_all, int in, int classes, int count, int replicas, const std::int32_t* labels,
                         const float* weights, std::int64_t stride, std::int64_t weight_offset,
                         std::int64_t bias_offset, float* d_all, double* sample_loss, double* sample_hit,
                         cudaStream_t stream) {
  const dim3 grid((count + kHeadSamplesPerBlock - 1) / kHeadSamplesPerBlock, static_cast<unsigned>(replicas));
  head_forward_kernel<<<grid, 32 * kHeadSamplesPerBlock, 0, stream>>>(
      h_all, in, classes, count, labels, weights, stride, weight_offset, bias_offset, d_all, sample_loss, sample_hit);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_head_backward(const float* h_all, const float* d_all, float* delta_in_all, std::int64_t delta_in_stride,
                          int in, int classes, int count, int replicas, float* weights, float* gradients,
                          std::int64_t stride, std::int64_t weight_offset, std::int64_t bias_offset,
                          std::int64_t below_bias_offset, float sgd_eta, const double* sample_loss,
                          const double* sample_hit, double* loss_total, double* correct_total, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((in + kHeadInputsPerBlock - 1) / kHeadInputsPerBlock),
                  static_cast<unsigned>(replicas));
  head_backward_kernel<<<grid, kThreads, 0, stream>>>(
      h_all, d_all, delta_in_all, delta_in_stride, in, classes, count, weights, gradients, stride, weight_offset,
      bias_offset, below_bias_offset, sgd_eta, sample_loss, sample_hit, loss_total, correct_total);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace sgds::nn::cuda
