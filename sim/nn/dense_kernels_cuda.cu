// The GPU trainer's dense-layer kernels, then their launchers (sim/nn/replica_kernels.hpp):
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
//
// Built with -fmad=false, as every trainer kernel (sim/nn/replica_trainer_cuda.cu says why).
#include "sim/cuda/cuda_check.hpp"

#include <climits>
#include <stdexcept>

#include "sim/nn/replica_kernel_helpers.cuh"
#include "sim/nn/replica_kernels.hpp"

namespace sgds::nn::cuda {
namespace {

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

// Grid (blocks per replica, replicas): the replica from blockIdx.y and a 32-bit index within it
// (a 64-bit division per entry made this kernel compute-bound).
__global__ void bias_activation_kernel(float* __restrict__ z, const float* __restrict__ parameters, std::int64_t stride,
                                       std::int64_t bias_offset, int rows, int per_replica, bool relu) {
  float* zr = z + static_cast<std::int64_t>(blockIdx.y) * per_replica;
  const float* bias = parameters + static_cast<std::int64_t>(blockIdx.y) * stride + bias_offset;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < per_replica; i += gridDim.x * blockDim.x) {
    const float v = zr[i] + bias[i % rows];
    zr[i] = relu ? fmaxf(v, 0.0f) : v;
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
__global__ void bias_gradient_kernel(float* __restrict__ delta, std::int64_t delta_stride,
                                     const float* __restrict__ mask, int rows, int count, float* __restrict__ gradient,
                                     std::int64_t stride, std::int64_t bias_offset, float sgd_eta,
                                     float* __restrict__ weights) {
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

}  // namespace

void launch_gather(const float* pixels, const std::int32_t* labels, const std::uint32_t* order, std::int64_t samples,
                   std::int64_t begin, int count, int replicas, int features, float* inputs, std::int64_t inputs_stride,
                   std::int32_t* batch_labels, cudaStream_t stream) {
  const int columns = replicas * count;  // < 2^31: ReplicaTrainer's constructor checks it
  gather_kernel<<<columns, kThreads, 0, stream>>>(pixels, labels, order, samples, begin, count, features, inputs,
                                                  inputs_stride, batch_labels);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_bias_activation(float* z, const float* parameters, std::int64_t stride, std::int64_t bias_offset, int rows,
                            int per_replica, bool relu, int replicas, cudaStream_t stream) {
  const dim3 grid(blocks_per_replica(per_replica), static_cast<unsigned>(replicas));
  bias_activation_kernel<<<grid, kThreads, 0, stream>>>(z, parameters, stride, bias_offset, rows, per_replica, relu);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_loss(const float* logits, const std::int32_t* labels, std::int64_t label_stride, int classes, int count,
                 int replicas, float* delta, double* sample_loss, double* sample_correct, double* loss_total,
                 double* correct_total, cudaStream_t stream) {
  const std::int64_t columns = static_cast<std::int64_t>(replicas) * count;
  softmax_cross_entropy_kernel<<<grid_stride_blocks(columns), kThreads, 0, stream>>>(
      logits, labels, label_stride, classes, count, columns, delta, sample_loss, sample_correct);
  SGDS_CUDA_CHECK(cudaGetLastError());
  sum_per_replica_kernel<<<replicas, kThreads, 0, stream>>>(sample_loss, sample_correct, count, loss_total,
                                                            correct_total);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_bias_gradient(float* delta, std::int64_t delta_stride, const float* mask, int rows, int count, int replicas,
                          float* gradient, std::int64_t stride, std::int64_t bias_offset, float sgd_eta, float* weights,
                          cudaStream_t stream) {
  const std::int64_t blocks = static_cast<std::int64_t>(replicas) * ((rows + kBiasRows - 1) / kBiasRows);
  if (blocks > INT_MAX) throw std::invalid_argument("GPU trainer: too many replicas x units for one grid");
  bias_gradient_kernel<<<static_cast<int>(blocks), kThreads, 0, stream>>>(
      delta, delta_stride, mask, rows, count, gradient, stride, bias_offset, sgd_eta, weights);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

void launch_update(OptimizerKind kind, float eta, float beta, std::int64_t count, float* weights, float* velocity,
                   const float* gradient, cudaStream_t stream) {
  update_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(static_cast<int>(kind), eta, beta, count, weights,
                                                                    velocity, gradient);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace sgds::nn::cuda
