#pragma once
// Single-precision elementary functions for the float32 engine path (sim/float_step.hpp), written
// with IEEE operations only: +, -, *, sqrtf, bit operations, and explicit fmaf. Each of these is
// correctly rounded on x86-64 and on the GPU, so the CPU reference and the CUDA kernel produce the
// same bits (the builds never contract a * b + c on their own: -ffp-contract=off, nvcc -fmad=false;
// the fmaf calls are the only fused operations, and they are fused on both sides). No libm or SFU
// calls (__sinf, __logf): those round differently per device.
//
// Polynomials: least-squares fits on Chebyshev nodes made with numpy, coefficients rounded to
// float; each function's comment says which function was fitted on which interval. Measured accuracy over the ranges used
// (tests/test_float_path.cpp re-measures it against double-precision libm):
//   sin_turns_f      |error| <= 2e-7 for |t| < 2^20   (half-turn reduction, degree 9 odd)
//   sincos_turns_f   |error| <= 1e-7                  (quarter-turn reduction, degrees 7 and 6)
//   log2_unit_f      |relative error| <= 2e-7 on (0, 1)
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"

namespace sgds::floatpath {

// Adding 1.5 * 2^23 to a float of magnitude below 2^22 leaves no fraction bits: the sum's low
// mantissa bits hold the rounded integer (ties to even) modulo 2^22, two's complement.
inline constexpr float kRoundMagicF = 12582912.0f;

// Largest |t| for which the turn-based sines below reduce their argument exactly; the float path
// freezes a trajectory as diverged beyond this (its divergence bound may not exceed it).
inline constexpr float kMaxTurnArgument = 1048576.0f;  // 2^20

// Uniform in (0, 1) from one word: (w >> 9 + 1/2) 2^-23, the value of uniform_open01f in
// core/rng.hpp, built from bits (1 + m 2^-23, minus 1, plus 2^-24: every step exact) because an
// int -> float conversion runs at a quarter of the GPU's float rate.
SGDS_HD_INLINE float uniform_from_word_f(std::uint32_t w) {
  const float one_plus = std::bit_cast<float>(0x3F800000u | (w >> 9));
  return (one_plus - 1.0f) + 0x1.0p-24f;
}

// sin(2 pi t), |t| < 2^20: t = k/2 + r exactly with |r| <= 1/4, sin(2 pi t) = (-1)^k sin(2 pi r),
// sin(2 pi r) = r P(r^2). Fit: sin(2 pi r)/r on [0, 1/4], degree 4 in r^2.
SGDS_HD_INLINE float sin_turns_f(float t) {
  const float shifted = 2.0f * t + kRoundMagicF;
  const std::uint32_t odd = std::bit_cast<std::uint32_t>(shifted) & 1u;
  const float k = shifted - kRoundMagicF;
  const float r = t - 0.5f * k;
  const float z = r * r;
  float p = 39.8099250793457f;
  p = fmaf(p, z, -76.5878677368164f);
  p = fmaf(p, z, 81.60276794433594f);
  p = fmaf(p, z, -41.3416862487793f);
  p = fmaf(p, z, 6.2831854820251465f);
  const float s = r * p;
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(s) ^ (odd << 31));
}

// sin(2 pi t) and cos(2 pi t) for |t| < 2^20 (Box-Muller's angle, t in (0, 1)): t = k/4 + r
// exactly with |r| <= 1/8; sin(2 pi r) = r S(r^2) (degree 3 in r^2), cos(2 pi r) = C(r^2)
// (degree 3, constant term 1); then the quarter-turn rotation by k mod 4.
SGDS_HD_INLINE void sincos_turns_f(float t, float& sine, float& cosine) {
  const float shifted = 4.0f * t + kRoundMagicF;
  const std::uint32_t quarter = std::bit_cast<std::uint32_t>(shifted) & 3u;
  const float k = shifted - kRoundMagicF;
  const float r = t - 0.25f * k;
  const float z = r * r;
  float sp = -75.43895721435547f;
  sp = fmaf(sp, z, 81.593505859375f);
  sp = fmaf(sp, z, -41.341670989990234f);
  sp = fmaf(sp, z, 6.2831854820251465f);
  sp = r * sp;
  float cp = -83.64522552490234f;
  cp = fmaf(cp, z, 64.922607421875f);
  cp = fmaf(cp, z, -19.73916244506836f);
  cp = fmaf(cp, z, 1.0f);
  // Odd k swaps sine and cosine; the sign flips for k mod 4 in {2, 3} (sine), {1, 2} (cosine).
  const bool odd = (quarter & 1u) != 0;
  const float s = odd ? cp : sp;
  const float c = odd ? sp : cp;
  sine = std::bit_cast<float>(std::bit_cast<std::uint32_t>(s) ^ ((quarter & 2u) << 30));
  cosine = std::bit_cast<float>(std::bit_cast<std::uint32_t>(c) ^ (((quarter + 1u) & 2u) << 30));
}

// log2(u) for u in (0, 1) a normal float: u = 2^e m with m in [sqrt(1/2), sqrt(2)),
// log2(m) = f Q(f), f = m - 1 (fit: log2(1 + f)/f on [sqrt(1/2) - 1, sqrt(2) - 1], degree 8).
SGDS_HD_INLINE float log2_unit_f(float u) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(u);
  std::uint32_t mantissa_bits = (bits & 0x007FFFFFu) | 0x3F800000u;
  // m above sqrt(2): halve it and add one to the exponent (integer arithmetic, no branch).
  const std::uint32_t high = (0x3FB504F3u - mantissa_bits) >> 31;
  mantissa_bits -= high << 23;
  const std::uint32_t biased_exponent = (bits >> 23) + high;
  // The exponent as a float without an int -> float conversion: 2^23 + E, minus 2^23 + 127.
  const float e = std::bit_cast<float>(0x4B000000u | biased_exponent) - 8388735.0f;
  const float f = std::bit_cast<float>(mantissa_bits) - 1.0f;
  float q = 0.12614846229553223f;
  q = fmaf(q, f, -0.20742103457450867f);
  q = fmaf(q, f, 0.21566985547542572f);
  q = fmaf(q, f, -0.23892034590244293f);
  q = fmaf(q, f, 0.2879183292388916f);
  q = fmaf(q, f, -0.36070483922958374f);
  q = fmaf(q, f, 0.48091059923171997f);
  q = fmaf(q, f, -0.7213473320007324f);
  q = fmaf(q, f, 1.4426950216293335f);
  return fmaf(f, q, e);
}

// Two standard normals from two words (Box-Muller): radius sqrt(-2 ln u1), angle 2 pi u2.
SGDS_HD_INLINE void normal_pair_f(std::uint32_t w1, std::uint32_t w2, float& z0, float& z1) {
  const float u1 = uniform_from_word_f(w1);
  const float u2 = uniform_from_word_f(w2);
  const float radius = sqrtf(-1.3862943611198906f * log2_unit_f(u1));  // -2 ln 2 log2(u1)
  float s, c;
  sincos_turns_f(u2, s, c);
  z0 = radius * c;
  z1 = radius * s;
}

}  // namespace sgds::floatpath
