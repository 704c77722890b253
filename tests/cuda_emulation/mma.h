#pragma once
// The wmma API (nvcuda::wmma) emulated for tests/cuda_emulation: lane 0 of each warp holds the
// whole tile, element (i, j) at x[i + j * rows], and does the warp's loads, products and stores;
// the other lanes' fragments stay zero and their calls do nothing. (The hardware spreads a tile
// over the lanes in an unspecified layout, so kernel code may only combine fragments element-wise
// when they have the same shape and layout, which holds here too.) Lane 0 runs its whole stretch
// between two __syncthreads before the warp's other lanes (cuda_runtime.h here), so its stores
// never overtake their loads. A warp that reads back its own tile store before a __syncthreads
// would read it correctly on lane 0 only. __float_to_tf32 rounds as cvt.rna.tf32.f32 does.
#include <type_traits>

#include "cuda_runtime.h"
#include "sim/nn/first_layer_step.hpp"

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
