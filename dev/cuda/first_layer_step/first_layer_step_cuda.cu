// The first layer's held SGD step and the next forward pass in one kernel (sim/nn/first_layer_step.hpp):
// W := W - eta D A^T, then Z := act(W X + b), for K replicas, reading and writing W once.
//
//   first_layer_step_kernel   grid (row tiles of kRows, replicas, column splits), kThreads threads:
//                             the block owns rows [r0, r0 + kRows) of one replica's W and walks
//                             its columns in chunks of kChunk. Per chunk: W's chunk, A's and X's
//                             rows of those columns into shared memory by cp.async (with two
//                             stages, the next chunk's copies run while this one is computed:
//                             where the doubled tiles fit two blocks per multiprocessor, b = 32
//                             yes, b = 128 no); the step of the chunk
//                             (W -= eta D A^T over the held columns, D's rows staged once); the
//                             stepped chunk back to global memory; its share of W X added to the
//                             block's Z tile. Z is finished in the block (bias, activation) or,
//                             with column splits, written as a partial sum.
//   sum_column_splits_kernel  one thread per Z entry: the splits' partials in split order (fixed:
//                             deterministic), then bias and activation.
//   chained::first_layer_chained_kernel   (FirstLayerStepKernel::chained, tf32 and tf32x3) the
//                             same step and forward with each warp's stepped tile kept in
//                             registers as the forward's operand; optionally it gathers the
//                             batches from the training set, leaves W unstored, and forms the
//                             next layer's partial products (its comment below)
//   chained::mma_layout_probe_kernel      one mma through the chained kernel's fragment layouts
//
// Three variants of the tile arithmetic (FirstLayerArithmetic), chosen per launch: fp32 FMAs with
// register tiles; tf32 tensor-core tiles (wmma m16n16k8, fp32 accumulation: the precision of
// cuBLAS's CUBLAS_COMPUTE_32F_FAST_TF32); or tf32x3, three tensor-core products per product of
// the split operands. All keep W itself in fp32.
#include "sim/cuda/cuda_check.hpp"
#include "dev/cuda/first_layer_step/first_layer_step.hpp"

#include <cuda_pipeline_primitives.h>
#include <mma.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace sgds::nn::cuda {
namespace {

constexpr int kThreads = 256;  // 8 warps
constexpr int kRows = 64;      // rows of W per block
constexpr int kChunk = 32;     // columns of W per shared-memory chunk
// Leading dimensions in shared memory, padded by 4 floats: columns of 64 or 32 floats would start
// in the same bank, so the tf32 tile loads (16 x 8 from 8 columns) would conflict 8-fold; the
// padding keeps every tile start 32-byte aligned (wmma) and every float4 16-byte aligned.
constexpr int kRowsLd = kRows + 4, kChunkLd = kChunk + 4;
// Z's columns are padded to a multiple of 32 (the tf32 tiles: 4 row tiles x 2 warps per sample
// tile pair), the held columns to a multiple of 8 (the tf32 k step); the padding is zero.
constexpr int kSamplePad = 32, kHeldPad = 8;
constexpr int kMaxSampleGroups = kFirstLayerStepMaxColumns / 16;  // fp32 path: samples per thread

__host__ __device__ int padded(int n, int to) { return (n + to - 1) / to * to; }

// Shared memory, in floats: `stages` copies of a chunk's tiles (W's chunk, kRows x kChunk; A's
// and X's chunk rows, kChunk x held and kChunk x count: the stage s tiles at s * stage_floats plus
// w, a, x), then D's rows (kRows x held, at d), all column-major with the padded leading
// dimensions; the finished Z tile (kRows x count) reuses the space from 0 once the chunks are done.
// Two stages: the next chunk is copied in (cp.async) while this one is computed.
struct SharedLayout {
  int held_padded = 0, count_padded = 0;
  int w = 0, a = 0, x = 0, stage_floats = 0, d = 0, floats = 0;
  __host__ __device__ SharedLayout(int held, int count, int stages)
      : held_padded(padded(held, kHeldPad)), count_padded(padded(count, kSamplePad)) {
    w = 0;
    a = w + kChunk * kRowsLd;
    x = a + held_padded * kChunkLd;
    stage_floats = x + count_padded * kChunkLd;
    d = stages * stage_floats;
    floats = std::max(d + held_padded * kRowsLd, count_padded * kRowsLd);
  }
};
// Two stages where their shared memory leaves room for two blocks per multiprocessor (the
// registers of the tf32 variants allow no more), else one.
constexpr int kMaxSharedBytesForTwoStages = 100 * 1024;
constexpr int kBlocksPerMultiprocessor = 2;  // the kernel's launch bounds (registers) and the splits' wave

// The launch's arguments and what the launcher derived from them. With several splits, z points at
// the partials [split][replica][out x count] instead of Z.
struct KernelArgs : FirstLayerStepArgs {
  int chunks_per_split = 0, splits = 1;
  int stages = 1;        // SharedLayout
  bool vectors = false;  // 16-byte copies and stores (every block and leading dimension 16-byte aligned)
};

// Where column j of a copied tile starts: at base + j ld (a matrix), or at row index[j] of a
// table plus an offset (a batch gathered from the training set; the indices in shared memory).
struct StridedColumns {
  const float* base;
  std::int64_t ld;
  __device__ const float* operator()(int j) const { return base + j * ld; }
};
struct GatheredColumns {
  const float* table;
  const std::uint32_t* index;
  std::int64_t row_floats;
  int offset;
  __device__ const float* operator()(int j) const { return table + index[j] * row_floats + offset; }
};

// Calls visit(j, f) for the entries (column j, offsets f .. f + kWidth - 1) this thread copies of a
// tile of `slow` columns of kFast floats: copy_tile_async_by's share of the thread, which the
// chained kernel's in-place rounding (round_copied_tile_to_tf32) must match. Each thread keeps one
// fast index and walks the slow one: no division per entry (the index arithmetic of 4-byte copies
// with a division each were most of the kernel's instructions in a profile).
template <int kFast, int kWidth, int kBlockThreads, class Visit>
__device__ void for_each_copied_entry(int slow, Visit visit) {
  static_assert(kBlockThreads % kFast == 0 && kFast % 4 == 0, "copy_tile_async: whole columns per pass");
  constexpr int kPerSlow = kFast / kWidth, kSlowStep = kBlockThreads / kPerSlow;  // copies per column, columns per pass
  const int f = kWidth * (threadIdx.x % kPerSlow);
  for (int j = threadIdx.x / kPerSlow; j < slow; j += kSlowStep) visit(j, f);
}
// Copies the tile of `slow` x kFast floats whose column j starts at from(j) into shared memory at
// `to` (leading dimension to_ld) by cp.async; entries past fast_valid or slow_valid become zeros
// (from(j) is asked for valid columns only). With `vectors` (the launcher checked that every
// column start, to, to_ld and fast_valid are multiples of 4 floats, so each float4 is all valid or
// all padding) each thread copies 16 bytes at a time, else 4. The caller commits and waits.
template <int kFast, int kWidth, int kBlockThreads, class Columns>  // kWidth floats per copy: 4 (16 bytes) or 1
__device__ void copy_tile_async_by(float* to, int to_ld, Columns from, int slow, int fast_valid, int slow_valid) {
  for_each_copied_entry<kFast, kWidth, kBlockThreads>(slow, [&](int j, int f) {
    float* const at = to + j * to_ld + f;
    if (f < fast_valid && j < slow_valid) {
      __pipeline_memcpy_async(at, from(j) + f, kWidth * sizeof(float));
    } else {
#pragma unroll
      for (int e = 0; e < kWidth; ++e) at[e] = 0.0f;
    }
  });
}
template <int kFast, int kBlockThreads = kThreads, class Columns>
__device__ void copy_tile_async(float* to, int to_ld, Columns from, int slow, int fast_valid, int slow_valid,
                                bool vectors) {
  if (vectors) copy_tile_async_by<kFast, 4, kBlockThreads>(to, to_ld, from, slow, fast_valid, slow_valid);
  else copy_tile_async_by<kFast, 1, kBlockThreads>(to, to_ld, from, slow, fast_valid, slow_valid);
}
template <int kFast, int kBlockThreads = kThreads>
__device__ void copy_tile_async(float* to, int to_ld, const float* from, std::int64_t from_ld, int slow, int fast_valid,
                                int slow_valid, bool vectors) {
  copy_tile_async<kFast, kBlockThreads>(to, to_ld, StridedColumns{from, from_ld}, slow, fast_valid, slow_valid,
                                        vectors);
}

// fp32: thread (t % 16, t / 16) steps rows 4 (t % 16) .. + 3 of columns 2 (t / 16), + 1 of the chunk.
__device__ void step_chunk_fp32(float* ws, const float* ds, const float* as, int held, float eta) {
  const int t = threadIdx.x, r = 4 * (t % 16), c = 2 * (t / 16);
  float g[4][2] = {};
  for (int p = 0; p < held; ++p) {
    const float4 d = *reinterpret_cast<const float4*>(ds + p * kRowsLd + r);
    const float2 a = *reinterpret_cast<const float2*>(as + p * kChunkLd + c);
    const float dv[4] = {d.x, d.y, d.z, d.w}, av[2] = {a.x, a.y};
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) g[i][j] = __fmaf_rn(dv[i], av[j], g[i][j]);
  }
#pragma unroll
  for (int j = 0; j < 2; ++j) {
    float4* w = reinterpret_cast<float4*>(ws + (c + j) * kRowsLd + r);
    float4 v = *w;
    // w - eta g as the CPU's apply_update: a product, then a difference (this file has no FMA
    // contraction, -fmad=false).
    v.x -= eta * g[0][j];
    v.y -= eta * g[1][j];
    v.z -= eta * g[2][j];
    v.w -= eta * g[3][j];
    *w = v;
  }
}

