// The GPU trainer's conv-path kernels, then their launchers (sim/nn/replica_kernels.hpp): im2col
// and its adjoint (col2im, a gather), 2 x 2 max pooling and its gradient, the ReLU mask of the
// conv stages, and the fixed-order sum of per-sample conv gradients. One thread per output entry,
// grid-stride; every sum in a fixed order (deterministic, no atomics).
#include "sim/cuda/cuda_check.hpp"

#include "sim/nn/replica_kernel_helpers.cuh"
#include "sim/nn/replica_kernels.hpp"

namespace sgds::nn::cuda {
namespace {

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
      v = in[replica * in_stride + b * channels * height * width +
             (static_cast<std::int64_t>(sy) * width + sx) * channels + c];
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
__global__ void maxpool_kernel(const float* __restrict__ in, int channels, int height, int width, std::int64_t total,
                               float* __restrict__ out, std::int32_t* __restrict__ winner) {
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

}  // namespace

void launch_image_to_columns(const float* in, std::int64_t in_stride, int channels, int height, int width, int kernel,
                             int count, std::int64_t total, float* columns, cudaStream_t stream) {
  image_to_columns_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(in, in_stride, channels, height, width,
                                                                              kernel, count, total, columns);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_columns_to_image(const float* columns, int channels, int height, int width, int kernel, int count,
                             std::int64_t total, float* in_delta, cudaStream_t stream) {
  columns_to_image_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(columns, channels, height, width, kernel,
                                                                              count, total, in_delta);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_maxpool(const float* in, int channels, int height, int width, std::int64_t total, float* out,
                    std::int32_t* winner, cudaStream_t stream) {
  maxpool_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(in, channels, height, width, total, out, winner);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_maxpool_backward(const float* out_delta, const std::int32_t* winner, int channels, int height, int width,
                             std::int64_t total, float* in_delta, cudaStream_t stream) {
  maxpool_backward_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(out_delta, winner, channels, height,
                                                                              width, total, in_delta);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_relu_mask(float* delta, const float* output, std::int64_t total, cudaStream_t stream) {
  relu_mask_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(delta, output, total);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_sum_partials(const float* partials, int count, int entries, std::int64_t total, float sgd_eta,
                         float* weights, float* gradient, std::int64_t stride, std::int64_t offset,
                         cudaStream_t stream) {
  sum_partials_kernel<<<grid_stride_blocks(total), kThreads, 0, stream>>>(partials, count, entries, total, sgd_eta,
                                                                          weights, gradient, stride, offset);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace sgds::nn::cuda
