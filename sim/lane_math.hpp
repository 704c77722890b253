#pragma once
// Elementary functions written in plain IEEE arithmetic (+, -, *, /, sqrt, bit operations), so
// that loops over trajectory lanes vectorise (libm calls do not) and give the same bits on every
// x86-64 level (SSE2, AVX2, AVX-512): the build keeps floating-point contraction off, so no FMA
// is fused behind our back. Accuracy: a few ulp against libm over the ranges used (tests). The
// CUDA engine calls the same functions (SGDS_HD; nvcc -fmad=false keeps the bits).
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"

namespace sgds::lanes {

// Round to the nearest integer (ties to even) for |y| < 2^51: adding 1.5 * 2^52 leaves no
// fraction bits. The low bits of the sum hold the integer modulo 4 (see quarter_turn_bits).
inline constexpr double kRoundMagic = 6755399441055744.0;

SGDS_HD_INLINE double round_nearest(double y) { return (y + kRoundMagic) - kRoundMagic; }

// sin(2 pi t) and cos(2 pi t) for |t| < 2^49. t = k/4 + r with |r| <= 1/8 exactly; Taylor
// polynomials on |2 pi r| <= pi/4 (truncation < 5e-17), then a quarter-turn rotation by k mod 4.
SGDS_HD_INLINE void sincos_turns(double t, double& sine, double& cosine) {
  const double shifted = 4.0 * t + kRoundMagic;
  const std::uint64_t quarter = std::bit_cast<std::uint64_t>(shifted) & 3u;  // k mod 4
  const double k = shifted - kRoundMagic;
  const double r = t - 0.25 * k;
  const double theta = r * 6.283185307179586476925;
  const double z = theta * theta;
  const double sp =
      theta *
      (1.0 + z * (-1.0 / 6.0 +
                  z * (1.0 / 120.0 +
                       z * (-1.0 / 5040.0 +
                            z * (1.0 / 362880.0 +
                                 z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0 + z * (-1.0 / 1307674368000.0))))))));
  const double cp =
      1.0 +
      z * (-0.5 + z * (1.0 / 24.0 +
                       z * (-1.0 / 720.0 +
                            z * (1.0 / 40320.0 + z * (-1.0 / 3628800.0 +
                                                      z * (1.0 / 479001600.0 + z * (-1.0 / 87178291200.0 +
                                                                                    z * (1.0 / 20922789888000.0))))))));
  // Quarter-turn rotation with integer masks, not branches or selects, so every level vectorises:
  // odd k swaps sine and cosine; the sign bits flip for k mod 4 in {2, 3} (sine), {1, 2} (cosine).
  const std::uint64_t odd_mask = 0u - (quarter & 1u);
  const std::uint64_t sp_bits = std::bit_cast<std::uint64_t>(sp), cp_bits = std::bit_cast<std::uint64_t>(cp);
  const std::uint64_t sine_bits = (cp_bits & odd_mask) | (sp_bits & ~odd_mask);
  const std::uint64_t cosine_bits = (sp_bits & odd_mask) | (cp_bits & ~odd_mask);
  sine = std::bit_cast<double>(sine_bits ^ ((quarter & 2u) << 62));
  cosine = std::bit_cast<double>(cosine_bits ^ (((quarter + 1u) & 2u) << 62));
}

SGDS_HD_INLINE double sin_turns(double t) {
  double s, c;
  sincos_turns(t, s, c);
  return s;
}

// Natural logarithm of a positive normal double. u = 2^e m with m in [sqrt(1/2), sqrt(2));
// log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716, series to s^21 (truncation < 1e-18).
SGDS_HD_INLINE double log_positive(double u) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(u);
  std::uint64_t mantissa_bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  // m above sqrt(2): halve it and add one to the exponent (integer arithmetic, no selects).
  const std::uint64_t high = (0x3FF6A09E667F3BCDull - mantissa_bits) >> 63;
  mantissa_bits -= high << 52;
  const std::uint64_t exponent_bits = (bits >> 52) + high;
  const double m = std::bit_cast<double>(mantissa_bits);
  // Exponent as a double without an int->double conversion (which SSE2/AVX2 cannot vectorise).
  const double e = std::bit_cast<double>(exponent_bits | 0x4330000000000000ull) - (4503599627370496.0 + 1023.0);
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  const double series =
      1.0 +
      z * (1.0 / 3.0 +
           z * (1.0 / 5.0 +
                z * (1.0 / 7.0 +
                     z * (1.0 / 9.0 +
                          z * (1.0 / 11.0 +
                               z * (1.0 / 13.0 +
                                    z * (1.0 / 15.0 + z * (1.0 / 17.0 + z * (1.0 / 19.0 + z * (1.0 / 21.0))))))))));
  constexpr double ln2_hi = 0.693147180369123816490;  // 32 significant bits: e * ln2_hi is exact
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  return e * ln2_hi + (e * ln2_lo + 2.0 * s * series);
}

}  // namespace sgds::lanes