// fp32: thread (t % 16, t / 16) accumulates rows 4 (t % 16) .. + 3 of samples t / 16 + 16 j.
__device__ void forward_chunk_fp32(const float* ws, const float* xs, int sample_groups,
                                   float (&acc)[4][kMaxSampleGroups]) {
  const int t = threadIdx.x, r = 4 * (t % 16), s0 = t / 16;
#pragma unroll 4
  for (int c = 0; c < kChunk; ++c) {
    const float4 w = *reinterpret_cast<const float4*>(ws + c * kRowsLd + r);
    const float wv[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
    for (int j = 0; j < kMaxSampleGroups; ++j) {
      if (j < sample_groups) {
        const float x = xs[(s0 + 16 * j) * kChunkLd + c];
#pragma unroll
        for (int i = 0; i < 4; ++i) acc[i][j] = __fmaf_rn(wv[i], x, acc[i][j]);
      }
    }
  }
}

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
#define SGDS_HAVE_TF32_TILES 1
namespace wmma = nvcuda::wmma;
using TileA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using TileBColumns = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using TileBRows = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using TileC = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

// A multiplicand tile as the arithmetic needs it: tf32, the tile rounded to tf32; tf32x3 (kSplit),
// also the rounding's remainder, itself rounded (x - hi is exact in float).
template <class Tile, bool kSplit>
struct Operand {
  Tile hi;
};
template <class Tile>
struct Operand<Tile, true> {
  Tile hi, lo;
};
template <bool kSplit, class Tile>
__device__ void load_operand(Operand<Tile, kSplit>& operand, const float* at, int ld) {
  wmma::load_matrix_sync(operand.hi, at, ld);
  for (int i = 0; i < operand.hi.num_elements; ++i) {
    const float v = operand.hi.x[i];
    operand.hi.x[i] = wmma::__float_to_tf32(v);
    if constexpr (kSplit) operand.lo.x[i] = wmma::__float_to_tf32(v - operand.hi.x[i]);
  }
}
// acc += a b; split: the two small products first, then the large one (lo lo is dropped).
template <bool kSplit, class A, class B>
__device__ void multiply_add(TileC& acc, const Operand<A, kSplit>& a, const Operand<B, kSplit>& b) {
  if constexpr (kSplit) {
    wmma::mma_sync(acc, a.lo, b.hi, acc);
    wmma::mma_sync(acc, a.hi, b.lo, acc);
  }
  wmma::mma_sync(acc, a.hi, b.hi, acc);
}

// tf32: warp w steps the 16 x 16 tile (rows 16 (w % 4), columns 16 (w / 4)) of the 64 x 32 chunk.
template <bool kSplit>
__device__ void step_chunk_tf32(float* ws, const float* ds, const float* as, int held_padded, float eta) {
  const int warp = threadIdx.x / 32, r = 16 * (warp % 4), c = 16 * (warp / 4);
  TileC g, w;
  wmma::fill_fragment(g, 0.0f);
  for (int p = 0; p < held_padded; p += 8) {
    Operand<TileA, kSplit> d;
    Operand<TileBRows, kSplit> a;  // A^T: row p of the tile is held column p, its 16 entries the chunk columns
    load_operand(d, ds + p * kRowsLd + r, kRowsLd);
    load_operand(a, as + p * kChunkLd + c, kChunkLd);
    multiply_add(g, d, a);
  }
  wmma::load_matrix_sync(w, ws + c * kRowsLd + r, kRowsLd, wmma::mem_col_major);
  for (int i = 0; i < w.num_elements; ++i) w.x[i] -= eta * g.x[i];  // same layout: element i of both is one entry
  wmma::store_matrix_sync(ws + c * kRowsLd + r, w, kRowsLd, wmma::mem_col_major);
}

// tf32: warp w owns row tile w % 4 of sample tiles w / 4 + 2 j, j < sample_tiles / 2.
template <bool kSplit>
__device__ void forward_chunk_tf32(const float* ws, const float* xs, int sample_tiles,
                                   TileC (&acc)[kFirstLayerStepMaxColumns / 32]) {
  const int warp = threadIdx.x / 32, r = 16 * (warp % 4);
  for (int k = 0; k < kChunk; k += 8) {
    Operand<TileA, kSplit> w;
    load_operand(w, ws + k * kRowsLd + r, kRowsLd);
#pragma unroll
    for (int j = 0; j < kFirstLayerStepMaxColumns / 32; ++j) {
      const int tile = warp / 4 + 2 * j;
      if (tile < sample_tiles) {
        Operand<TileBColumns, kSplit> x;
        load_operand(x, xs + tile * 16 * kChunkLd + k, kChunkLd);
        multiply_add(acc[j], w, x);
      }
    }
  }
}
#endif

// The stepped chunk (kRows x kChunk in shared memory) back into W (leading dimension out), 16
// bytes per thread and store where the launcher found W aligned (vectors), else 4; one row
// index per thread, no division per entry.
template <int kWidth>  // floats per store: 4 (16 bytes) or 1
__device__ void write_chunk_back_by(float* w_global, int out, const float* ws, int c0, int r0, int in) {
  using Word = std::conditional_t<kWidth == 4, float4, float>;
  constexpr int kPerColumn = kRows / kWidth, kColumnStep = kThreads / kPerColumn;
  const int r = kWidth * (threadIdx.x % kPerColumn);
  if (r0 + r >= out) return;
  for (int c = threadIdx.x / kPerColumn; c < kChunk && c0 + c < in; c += kColumnStep)
    *reinterpret_cast<Word*>(w_global + static_cast<std::int64_t>(c0 + c) * out + r0 + r) =
        *reinterpret_cast<const Word*>(ws + c * kRowsLd + r);
}
__device__ void write_chunk_back(float* w_global, int out, const float* ws, int c0, int r0, int in, bool vectors) {
  if (vectors) write_chunk_back_by<4>(w_global, out, ws, c0, r0, in);
  else write_chunk_back_by<1>(w_global, out, ws, c0, r0, in);
}

// Two blocks per multiprocessor (at most 128 registers): with one, a block's chains of dependent
// tensor-core products and its barriers leave the schedulers idle (profiled: docs/journal).
template <FirstLayerArithmetic kArithmetic>
__global__ void __launch_bounds__(kThreads, kBlocksPerMultiprocessor) first_layer_step_kernel(KernelArgs a) {
  constexpr bool kTensorCores = kArithmetic != FirstLayerArithmetic::fp32;
  constexpr bool kSplit = kArithmetic == FirstLayerArithmetic::tf32x3;
  extern __shared__ __align__(128) float shared[];
  const SharedLayout layout(a.held, a.count, a.stages);
  const int held_padded = layout.held_padded, count_padded = layout.count_padded;
  float* const ds = shared + layout.d;
  const int t = threadIdx.x;
  const int r0 = blockIdx.x * kRows;
  const std::int64_t k = blockIdx.y;
  const int split = blockIdx.z;
  float* const w_global = a.parameters + k * a.stride + a.weight_offset;
  const float* const d_global = a.deltas + k * a.deltas_stride;
  const float* const a_global = a.inputs_held + k * a.inputs_held_stride;
  const float* const x_global = a.inputs + k * a.inputs_stride;
  const bool stepping = a.held > 0;

  // D's rows of this block, zero past the held columns and the last row (waited for with the
  // first chunk).
  if (stepping) copy_tile_async<kRows>(ds, kRowsLd, d_global + r0, a.out, held_padded, a.out - r0, a.held, a.vectors);

  const int sample_groups = count_padded / 16;
  float acc_fp32[4][kMaxSampleGroups] = {};
#ifdef SGDS_HAVE_TF32_TILES
  TileC acc_tf32[kFirstLayerStepMaxColumns / 32];
  if constexpr (kTensorCores)
    for (auto& tile : acc_tf32) wmma::fill_fragment(tile, 0.0f);
#endif

  // Copies a chunk's tiles of W, A and X into a stage, as one group of asynchronous copies.
  const auto copy_chunk = [&](int chunk, int stage) {
    const int c0 = chunk * kChunk;
    float* const stage_base = shared + stage * layout.stage_floats;
    copy_tile_async<kRows>(stage_base + layout.w, kRowsLd, w_global + static_cast<std::int64_t>(c0) * a.out + r0, a.out,
                           kChunk, a.out - r0, a.in - c0, a.vectors);
    if (stepping)
      copy_tile_async<kChunk>(stage_base + layout.a, kChunkLd, a_global + c0, a.in, held_padded, a.in - c0, a.held,
                              a.vectors);
    copy_tile_async<kChunk>(stage_base + layout.x, kChunkLd, x_global + c0, a.in, count_padded, a.in - c0, a.count,
                            a.vectors);
    __pipeline_commit();
  };

  const int chunks = (a.in + kChunk - 1) / kChunk;
  const int first_chunk = split * a.chunks_per_split;
  const int last_chunk = std::min(chunks, first_chunk + a.chunks_per_split);
  if (a.stages == 2 && first_chunk < last_chunk) copy_chunk(first_chunk, 0);
  for (int chunk = first_chunk; chunk < last_chunk; ++chunk) {
    const int c0 = chunk * kChunk;
    const int stage = a.stages == 2 ? (chunk - first_chunk) % 2 : 0;
    if (a.stages == 2 && chunk + 1 < last_chunk) {
      copy_chunk(chunk + 1, 1 - stage);  // into the stage the last iteration finished reading
      __pipeline_wait_prior(1);          // this chunk's copies (the older group) are done
    } else {
      if (a.stages == 1) copy_chunk(chunk, 0);
      __pipeline_wait_prior(0);
    }
    __syncthreads();  // every thread's copies and zeros of this chunk are visible
    float* const ws = shared + stage * layout.stage_floats + layout.w;
    const float* const as = shared + stage * layout.stage_floats + layout.a;
    const float* const xs = shared + stage * layout.stage_floats + layout.x;
    if (stepping) {
      if constexpr (kTensorCores) {
#ifdef SGDS_HAVE_TF32_TILES
        step_chunk_tf32<kSplit>(ws, ds, as, held_padded, a.eta);
#endif
      } else {
        step_chunk_fp32(ws, ds, as, a.held, a.eta);
      }
      __syncthreads();
      write_chunk_back(w_global, a.out, ws, c0, r0, a.in, a.vectors);
    }
    if constexpr (kTensorCores) {
#ifdef SGDS_HAVE_TF32_TILES
      forward_chunk_tf32<kSplit>(ws, xs, count_padded / 16, acc_tf32);
#endif
    } else {
      forward_chunk_fp32(ws, xs, sample_groups, acc_fp32);
    }
    __syncthreads();  // the stage is read: the next iteration may copy into it
  }

  // The block's Z tile (kRows x count_padded, column-major) into shared memory, then out.
  float* const zs = shared;
  if constexpr (kTensorCores) {
#ifdef SGDS_HAVE_TF32_TILES
    const int warp = t / 32;
    for (int j = 0; j < kFirstLayerStepMaxColumns / 32; ++j) {
      const int tile = warp / 4 + 2 * j;
      if (tile < count_padded / 16)
        wmma::store_matrix_sync(zs + tile * 16 * kRowsLd + 16 * (warp % 4), acc_tf32[j], kRowsLd, wmma::mem_col_major);
    }
#endif
  } else {
    const int r = 4 * (t % 16), s0 = t / 16;
#pragma unroll
    for (int j = 0; j < kMaxSampleGroups; ++j)
      if (j < sample_groups)
#pragma unroll
        for (int i = 0; i < 4; ++i) zs[(s0 + 16 * j) * kRowsLd + r + i] = acc_fp32[i][j];
  }
  __syncthreads();
  const float* bias = a.parameters + k * a.stride + a.bias_offset;
  for (int i = t; i < a.count * kRows; i += kThreads) {
    const int s = i / kRows, r = i % kRows;
    if (r0 + r >= a.out) continue;
    const std::int64_t at = static_cast<std::int64_t>(s) * a.out + r0 + r;
    if (a.splits == 1) {
      const float v = zs[s * kRowsLd + r] + bias[r0 + r];
      a.z[k * a.z_stride + at] = a.relu ? fmaxf(v, 0.0f) : v;
    } else {
      a.z[(static_cast<std::int64_t>(split) * a.replicas + k) * a.out * a.count + at] = zs[s * kRowsLd + r];
    }
  }
}

// Grid (blocks per replica, replicas): Z = act(sum of the splits' partials in order + b).
__global__ void sum_column_splits_kernel(const float* __restrict__ partials, int splits, int replicas, int out,
                                         int count, const float* __restrict__ parameters, std::int64_t stride,
                                         std::int64_t bias_offset, bool relu, float* __restrict__ z,
                                         std::int64_t z_stride) {
  const std::int64_t k = blockIdx.y;
  const int entries = out * count;
  const float* bias = parameters + k * stride + bias_offset;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < entries; i += gridDim.x * blockDim.x) {
    float sum = 0.0f;
    for (int split = 0; split < splits; ++split)
      sum += partials[(static_cast<std::int64_t>(split) * replicas + k) * entries + i];
    const float v = sum + bias[i % out];
    z[k * z_stride + i] = relu ? fmaxf(v, 0.0f) : v;
  }
}

