#pragma once
// What the GPU trainer's kernel files share (sim/nn/{dense,conv,head}_kernels_cuda.cu): the block
// size, the grid sizes, and the device functions more than one kernel calls. Inline, as each .cu
// is its own device translation unit (and an ordinary C++ file in the CPU emulation).
#include <algorithm>
#include <cstdint>

namespace sgds::nn::cuda {

inline constexpr int kThreads = 256;     // threads per block of every kernel (a power of two: tree sums)
inline constexpr int kMaxBlocks = 4096;  // grid cap of the grid-stride kernels

inline int grid_stride_blocks(std::int64_t items) {
  return static_cast<int>(std::clamp<std::int64_t>((items + kThreads - 1) / kThreads, 1, kMaxBlocks));
}

// Grid x of the kernels with one grid row per replica (blockIdx.y): enough blocks for `items`
// entries of one replica, at most 64 (the rows already multiply them by K).
inline unsigned blocks_per_replica(std::int64_t items) {
  return static_cast<unsigned>(std::clamp<std::int64_t>((items + kThreads - 1) / kThreads, 1, 64));
}

// Softmax cross-entropy of one sample from its logits l[0, classes): its loss and hit (the first
// maximum is the label), and with d, the gradient of the batch-mean loss, (softmax - one_hot) / count.
__device__ inline void softmax_cross_entropy_of_sample(const float* l, int classes, int label, int count, double* loss,
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
__device__ inline void store_or_step(float* weights, float* gradients, std::int64_t at, float g, float sgd_eta) {
  if (sgd_eta > 0.0f) {
    weights[at] -= sgd_eta * g;
  } else {
    gradients[at] = g;
  }
}

}  // namespace sgds::nn::cuda
