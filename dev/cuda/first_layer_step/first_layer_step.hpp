#pragma once
// The first layer's held SGD step applied by the next forward pass, for K replicas at once:
//
//   W := W - eta D A^T            (the step held from the last mini-batch: D its deltas, A its inputs)
//   Z := act(W X + b)             (the new mini-batch X through the stepped weights; act = ReLU or none)
//
// which is plain SGD's order (step, then forward), done by the GPU trainer in one pass over W
// (ReplicaTrainerOptions::step_in_forward: W read and written once per step instead of read by
// the forward GEMM and read and written again by the update GEMM). The device kernels are in
// sim/nn/first_layer_step_cuda.cu; first_layer_step_reference is their CPU reference.
//
// Layouts are the trainer's: per replica, W is out x in column-major at weight_offset of the
// replica's parameter block, b its out biases at bias_offset; D is out x held, A in x held, X in
// x count and Z out x count, all column-major (one sample per column).
#include <cstdint>
#include <vector>

#include "sim/nn/matmul_precision.hpp"

struct CUstream_st;  // cudaStream_t without the CUDA headers

namespace sgds::nn {

// How the kernel's tiles multiply: fp32 FMAs; tf32 tensor cores (operands rounded to 10-bit
// mantissas, fp32 accumulation: cuBLAS's CUBLAS_COMPUTE_32F_FAST_TF32); or three tf32 products
// per product (x = hi + lo with hi = tf32(x), lo = tf32(x - hi); a b ~ hi_a hi_b + hi_a lo_b +
// lo_a hi_b), which keeps about 21 of fp32's 24 bits per product at tensor-core speed.
enum class FirstLayerArithmetic { fp32, tf32, tf32x3 };
const char* first_layer_arithmetic_name(FirstLayerArithmetic arithmetic);

// Host copies of one first-layer step for every replica (the CPU reference and the test harness).
struct FirstLayerStepProblem {
  int replicas = 1, out = 1, in = 1;
  int held = 0;   // columns of D and A (0: no held step, forward only)
  int count = 1;  // columns of X
  float eta = 0.0f;
  bool relu = true;
  // The reference's products: fp32 as they are; tf32: each factor rounded to tf32 first
  // (round_to_tf32), as the tensor cores do (a product of two tf32 values is exact in float, so
  // the tf32 kernel then differs from the reference only by the order of its float sums); tf32x3:
  // the sum of the three tf32 products of the split factors.
  FirstLayerArithmetic products = FirstLayerArithmetic::fp32;
  std::size_t stride = 0;  // floats per replica's parameter block
  std::int64_t weight_offset = 0, bias_offset = 0;
  std::vector<float> parameters;   // [replicas][stride]: W and b inside; stepped in place
  std::vector<float> deltas;       // [replicas][out x held]
  std::vector<float> inputs_held;  // [replicas][in x held]
  std::vector<float> inputs;       // [replicas][in x count]
  // Gathered (when `table` is not empty; the chained kernel only): the kernel reads column s of
  // X as row input_indices[k][s] of `table` (rows of `in` floats) and column s of A as row
  // held_indices[k][s]; `inputs` and `inputs_held` hold the same rows for the reference.
  std::vector<float> table;
  std::vector<std::uint32_t> input_indices;  // [replicas][count]
  std::vector<std::uint32_t> held_indices;   // [replicas][held]
  // false (chained kernel only): Z from the stepped W, but W left as it was (the trainer's
  // chained_hold_two_steps: the held step is applied again, with the next one, by a later launch).
  bool store_stepped = true;
  // The next layer's partial products (chained kernel only; head_classes > 0): V is head_classes
  // x out, column-major at head_weight_offset of each replica's parameter block, its biases c at
  // head_bias_offset; head_partials receives, per replica, row block of kFirstLayerChainedRows
  // rows, sample and class, the sum over that block's rows r (in order) of V(c, r) Z(r, s), plus
  // c's bias in row block 0: [replicas][row blocks][count][classes]. The logits are the sum of a
  // sample's partials over the row blocks, in order.
  int head_classes = 0;
  std::int64_t head_weight_offset = 0, head_bias_offset = 0;
  std::vector<float> head_partials;
};

// Rows of W per block of the chained kernel: the row blocks of the head's partial products.
inline constexpr int kFirstLayerChainedRows = 128;
inline int first_layer_chained_row_blocks(int out) {
  return (out + kFirstLayerChainedRows - 1) / kFirstLayerChainedRows;
}

// round_to_tf32: sim/nn/matmul_precision.hpp.

// The step and forward in float, each sum in index order (the held step's gradient sum over the
// held columns, then w - eta g; the forward over the inputs): writes the stepped W into
// `parameters` (unless store_stepped is false) and returns Z, [replicas][out x count].
std::vector<float> first_layer_step_reference(FirstLayerStepProblem& problem);

// The next layer's partial products of Z (FirstLayerStepProblem::head_partials: V from the
// problem's parameters, each sum over a row block's rows in order), as the chained kernel forms them.
std::vector<float> first_layer_head_partials(const FirstLayerStepProblem& problem, const std::vector<float>& z);

// The largest `count` and `held` the kernels take (their tiles of X, A and D live in shared memory).
inline constexpr int kFirstLayerStepMaxColumns = 128;

namespace cuda {

// Which kernel runs the step (the same step and Z up to the order of float sums):
//   staged:  each block's stepped chunk of W goes back through shared memory (and a barrier)
//            before the forward product reads it; fp32, tf32 and tf32x3; column splits.
//   chained: tf32 and tf32x3 only. Each warp's stepped tile of W stays in registers, in the
//            tensor cores' accumulator layout, and is the forward product's operand as it stands
//            (the forward sums over the tile's columns in a permuted order that matches that
//            layout); one barrier per chunk; no column splits (each block finishes its rows' Z).
enum class FirstLayerStepKernel { staged, chained };

// Device pointers and strides of one launch (strides in floats between replicas' blocks).
struct FirstLayerStepArgs {
  int replicas = 0, out = 0, in = 0, held = 0, count = 0;
  float eta = 0.0f;
  bool relu = true;
  FirstLayerArithmetic arithmetic = FirstLayerArithmetic::fp32;
  float* parameters = nullptr;
  std::int64_t stride = 0, weight_offset = 0, bias_offset = 0;
  const float* deltas = nullptr;  // D, leading dimension out
  std::int64_t deltas_stride = 0;
  const float* inputs_held = nullptr;  // A, leading dimension in
  std::int64_t inputs_held_stride = 0;
  const float* inputs = nullptr;  // X, leading dimension in
  std::int64_t inputs_stride = 0;
  float* z = nullptr;  // leading dimension out
  std::int64_t z_stride = 0;
  FirstLayerStepKernel kernel = FirstLayerStepKernel::staged;
  // Gathered batches (chained kernel only; `inputs` and `inputs_held` unused): column s of
  // replica k's X is row input_indices[k input_indices_stride + s] of `table` (rows of `in`
  // floats: the training set), column s of A row held_indices[k held_indices_stride + s]. Saves
  // the copy of each batch into a buffer (at K = 64, b = 128: 26 MB written and read again).
  const float* table = nullptr;
  const std::uint32_t* input_indices = nullptr;
  std::int64_t input_indices_stride = 0;
  const std::uint32_t* held_indices = nullptr;
  std::int64_t held_indices_stride = 0;
  // false (chained kernel only): Z = act((W - eta D A^T) X + b) with W itself left unchanged.
  bool store_stepped = true;
  // Optional (chained kernel only): the next layer's partial products from Z, as
  // FirstLayerStepProblem::head_partials says, into head_partials ([replicas][row blocks][count]
  // [head_classes], the head's biases at head_bias_offset added in row block 0). The trainer's
  // fused head then adds them up for the logits instead of a kernel that reads Z back.
  int head_classes = 0;
  std::int64_t head_weight_offset = 0, head_bias_offset = 0;
  float* head_partials = nullptr;
};

// Column splits for a launch: as many as one wave of resident blocks holds (each block of the
// kernel owns 64 rows of one replica's W; a split gives it a share of the columns, and a second
// kernel sums the splits' partial Z in split order).
int first_layer_step_splits(int replicas, int out, int in);
// The workspace a launch with `splits` needs for the partial Z (0 floats for one split).
std::size_t first_layer_step_workspace_floats(int replicas, int out, int count, int splits);

// Raises the kernels' shared-memory limit to what the largest launch needs (once per process; the
// launcher calls it too). Call it before capturing a launch into a graph.
void prepare_first_layer_step_kernels();

// Queues the step-and-forward kernel (and, with splits > 1, the sum of the splits) on `stream`.
// The chained kernel ignores `splits` (it has none). Throws std::invalid_argument when count or
// held exceed kFirstLayerStepMaxColumns, a needed workspace is missing, the chained kernel is
// asked for fp32 or the staged one for gathered batches, an unstored step or the head's partial
// products, std::runtime_error on a CUDA error.
void launch_first_layer_step(const FirstLayerStepArgs& args, float* workspace, int splits, CUstream_st* stream);

// The chained kernel's fragment layouts on their own: one warp computes D = A B (A 16 x 8, B 8 x 8,
// D 16 x 8, all row-major) by one mma.sync m16n8k8 tf32, placing A and B in its registers and
// reading D from them as the chained kernel does. With entries exact in tf32 the result is A B
// exactly if, and only if, those layouts are the hardware's. Needs a device.
std::vector<float> tf32_mma_on_device(const std::vector<float>& a, const std::vector<float>& b);

// The test harness: uploads the problem, runs the given kernel in the given arithmetic with
// `splits` column splits, downloads the stepped parameters into `problem` and returns Z. Needs a
// device.
std::vector<float> first_layer_step_on_device(FirstLayerStepProblem& problem, FirstLayerArithmetic arithmetic,
                                              int splits, FirstLayerStepKernel kernel = FirstLayerStepKernel::staged);

}  // namespace cuda
}  // namespace sgds::nn