// ---------------------------------------------------------------------------------------------
// The chained kernel (FirstLayerStepKernel::chained; tf32 and tf32x3). Grid (row tiles of kRows,
// replicas), kThreads threads (one block per multiprocessor); the block owns rows [r0, r0 + kRows)
// of one replica's W and walks all of its columns in chunks of kChunk, kStages chunks in flight
// (cp.async), one barrier per chunk. Warp w owns the 16 rows 16 (w % kRowTiles) of the block and
// the 8-column tiles h and h + 2 of each chunk, h = w / kRowTiles. Per tile, in registers:
//   W_old   the tile in the tensor cores' accumulator layout (lane 4 group + member holds rows
//           group and group + 8 of columns 2 member and 2 member + 1), from shared memory;
//   g       D A^T over the held columns (mma.sync m16n8k8, the layout of W_old);
//   W_new   W_old - eta g, stored to global memory from those registers;
//   Z      += W_new X: W_new is the product's A operand as it stands, because the forward sums over
//           the tile's 8 columns in the order (0, 2, 4, 6, 1, 3, 5, 7): an A operand's lane holds
//           rows group and group + 8 of k = member and member + 4, which are then columns
//           2 member and 2 member + 1 (X's B operand is read with the same order).
// So the stepped tile never goes back through shared memory (the staged kernel's barrier and
// round trip), and no shuffle is needed. The two warps of a row tile add their partial Z at the
// end through shared memory, then bias and activation; then, if asked, the next layer's partial
// products over the block's rows (FirstLayerStepArgs::head_classes).
// 128 rows per block rather than 64: every chunk's A and X rows (at b = 128, 32 KB against W's
// 16 KB) are read from L2 once per block, so taller blocks halve that traffic (at K = 64, b = 128:
// 205 MB per step with 64 rows, about 35 us of L2 bandwidth; 103 MB with 128).
namespace chained {

constexpr int kRows = kFirstLayerChainedRows, kChunk = 32;
constexpr int kRowTiles = kRows / 16, kThreads = 2 * kRowTiles * 32;  // two warps per 16 rows: 512 threads
// Leading dimensions in shared memory, padded so that each fragment load of a warp hits 32
// different banks (bank = 8 member + group for the scalar loads; the X loads are 8-byte pairs,
// conflict-free per half warp): W's chunk column-major (ld 132: columns 2 member apart are 264
// member floats apart, 8 member banks); D's rows column-major (ld 136); A's and X's chunk rows,
// one held column or sample per row (ld 40).
constexpr int kWLd = kRows + 4, kDLd = kRows + 8, kALd = kChunk + 8, kXLd = kChunk + 8, kZLd = kRows + 4;
static_assert(kWLd % 32 == 4 && kDLd % 32 == 8 && kALd % 32 == 8 && kXLd % 32 == 8,
              "bank-conflict-free fragment loads");

using Bits = std::uint32_t;

// A configuration per batch class: samples (Z's 8-sample tiles) and held columns (8-column k
// steps) at most, chunks in flight. Small (b <= 32): D's fragments stay in registers for the whole
// pass, four stages (126 KB of shared memory): three chunks (72 KB) in flight per multiprocessor,
// about twice what the H100's bandwidth times its memory latency asks. Large (b <= 128): D's
// fragments are read from shared memory per chunk, two stages (186 KB: D's rows alone take 70 KB;
// each chunk's arithmetic then takes about as long as its copies).
template <int kMaxSampleTiles_, int kMaxHeldSteps_, int kStages_>
struct Config {
  static constexpr int kMaxSampleTiles = kMaxSampleTiles_, kMaxHeldSteps = kMaxHeldSteps_, kStages = kStages_;
  static constexpr bool kDeltasInRegisters = kMaxHeldSteps <= 4;
  static_assert(kStages >= 2, "the next chunk's copies go into another stage while this one is read");
};
using SmallBatches = Config<4, 4, 4>;
using TwoHeldSmallBatches = Config<4, 8, 4>;  // b <= 32 with two steps held (chained_hold_two_steps: 164 KB)
using LargeBatches = Config<kFirstLayerStepMaxColumns / 8, kFirstLayerStepMaxColumns / 8, 2>;

// Shared memory, in floats: kStages copies of a chunk's tiles (W's chunk kRows x kChunk, A's
// held_padded rows and X's count_padded rows of kChunk columns), then D's rows (kRows x
// held_padded), then the gathered batches' row indices (count_padded for X, held_padded for A);
// the partial Z (kRows x count_padded) reuses the space from 0 after the chunks.
struct Layout {
  int held_padded = 0, count_padded = 0;
  int w = 0, a = 0, x = 0, stage_floats = 0, d = 0, indices = 0, floats = 0;
  __host__ __device__ Layout(int held, int count, int stages)
      : held_padded(padded(held, 8)), count_padded(padded(count, 8)) {
    a = w + kChunk * kWLd;
    x = a + held_padded * kALd;
    stage_floats = x + count_padded * kXLd;
    d = stages * stage_floats;
    indices = d + held_padded * kDLd;
    floats = std::max(indices + count_padded + held_padded, count_padded * kZLd);
  }
};

#ifdef SGDS_HAVE_TF32_TILES
// A multiplicand fragment of N registers: tf32 (hi), and for tf32x3 the rounding's remainder (lo).
template <bool kSplit, int N>
struct Fragment {
  Bits hi[N];
  Bits lo[kSplit ? N : 1];
};
template <bool kSplit, int N>
__device__ void set_entry(Fragment<kSplit, N>& f, int i, float v) {
  const float hi = wmma::__float_to_tf32(v);
  f.hi[i] = __float_as_uint(hi);
  if constexpr (kSplit) f.lo[i] = __float_as_uint(wmma::__float_to_tf32(v - hi));
}

// tf32 (not tf32x3): a multiplicand already rounded to tf32 in shared memory, taken as it is.
template <bool kSplit, int N>
__device__ void set_rounded_entry(Fragment<kSplit, N>& f, int i, float v) {
  if constexpr (kSplit) set_entry(f, i, v);
  else f.hi[i] = __float_as_uint(v);
}

// Rounds to tf32, in place, the entries of a staged tile that this thread copied (after its own
// wait for them, before the barrier that shows them to the other warps): each entry once, where
// every warp that reads it would otherwise convert it again (A and X are read by all 8 row tiles).
template <int kFast, int kBlockThreads>
__device__ void round_copied_tile_to_tf32(float* tile, int ld, int slow, bool vectors) {
  if (vectors) {
    for_each_copied_entry<kFast, 4, kBlockThreads>(slow, [&](int j, int f) {
      float4* const at = reinterpret_cast<float4*>(tile + j * ld + f);
      float4 v = *at;
      v.x = wmma::__float_to_tf32(v.x);
      v.y = wmma::__float_to_tf32(v.y);
      v.z = wmma::__float_to_tf32(v.z);
      v.w = wmma::__float_to_tf32(v.w);
      *at = v;
    });
  } else {
    for_each_copied_entry<kFast, 1, kBlockThreads>(slow, [&](int j, int f) {
      float* const at = tile + j * ld + f;
      *at = wmma::__float_to_tf32(*at);
    });
  }
}

// d += a b over one 16 x 8 x 8 step, the warp's mma.sync (tests/cuda_emulation/mma.h emulates it
// with the same fragment layouts).
__device__ void mma_tf32(float (&d)[4], const Bits (&a)[4], const Bits (&b)[2]) {
#if defined(SGDS_CUDA_EMULATION)
  cuda_emulation::mma_m16n8k8_tf32(d, a, b);
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}
// tf32x3: the two small products first, then the large one, as the staged kernel (lo lo dropped).
template <bool kSplit>
__device__ void multiply_add(float (&d)[4], const Fragment<kSplit, 4>& a, const Fragment<kSplit, 2>& b) {
  if constexpr (kSplit) {
    mma_tf32(d, a.lo, b.hi);
    mma_tf32(d, a.hi, b.lo);
  }
  mma_tf32(d, a.hi, b.hi);
}

// D's A operand for held step s of the warp's rows (column-major in shared memory, ld kDLd;
// tf32: already rounded there).
template <bool kSplit>
__device__ Fragment<kSplit, 4> deltas_fragment(const float* ds, int row, int s, int group, int member) {
  Fragment<kSplit, 4> f;
  const float* at = ds + (8 * s + member) * kDLd + row + group;
  set_rounded_entry(f, 0, at[0]);
  set_rounded_entry(f, 1, at[8]);
  set_rounded_entry(f, 2, at[4 * kDLd]);
  set_rounded_entry(f, 3, at[4 * kDLd + 8]);
  return f;
}

#endif  // SGDS_HAVE_TF32_TILES

template <FirstLayerArithmetic kArithmetic, class C>
__global__ void __launch_bounds__(kThreads, 1) first_layer_chained_kernel(KernelArgs a) {
#ifdef SGDS_HAVE_TF32_TILES  // (the launcher refuses tf32 below compute capability 8.0)
  constexpr bool kSplit = kArithmetic == FirstLayerArithmetic::tf32x3;
  extern __shared__ __align__(128) float shared[];
  const Layout layout(a.held, a.count, C::kStages);
  const int sample_tiles = layout.count_padded / 8, held_steps = layout.held_padded / 8;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, group = lane / 4, member = lane % 4;
  const int row = 16 * (warp % kRowTiles), half = warp / kRowTiles;  // the warp's first row in the block, its tiles
  const int r0 = blockIdx.x * kRows;
  const std::int64_t k = blockIdx.y;
  float* const w_global = a.parameters + k * a.stride + a.weight_offset;
  const float* const d_global = a.deltas + k * a.deltas_stride;
  const bool stepping = a.held > 0;
  const bool gathered = a.table != nullptr;
  float* const ds = shared + layout.d;

  // Gathered batches: the replica's row indices into shared memory, read by every chunk's copies.
  std::uint32_t* const x_index = reinterpret_cast<std::uint32_t*>(shared + layout.indices);
  std::uint32_t* const a_index = x_index + layout.count_padded;
  if (gathered) {
    for (int j = threadIdx.x; j < a.count; j += kThreads) x_index[j] = a.input_indices[k * a.input_indices_stride + j];
    for (int j = threadIdx.x; j < a.held; j += kThreads) a_index[j] = a.held_indices[k * a.held_indices_stride + j];
    __syncthreads();
  }

  // Copies chunk c's tiles into its stage (zeros past the rows, columns, held columns and samples).
  const auto copy_chunk = [&](int c) {
    const int c0 = c * kChunk;
    float* const stage = shared + (c % C::kStages) * layout.stage_floats;
    copy_tile_async<kRows, kThreads>(stage + layout.w, kWLd, w_global + static_cast<std::int64_t>(c0) * a.out + r0,
                                     a.out, kChunk, a.out - r0, a.in - c0, a.vectors);
    // A's and X's rows of the chunk, wherever their columns start (held_columns(j), sample_columns(j))
    const auto copy_rows = [&](auto held_columns, auto sample_columns) {
      if (stepping)
        copy_tile_async<kChunk, kThreads>(stage + layout.a, kALd, held_columns, layout.held_padded, a.in - c0, a.held,
                                          a.vectors);
      copy_tile_async<kChunk, kThreads>(stage + layout.x, kXLd, sample_columns, layout.count_padded, a.in - c0, a.count,
                                        a.vectors);
    };
    if (gathered) copy_rows(GatheredColumns{a.table, a_index, a.in, c0}, GatheredColumns{a.table, x_index, a.in, c0});
    else
      copy_rows(StridedColumns{a.inputs_held + k * a.inputs_held_stride + c0, a.in},
                StridedColumns{a.inputs + k * a.inputs_stride + c0, a.in});
  };

  // One group of copies per chunk (D's rows go with the first); kStages - 1 groups ahead.
  const int chunks = (a.in + kChunk - 1) / kChunk;
  if (stepping)
    copy_tile_async<kRows, kThreads>(ds, kDLd, d_global + r0, a.out, layout.held_padded, a.out - r0, a.held, a.vectors);
  for (int c = 0; c < C::kStages - 1; ++c) {
    if (c < chunks) copy_chunk(c);
    __pipeline_commit();
  }

  float z[C::kMaxSampleTiles][4] = {};
  Fragment<kSplit, 4> d_held[C::kDeltasInRegisters ? C::kMaxHeldSteps : 1];
  for (int chunk = 0; chunk < chunks; ++chunk) {
    __pipeline_wait_prior(C::kStages - 2);  // this chunk's group has landed (the newer ones may not)
    if constexpr (!kSplit) {  // tf32: A, X (and D, once) rounded where they stand, by the threads that copied them
      float* const stage = shared + (chunk % C::kStages) * layout.stage_floats;
      if (stepping) round_copied_tile_to_tf32<kChunk, kThreads>(stage + layout.a, kALd, layout.held_padded, a.vectors);
      round_copied_tile_to_tf32<kChunk, kThreads>(stage + layout.x, kXLd, layout.count_padded, a.vectors);
      if (chunk == 0 && stepping) round_copied_tile_to_tf32<kRows, kThreads>(ds, kDLd, layout.held_padded, a.vectors);
    }
    __syncthreads();  // every thread's copies landed; every warp is done with the stage refilled next
    if (chunk + C::kStages - 1 < chunks) copy_chunk(chunk + C::kStages - 1);
    __pipeline_commit();  // (an empty group past the last chunk keeps the count of groups)
    if constexpr (C::kDeltasInRegisters) {
      if (chunk == 0 && stepping)
#pragma unroll
        for (int s = 0; s < C::kMaxHeldSteps; ++s)
          if (s < held_steps) d_held[s] = deltas_fragment<kSplit>(ds, row, s, group, member);
    }
    const float* const stage = shared + (chunk % C::kStages) * layout.stage_floats;
    const float* const ws = stage + layout.w;
    const float* const as = stage + layout.a;
    const float* const xs = stage + layout.x;
    const int c0 = chunk * kChunk;

    // W_old of the warp's two tiles (columns tile_col + 2 member, + 1; rows row + group, + 8).
    int tile_col[2];
    float w[2][4];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      tile_col[h] = 8 * (half + 2 * h);
      const float* at = ws + (tile_col[h] + 2 * member) * kWLd + row + group;
      w[h][0] = at[0];
      w[h][1] = at[kWLd];
      w[h][2] = at[8];
      w[h][3] = at[kWLd + 8];
    }
    if (stepping) {
      float g[2][4] = {};
#pragma unroll
      for (int s = 0; s < C::kMaxHeldSteps; ++s) {
        if (s >= held_steps) break;
        Fragment<kSplit, 4> d_fragment;
        if constexpr (C::kDeltasInRegisters) d_fragment = d_held[s];
        else d_fragment = deltas_fragment<kSplit>(ds, row, s, group, member);
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          Fragment<kSplit, 2> b;  // A^T: held columns 8 s + member (+ 4), W column tile_col + group
          const float* at = as + (8 * s + member) * kALd + tile_col[h] + group;
          set_rounded_entry(b, 0, at[0]);
          set_rounded_entry(b, 1, at[4 * kALd]);
          multiply_add<kSplit>(g[h], d_fragment, b);
        }
      }
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        // w - eta g as the CPU's apply_update: a product, then a difference (no FMA contraction here).
#pragma unroll
        for (int i = 0; i < 4; ++i) w[h][i] -= a.eta * g[h][i];
        const int col = c0 + tile_col[h] + 2 * member, r = r0 + row + group;
        if (a.store_stepped) {
#pragma unroll
          for (int i = 0; i < 4; ++i) {
            const int entry_col = col + i % 2, entry_row = r + (i >= 2 ? 8 : 0);
            if (entry_col < a.in && entry_row < a.out)
              w_global[static_cast<std::int64_t>(entry_col) * a.out + entry_row] = w[h][i];
          }
        }
      }
    }
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      // The stepped tile as the forward's A operand, k order (0, 2, 4, 6, 1, 3, 5, 7) of its columns.
      Fragment<kSplit, 4> w_operand;
      set_entry(w_operand, 0, w[h][0]);
      set_entry(w_operand, 1, w[h][2]);
      set_entry(w_operand, 2, w[h][1]);
      set_entry(w_operand, 3, w[h][3]);
