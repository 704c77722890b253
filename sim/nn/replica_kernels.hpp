#pragma once
// The GPU trainer's kernel launchers (sim/nn/replica_trainer_cuda.cu calls them), one family per
// file: dense_kernels_cuda.cu, conv_kernels_cuda.cu, head_kernels_cuda.cu. Each queues its
// kernel(s) on `stream` and checks the launch (std::runtime_error naming the call).
//
// Layouts are the trainer's: activations of replica k are column-major [rows x count] blocks
// at k * stride (one sample per column); parameters [replica][stride] in the CPU layout
// (Layer::param_offset: weights out x in column-major, then biases). sgd_eta > 0 applies the SGD
// step to the parameter (x -= eta g) instead of storing the gradient (the fused update).
#include <cstdint>

#include "sim/nn/optimizer_kind.hpp"

struct CUstream_st;  // cudaStream_t without the CUDA headers

namespace sgds::nn::cuda {

// --- dense_kernels_cuda.cu ---

// Each replica's mini-batch: positions [begin, begin + count) of its epoch order (order:
// [replica][samples]) copied from the training set into inputs (features x count per replica,
// replicas inputs_stride apart), their labels into batch_labels [replica][count].
void launch_gather(const float* pixels, const std::int32_t* labels, const std::uint32_t* order, std::int64_t samples,
                   std::int64_t begin, int count, int replicas, int features, float* inputs, std::int64_t inputs_stride,
                   std::int32_t* batch_labels, CUstream_st* stream);

// z := z + bias (rows biases at bias_offset of each replica's parameters), then ReLU if `relu`;
// per_replica entries of z per replica, packed.
void launch_bias_activation(float* z, const float* parameters, std::int64_t stride, std::int64_t bias_offset, int rows,
                            int per_replica, bool relu, int replicas, CUstream_st* stream);

// Softmax cross-entropy of the logits (classes x count per replica): per-sample loss and hit into
// sample_loss / sample_correct, the gradient of the batch-mean loss into delta (unless null),
// then each replica's sums added to loss_total / correct_total in a fixed order. label_stride:
// count for per-replica batches, 0 when all replicas share the labels (the test set).
void launch_loss(const float* logits, const std::int32_t* labels, std::int64_t label_stride, int classes, int count,
                 int replicas, float* delta, double* sample_loss, double* sample_correct, double* loss_total,
                 double* correct_total, CUstream_st* stream);

// A dense layer's bias gradient, the sum of its delta (rows x count per replica, delta_stride
// apart) over the batch, after masking delta in place by the layer's ReLU output (mask, or null).
void launch_bias_gradient(float* delta, std::int64_t delta_stride, const float* mask, int rows, int count, int replicas,
                          float* gradient, std::int64_t stride, std::int64_t bias_offset, float sgd_eta, float* weights,
                          CUstream_st* stream);

// One SGD / SHB / NSHB update of `count` parameters (apply_update of sim/nn/trainer.cpp).
void launch_update(OptimizerKind kind, float eta, float beta, std::int64_t count, float* weights, float* velocity,
                   const float* gradient, CUstream_st* stream);

// --- conv_kernels_cuda.cu --- (maps are (y, x, c) per sample; `total` counts the outputs of all replicas)

// im2col with "same" padding (in_stride 0: all replicas read the same input): row
// (ky k + kx) C + c, column (b H + y) W + x.
void launch_image_to_columns(const float* in, std::int64_t in_stride, int channels, int height, int width, int kernel,
                             int count, std::int64_t total, float* columns, CUstream_st* stream);
// Its adjoint as a gather (deterministic): the input delta from the column delta.
void launch_columns_to_image(const float* columns, int channels, int height, int width, int kernel, int count,
                             std::int64_t total, float* in_delta, CUstream_st* stream);
// 2 x 2 max pooling, stride 2; the winner's index within its input sample into `winner`.
void launch_maxpool(const float* in, int channels, int height, int width, std::int64_t total, float* out,
                    std::int32_t* winner, CUstream_st* stream);
// Its gradient: each input entry gets its window's delta if it won, else 0.
void launch_maxpool_backward(const float* out_delta, const std::int32_t* winner, int channels, int height, int width,
                             std::int64_t total, float* in_delta, CUstream_st* stream);
// delta := 0 where the ReLU output is not > 0.
void launch_relu_mask(float* delta, const float* output, std::int64_t total, CUstream_st* stream);
// A conv weight (or bias) gradient from per-sample partials [replica][sample][entries], summed in
// sample order, stored at `offset` of each replica's gradient block or stepped.
void launch_sum_partials(const float* partials, int count, int entries, std::int64_t total, float sgd_eta,
                         float* weights, float* gradient, std::int64_t stride, std::int64_t offset,
                         CUstream_st* stream);

// --- head_kernels_cuda.cu ---

// The dense head of a training step in two kernels (ReplicaTrainerOptions::fused_head), for at
// most kMaxHeadClasses classes. H: the head's input (in x count per replica); W its weights
// (classes x in) and biases at weight_offset / bias_offset; D its delta (classes x count).
inline constexpr int kMaxHeadClasses = 16;  // logits of one sample held in registers; more: the GEMM head
// The logits W h + b, then per sample the loss, hit and delta D (into d_all).
void launch_head_forward(const float* h_all, int in, int classes, int count, int replicas, const std::int32_t* labels,
                         const float* weights, std::int64_t stride, std::int64_t weight_offset,
                         std::int64_t bias_offset, float* d_all, double* sample_loss, double* sample_hit,
                         CUstream_st* stream);
// From D: the input delta W^T D (pre-step W) into delta_in_all, masked by the ReLU below when
// below_bias_offset >= 0 (a dense ReLU layer whose output is H; its bias gradient too), the
// head's weight and bias gradients (or steps), and the replica's loss sums added to the totals.
void launch_head_backward(const float* h_all, const float* d_all, float* delta_in_all, std::int64_t delta_in_stride,
                          int in, int classes, int count, int replicas, float* weights, float* gradients,
                          std::int64_t stride, std::int64_t weight_offset, std::int64_t bias_offset,
                          std::int64_t below_bias_offset, float sgd_eta, const double* sample_loss,
                          const double* sample_hit, double* loss_total, double* correct_total, CUstream_st* stream);

}  // namespace sgds::nn::cuda
