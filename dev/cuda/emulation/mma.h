#pragma once
// The wmma API (nvcuda::wmma) emulated for tests/cuda_emulation: lane 0 of each warp holds the
// whole tile, element (i, j) at x[i + j * rows], and does the warp's loads, products and stores;
// the other lanes' fragments stay zero and their calls do nothing. (The hardware spreads a tile
// over the lanes in an unspecified layout, so kernel code may only combine fragments element-wise
// when they have the same shape and layout, which holds here too.) Lane 0 runs its whole stretch
// between two __syncthreads before the warp's other lanes (cuda_runtime.h here), so its stores
// never overtake their loads. A warp that reads back its own tile store before a __syncthreads
// would read it correctly on lane 0 only. __float_to_tf32 rounds as cvt.rna.tf32.f32 does.
#include <cstdint>
#include <type_traits>

#include "cuda_runtime.h"
#include "sim/nn/matmul_precision.hpp"

namespace nvcuda::wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
  static constexpr int rows = std::is_same_v<Use, matrix_b> ? K : M;
  static constexpr int cols = std::is_same_v<Use, matrix_a> ? K : N;
  static constexpr int num_elements = rows * cols;
  float x[num_elements] = {};
};

inline bool tile_lane() { return threadIdx.x % 32 == 0; }

template <class Use, int M, int N, int K, class T, class Layout>
void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const float* p, unsigned ldm) {
  using F = fragment<Use, M, N, K, T, Layout>;
  if (!tile_lane()) return;
  for (int i = 0; i < F::rows; ++i)
    for (int j = 0; j < F::cols; ++j)
      f.x[i + j * F::rows] = std::is_same_v<Layout, col_major> ? p[i + j * ldm] : p[i * ldm + j];
}
template <int M, int N, int K>
void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const float* p, unsigned ldm, layout_t layout) {
  if (!tile_lane()) return;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) f.x[i + j * M] = layout == mem_col_major ? p[i + j * ldm] : p[i * ldm + j];
}
template <int M, int N, int K>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
  if (!tile_lane()) return;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) (layout == mem_col_major ? p[i + j * ldm] : p[i * ldm + j]) = f.x[i + j * M];
}
template <int M, int N, int K>
void fill_fragment(fragment<accumulator, M, N, K, float>& f, float value) {
  if (!tile_lane()) return;
  for (float& x : f.x) x = value;
}
// d = a b + c, each sum over k in order from c's entry.
template <int M, int N, int K, class T, class LayoutA, class LayoutB>
void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, T, LayoutA>& a,
              const fragment<matrix_b, M, N, K, T, LayoutB>& b, const fragment<accumulator, M, N, K, float>& c) {
  if (!tile_lane()) return;
  fragment<accumulator, M, N, K, float> result;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float sum = c.x[i + j * M];
      for (int k = 0; k < K; ++k) sum += a.x[i + k * M] * b.x[k + j * K];
      result.x[i + j * M] = sum;
    }
  d = result;
}
inline float __float_to_tf32(float x) { return sgds::nn::round_to_tf32(x); }
}  // namespace nvcuda::wmma

namespace cuda_emulation {
// The warp's tensor-core product mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32, d += a b, with
// the fragment layouts of the PTX ISA (lane = 4 group + member): A (16 x 8) a0 (group, member),
// a1 (group + 8, member), a2 (group, member + 4), a3 (group + 8, member + 4); B (8 x 8) b0
// (member, group), b1 (member + 4, group); C and D (16 x 8) d0 (group, 2 member), d1 (group,
// 2 member + 1), d2 (group + 8, 2 member), d3 (group + 8, 2 member + 1). Unlike the wmma API above,
// these layouts are the hardware's, so a kernel that mixes them up fails here too. The operands
// are read as the hardware reads them, the upper 19 bits (tf32); each sum is taken in k order
// from d's entry, in float (the hardware's order and its truncating accumulation differ).
// Every lane of the warp must call it together.
inline void mma_m16n8k8_tf32(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
  std::uint32_t(*slots)[6] = block->mma_operands;
  const unsigned t = threadIdx.x, warp_first = t - t % 32, lane = t % 32;
  for (int i = 0; i < 4; ++i) slots[t][i] = a[i];
  slots[t][4] = b[0];
  slots[t][5] = b[1];
  warp_sync();
  const auto tf32 = [](std::uint32_t bits) { return __uint_as_float(bits & 0xffffe000u); };
  const auto a_entry = [&](int row, int k) {
    return tf32(slots[warp_first + 4 * (row % 8) + k % 4][(row >= 8 ? 1 : 0) + (k >= 4 ? 2 : 0)]);
  };
  const auto b_entry = [&](int k, int col) { return tf32(slots[warp_first + 4 * col + k % 4][4 + (k >= 4 ? 1 : 0)]); };
  const int group = static_cast<int>(lane / 4), member = static_cast<int>(lane % 4);
  for (int i = 0; i < 4; ++i) {
    const int row = group + (i >= 2 ? 8 : 0), col = 2 * member + i % 2;
    float sum = d[i];
    for (int k = 0; k < 8; ++k) sum += a_entry(row, k) * b_entry(k, col);
    d[i] = sum;
  }
  warp_sync();  // no lane overwrites its slots before every lane has read them
}
}  // namespace cuda_emulation