#pragma unroll
      for (int n = 0; n < C::kMaxSampleTiles; ++n) {
        if (n >= sample_tiles) break;
        // X: sample 8 n + group, columns tile_col + 2 member and + 1 (k = member, member + 4).
        const float2 x = *reinterpret_cast<const float2*>(xs + (8 * n + group) * kXLd + tile_col[h] + 2 * member);
        Fragment<kSplit, 2> b;
        set_rounded_entry(b, 0, x.x);
        set_rounded_entry(b, 1, x.y);
        multiply_add<kSplit>(z[n], w_operand, b);
      }
    }
  }

  // The second warp of each row tile leaves its partial Z in shared memory (column-major, ld kZLd); the first adds it
  // to theirs, then bias and activation, and store Z.
  __syncthreads();  // every warp is done with the stages (the last copies landed before the last chunk)
  float* const zs = shared;
  const auto z_at = [&](int n, int i) { return (8 * n + 2 * member + i % 2) * kZLd + row + group + (i >= 2 ? 8 : 0); };
  if (half == 1) {
#pragma unroll
    for (int n = 0; n < C::kMaxSampleTiles; ++n)
      if (n < sample_tiles)
#pragma unroll
        for (int i = 0; i < 4; ++i) zs[z_at(n, i)] = z[n][i];
  }
  __syncthreads();
  if (half == 0) {
    const float* bias = a.parameters + k * a.stride + a.bias_offset;
#pragma unroll
    for (int n = 0; n < C::kMaxSampleTiles; ++n) {
      if (n >= sample_tiles) break;
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int sample = 8 * n + 2 * member + i % 2, r = r0 + row + group + (i >= 2 ? 8 : 0);
        if (sample >= a.count || r >= a.out) continue;
        const float sum = (z[n][i] + zs[z_at(n, i)]) + bias[r];
        const float v = a.relu ? fmaxf(sum, 0.0f) : sum;
        a.z[k * a.z_stride + static_cast<std::int64_t>(sample) * a.out + r] = v;
        zs[z_at(n, i)] = v;  // (for the head's partial products; this thread read that entry)
      }
    }
  }
  // The next layer's partial products over the block's rows (FirstLayerStepArgs::head_classes):
  // one (sample, class) per thread, rows in order, V's column r of head_classes floats; row block
  // 0 adds the biases (read here, before the head's kernel steps them).
  if (a.head_classes > 0) {
    __syncthreads();  // the block's Z in zs
    const float* v_weights = a.parameters + k * a.stride + a.head_weight_offset;
    const float* v_bias = a.parameters + k * a.stride + a.head_bias_offset;
    const int rows = a.out - r0 < kRows ? a.out - r0 : kRows, outputs = a.count * a.head_classes;
    for (int o = threadIdx.x; o < outputs; o += kThreads) {
      const int sample = o / a.head_classes, c = o % a.head_classes;
      float sum = 0.0f;
      for (int r = 0; r < rows; ++r)
        sum += v_weights[static_cast<std::int64_t>(r0 + r) * a.head_classes + c] * zs[sample * kZLd + r];
      a.head_partials[((k * gridDim.x + blockIdx.x) * a.count + sample) * a.head_classes + c] =
          blockIdx.x == 0 ? sum + v_bias[c] : sum;
    }
  }
#endif
}

// One warp: D = A B through mma_tf32, each operand placed in and D read from the registers by
// the fragment layouts the chained kernel assumes (a 16 x 8 row-major, b 8 x 8 row-major, d
// 16 x 8 row-major). The layouts' own test (tf32_mma_on_device).
__global__ void mma_layout_probe_kernel(const float* a, const float* b, float* d) {
#ifdef SGDS_HAVE_TF32_TILES
  const int lane = threadIdx.x % 32, group = lane / 4, member = lane % 4;
  Fragment<false, 4> fa;
  Fragment<false, 2> fb;
  set_entry(fa, 0, a[group * 8 + member]);
  set_entry(fa, 1, a[(group + 8) * 8 + member]);
  set_entry(fa, 2, a[group * 8 + member + 4]);
  set_entry(fa, 3, a[(group + 8) * 8 + member + 4]);
  set_entry(fb, 0, b[member * 8 + group]);
  set_entry(fb, 1, b[(member + 4) * 8 + group]);
  float acc[4] = {};
  mma_tf32(acc, fa.hi, fb.hi);
  d[group * 8 + 2 * member] = acc[0];
  d[group * 8 + 2 * member + 1] = acc[1];
  d[(group + 8) * 8 + 2 * member] = acc[2];
  d[(group + 8) * 8 + 2 * member + 1] = acc[3];
#endif
}

}  // namespace chained

// Whether every tile the kernel copies starts on 16 bytes: each replica's block of W, D, A and X,
// and their leading dimensions (out for W and D, in for A and X). The trainer's buffers are (its
// replica blocks are 256-byte aligned); the tests also run unaligned problems, copied 4 bytes at a time.
bool tiles_are_16_byte_aligned(const FirstLayerStepArgs& a) {
  const auto aligned = [](const float* block, std::int64_t stride) {
    return reinterpret_cast<std::uintptr_t>(block) % 16 == 0 && stride % 4 == 0;
  };
  if (a.table != nullptr)  // gathered: rows of the table (in floats each) in place of X and A
    return a.out % 4 == 0 && a.in % 4 == 0 && aligned(a.parameters + a.weight_offset, a.stride) &&
           (a.held == 0 || aligned(a.deltas, a.deltas_stride)) && aligned(a.table, 0);
  const bool held_aligned =
      a.held == 0 || (aligned(a.deltas, a.deltas_stride) && aligned(a.inputs_held, a.inputs_held_stride));
  return a.out % 4 == 0 && a.in % 4 == 0 && aligned(a.parameters + a.weight_offset, a.stride) && held_aligned &&
         aligned(a.inputs, a.inputs_stride);
}

int device_attribute(cudaDeviceAttr attribute) {
  int device = 0, value = 0;
  SGDS_CUDA_CHECK(cudaGetDevice(&device));
  SGDS_CUDA_CHECK(cudaDeviceGetAttribute(&value, attribute, device));
  return value;
}

// Cached: the launcher may run inside a graph capture (first called by prepare, eagerly).
int compute_capability_major() {
  static const int major = device_attribute(cudaDevAttrComputeCapabilityMajor);
  return major;
}

}  // namespace

int first_layer_step_splits(int replicas, int out, int in) {
  // As many splits as fit in one wave of resident blocks (kBlocksPerMultiprocessor each), each
  // keeping at least four chunks: a second, partial wave costs more than the splits gain (H100,
  // K = 64: three splits, 2.9 waves, ran 5-8% slower than one, 0.97 waves).
  const int row_tiles = (out + kRows - 1) / kRows, chunks = (in + kChunk - 1) / kChunk;
  const long long blocks = static_cast<long long>(row_tiles) * replicas;
  const long long wanted = kBlocksPerMultiprocessor * device_attribute(cudaDevAttrMultiProcessorCount) / blocks;
  return static_cast<int>(std::clamp<long long>(wanted, 1, std::max(1, chunks / 4)));
}

std::size_t first_layer_step_workspace_floats(int replicas, int out, int count, int splits) {
  return splits > 1 ? static_cast<std::size_t>(splits) * replicas * out * count : 0;
}

namespace {
// Raises the chained kernel's shared-memory limit, in configuration C and both arithmetics, to its
// layout for `held` held columns and `count` samples.
template <class C>
void allow_chained_shared_memory(int held, int count) {
  const int bytes = chained::Layout(held, count, C::kStages).floats * static_cast<int>(sizeof(float));
  SGDS_CUDA_CHECK(cudaFuncSetAttribute(chained::first_layer_chained_kernel<FirstLayerArithmetic::tf32, C>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  SGDS_CUDA_CHECK(cudaFuncSetAttribute(chained::first_layer_chained_kernel<FirstLayerArithmetic::tf32x3, C>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
}
}  // namespace

void prepare_first_layer_step_kernels() {
  static const bool prepared = [] {
    (void)compute_capability_major();
    // The largest layout, so that no launch needs the attribute raised (not allowed during a
    // graph capture).
    const int bytes = SharedLayout(kFirstLayerStepMaxColumns, kFirstLayerStepMaxColumns, 2).floats * sizeof(float);
    SGDS_CUDA_CHECK(cudaFuncSetAttribute(first_layer_step_kernel<FirstLayerArithmetic::fp32>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
    SGDS_CUDA_CHECK(cudaFuncSetAttribute(first_layer_step_kernel<FirstLayerArithmetic::tf32>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
    SGDS_CUDA_CHECK(cudaFuncSetAttribute(first_layer_step_kernel<FirstLayerArithmetic::tf32x3>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
    // The chained kernels, each configuration for both arithmetics, with its largest layout.
    allow_chained_shared_memory<chained::SmallBatches>(32, 32);
    allow_chained_shared_memory<chained::TwoHeldSmallBatches>(64, 32);
    allow_chained_shared_memory<chained::LargeBatches>(kFirstLayerStepMaxColumns, kFirstLayerStepMaxColumns);
    return true;
  }();
  (void)prepared;
}

namespace {

// The chained kernel in the configuration of the batch (launch_chained picks it).
template <class C>
void launch_chained_with(const KernelArgs& a, CUstream_st* stream) {
  const std::size_t shared_bytes =
      static_cast<std::size_t>(chained::Layout(a.held, a.count, C::kStages).floats) * sizeof(float);
  // grid: one block per kRows rows of each replica's W
  const dim3 grid(static_cast<unsigned>((a.out + chained::kRows - 1) / chained::kRows),
                  static_cast<unsigned>(a.replicas));
  if (a.arithmetic == FirstLayerArithmetic::tf32)
    chained::first_layer_chained_kernel<FirstLayerArithmetic::tf32, C>
        <<<grid, chained::kThreads, shared_bytes, stream>>>(a);
  else
    chained::first_layer_chained_kernel<FirstLayerArithmetic::tf32x3, C>
        <<<grid, chained::kThreads, shared_bytes, stream>>>(a);
  SGDS_CUDA_CHECK(cudaGetLastError());
}
void launch_chained(const FirstLayerStepArgs& args, CUstream_st* stream) {
  if (args.arithmetic == FirstLayerArithmetic::fp32)
    throw std::invalid_argument(
        "first-layer step kernel: the chained kernel multiplies on tensor cores (tf32 or "
        "tf32x3), not in fp32");
  if (args.table != nullptr && (args.input_indices == nullptr || (args.held > 0 && args.held_indices == nullptr)))
    throw std::invalid_argument("first-layer step kernel: gathered batches need their row indices");
  if (args.head_classes > 0 && args.head_partials == nullptr)
    throw std::invalid_argument("first-layer step kernel: the head's partial products need their buffer");
  KernelArgs a;
  static_cast<FirstLayerStepArgs&>(a) = args;
  a.vectors = tiles_are_16_byte_aligned(args);
  if (args.count <= 32 && args.held <= 32) launch_chained_with<chained::SmallBatches>(a, stream);
  else if (args.count <= 32 && args.held <= 64) launch_chained_with<chained::TwoHeldSmallBatches>(a, stream);
  else launch_chained_with<chained::LargeBatches>(a, stream);
}

}  // namespace

void launch_first_layer_step(const FirstLayerStepArgs& args, float* workspace, int splits, CUstream_st* stream) {
  prepare_first_layer_step_kernels();
  if (args.count < 1 || args.count > kFirstLayerStepMaxColumns || args.held < 0 ||
      args.held > kFirstLayerStepMaxColumns)
    throw std::invalid_argument("first-layer step kernel: count and held must lie in [1, 128] and [0, 128]");
  if (args.arithmetic != FirstLayerArithmetic::fp32 && compute_capability_major() < 8)
    throw std::invalid_argument("first-layer step kernel: tf32 tiles need a device of compute capability 8.0 or later");
  if (args.kernel == FirstLayerStepKernel::chained) {
    launch_chained(args, stream);
    return;
  }
  if (args.table != nullptr || !args.store_stepped || args.head_classes > 0)
    throw std::invalid_argument(
        "first-layer step kernel: only the chained kernel gathers its batches, leaves W "
        "unstored or forms the head's partial products");
  if (splits > 1 && workspace == nullptr)
    throw std::invalid_argument("first-layer step kernel: column splits need a workspace");
  const int stages =
      SharedLayout(args.held, args.count, 2).floats * static_cast<int>(sizeof(float)) <= kMaxSharedBytesForTwoStages
          ? 2
          : 1;
  const SharedLayout layout(args.held, args.count, stages);
  KernelArgs a;
  static_cast<FirstLayerStepArgs&>(a) = args;
  a.stages = stages;
  a.vectors = tiles_are_16_byte_aligned(args);
  const int chunks = (args.in + kChunk - 1) / kChunk;
  splits = std::clamp(splits, 1, chunks);
  a.chunks_per_split = (chunks + splits - 1) / splits;
  splits = (chunks + a.chunks_per_split - 1) / a.chunks_per_split;  // no empty split
  a.splits = splits;
  if (splits > 1) a.z = workspace;
  const std::size_t shared_bytes = static_cast<std::size_t>(layout.floats) * sizeof(float);
  const dim3 grid(static_cast<unsigned>((args.out + kRows - 1) / kRows), static_cast<unsigned>(args.replicas),
                  static_cast<unsigned>(splits));
  switch (args.arithmetic) {
    case FirstLayerArithmetic::fp32:
      first_layer_step_kernel<FirstLayerArithmetic::fp32><<<grid, kThreads, shared_bytes, stream>>>(a);
      break;
    case FirstLayerArithmetic::tf32:
      first_layer_step_kernel<FirstLayerArithmetic::tf32><<<grid, kThreads, shared_bytes, stream>>>(a);
      break;
    case FirstLayerArithmetic::tf32x3:
      first_layer_step_kernel<FirstLayerArithmetic::tf32x3><<<grid, kThreads, shared_bytes, stream>>>(a);
      break;
  }
  SGDS_CUDA_CHECK(cudaGetLastError());
  if (splits > 1) {
    const int entries = args.out * args.count;
    const dim3 sum_grid(static_cast<unsigned>(std::clamp((entries + kThreads - 1) / kThreads, 1, 64)),
                        static_cast<unsigned>(args.replicas));
    sum_column_splits_kernel<<<sum_grid, kThreads, 0, stream>>>(workspace, splits, args.replicas, args.out, args.count,
                                                                args.parameters, args.stride, args.bias_offset,
                                                                args.relu, args.z, args.z_stride);
    SGDS_CUDA_CHECK(cudaGetLastError());
  }
}

namespace {
// A device copy of `host` (at least one element allocated), for the test harnesses below.
template <class T>
T* upload(const std::vector<T>& host) {
  T* device = nullptr;
  SGDS_CUDA_CHECK(cudaMalloc(&device, std::max<std::size_t>(host.size(), 1) * sizeof(T)));
  if (!host.empty()) SGDS_CUDA_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return device;
}
}  // namespace

std::vector<float> tf32_mma_on_device(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != 16 * 8 || b.size() != 8 * 8) throw std::invalid_argument("tf32_mma_on_device: a is 16 x 8, b 8 x 8");
  if (compute_capability_major() < 8) throw std::invalid_argument("tf32_mma_on_device: needs compute capability 8.0");
  float *a_device = nullptr, *b_device = nullptr, *d_device = nullptr;
  std::vector<float> d(16 * 8, -1.0f);
  std::exception_ptr failure;
  try {
    a_device = upload(a);
    b_device = upload(b);
    d_device = upload(d);
    chained::mma_layout_probe_kernel<<<1, 32, 0, nullptr>>>(a_device, b_device, d_device);
    SGDS_CUDA_CHECK(cudaGetLastError());
    SGDS_CUDA_CHECK(cudaDeviceSynchronize());
    SGDS_CUDA_CHECK(cudaMemcpy(d.data(), d_device, d.size() * sizeof(float), cudaMemcpyDeviceToHost));
  } catch (...) {
    failure = std::current_exception();
  }
  for (float* buffer : {a_device, b_device, d_device}) cudaFree(buffer);
  if (failure) std::rethrow_exception(failure);
  return d;
}

std::vector<float> first_layer_step_on_device(FirstLayerStepProblem& p, FirstLayerArithmetic arithmetic, int splits,
                                              FirstLayerStepKernel kernel) {
  const std::size_t K = static_cast<std::size_t>(p.replicas), out = static_cast<std::size_t>(p.out),
                    in = static_cast<std::size_t>(p.in), held = static_cast<std::size_t>(p.held),
                    count = static_cast<std::size_t>(p.count);
  if (p.parameters.size() != K * p.stride || p.deltas.size() != K * out * held ||
      p.inputs_held.size() != K * in * held || p.inputs.size() != K * in * count)
    throw std::invalid_argument("first_layer_step_on_device: array sizes disagree with the shape");
  const bool gathered = !p.table.empty();
  if (gathered &&
      (p.table.size() % in != 0 || p.input_indices.size() != K * count || p.held_indices.size() != K * held))
    throw std::invalid_argument("first_layer_step_on_device: gathered batch sizes disagree with the shape");
  float* parameters = upload(p.parameters);
  float* deltas = upload(p.deltas);
  float* inputs_held = upload(p.inputs_held);
  float* inputs = upload(p.inputs);
  float* z = upload(std::vector<float>(K * out * count, -1.0f));
  float* workspace = upload(std::vector<float>(first_layer_step_workspace_floats(p.replicas, p.out, p.count, splits)));
  float* table = upload(p.table);
  std::uint32_t* input_indices = upload(p.input_indices);
  std::uint32_t* held_indices = upload(p.held_indices);
  FirstLayerStepArgs args;
  args.replicas = p.replicas;
  args.out = p.out;
  args.in = p.in;
  args.held = p.held;
  args.count = p.count;
  args.eta = p.eta;
  args.relu = p.relu;
  args.arithmetic = arithmetic;
  args.parameters = parameters;
  args.stride = static_cast<std::int64_t>(p.stride);
  args.weight_offset = p.weight_offset;
  args.bias_offset = p.bias_offset;
  args.deltas = deltas;
  args.deltas_stride = static_cast<std::int64_t>(out * held);
  args.inputs_held = inputs_held;
  args.inputs_held_stride = static_cast<std::int64_t>(in * held);
  args.inputs = inputs;
  args.inputs_stride = static_cast<std::int64_t>(in * count);
  args.z = z;
  args.z_stride = static_cast<std::int64_t>(out * count);
  args.kernel = kernel;
  args.store_stepped = p.store_stepped;
  const std::size_t partial_floats = K * static_cast<std::size_t>(first_layer_chained_row_blocks(p.out)) * count *
                                     static_cast<std::size_t>(p.head_classes);
  float* head_partials = upload(std::vector<float>(partial_floats, -1.0f));
  if (p.head_classes > 0) {
    args.head_classes = p.head_classes;
    args.head_weight_offset = p.head_weight_offset;
    args.head_bias_offset = p.head_bias_offset;
    args.head_partials = head_partials;
  }
  if (gathered) {  // X and A only by their rows of the table
    args.inputs = args.inputs_held = nullptr;
    args.table = table;
    args.input_indices = input_indices;
    args.input_indices_stride = static_cast<std::int64_t>(count);
    args.held_indices = held_indices;
    args.held_indices_stride = static_cast<std::int64_t>(held);
  }
  std::vector<float> result(K * out * count);
  std::exception_ptr failure;  // rethrown as it was, after the buffers are freed
  try {
    launch_first_layer_step(args, workspace, splits, nullptr);
    SGDS_CUDA_CHECK(cudaDeviceSynchronize());
    SGDS_CUDA_CHECK(
        cudaMemcpy(p.parameters.data(), parameters, p.parameters.size() * sizeof(float), cudaMemcpyDeviceToHost));
    SGDS_CUDA_CHECK(cudaMemcpy(result.data(), z, result.size() * sizeof(float), cudaMemcpyDeviceToHost));
    p.head_partials.assign(partial_floats, 0.0f);
    if (partial_floats > 0)
      SGDS_CUDA_CHECK(
          cudaMemcpy(p.head_partials.data(), head_partials, partial_floats * sizeof(float), cudaMemcpyDeviceToHost));
  } catch (...) {
    failure = std::current_exception();
  }
  for (float* buffer : {parameters, deltas, inputs_held, inputs, z, workspace, table, head_partials}) cudaFree(buffer);
  for (std::uint32_t* buffer : {input_indices, held_indices}) cudaFree(buffer);
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace sgds::nn::cuda
