// The random streams: Philox4x32-10 known answers, variate ranges and moments, and independence
// from the thread count.
#include <catch2/catch.hpp>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.hpp"

using namespace sgds;

TEST_CASE("Philox4x32-10 matches Random123's published known-answer vectors") {
  // kat_vectors of the Random123 distribution: counter, key -> output.
  struct Kat {
    std::uint32_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& k : kats) {
    // Through our keying: seed = key[0], trajectory = key[1], draw = ctr[0], step = ctr[1] | ctr[2] << 32,
    // purpose = ctr[3].
    const std::uint64_t step = k.ctr[1] | (static_cast<std::uint64_t>(k.ctr[2]) << 32);
    const RandomBlock r = philox_block(k.key[0], k.key[1], step, k.ctr[0], static_cast<StreamPurpose>(k.ctr[3]));
    for (int i = 0; i < 4; ++i) CHECK(r.v[i] == k.out[i]);
  }
}

TEST_CASE("uniforms lie strictly inside the open unit interval even at the extreme words") {
  CHECK(uniform_open01(0, 0) > 0.0);
  CHECK(uniform_open01(0xffffffff, 0xffffffff) < 1.0);
  CHECK(uniform_open01f(0) > 0.0f);
  CHECK(uniform_open01f(0xffffffff) < 1.0f);
}

TEST_CASE("normals have mean 0 and variance 1 within 5 standard errors") {
  const int n = 200000;
  double sum = 0, sum2 = 0, sum4 = 0;
  for (int i = 0; i < n / 2; ++i) {
    RandomStream s(7, static_cast<std::uint32_t>(i), 3, StreamPurpose::user);
    for (int j = 0; j < 2; ++j) {
      const double z = s.normal();
      sum += z;
      sum2 += z * z;
      sum4 += z * z * z * z;
    }
  }
  const double mean = sum / n, second = sum2 / n, fourth = sum4 / n;
  CHECK(std::fabs(mean) <= 5.0 / std::sqrt(n));
  CHECK(std::fabs(second - 1.0) <= 5.0 * std::sqrt(2.0 / n));   // Var(z^2) = 2
  CHECK(std::fabs(fourth - 3.0) <= 5.0 * std::sqrt(96.0 / n));  // Var(z^4) = 105 - 9
}

TEST_CASE("below(n) is uniform: chi-square within its 5-sigma band") {
  const std::uint32_t n = 7;
  const int draws = 70000;
  std::vector<int> counts(n, 0);
  RandomStream s(1, 2, 3, StreamPurpose::user);
  for (int i = 0; i < draws; ++i) {
    const std::uint32_t k = s.below(n);
    REQUIRE(k < n);
    ++counts[k];
  }
  double chi2 = 0;
  const double expected = static_cast<double>(draws) / n;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // chi-square with 6 dof: mean 6, sd sqrt(12).
  CHECK(chi2 <= 6.0 + 5.0 * std::sqrt(12.0));
}

TEST_CASE("streams differ by seed or trajectory or step or draw or purpose") {
  const RandomBlock base = philox_block(1, 2, 3, 4, StreamPurpose::gradient_noise);
  auto differs = [&](const RandomBlock& other) { return std::memcmp(base.v, other.v, sizeof base.v) != 0; };
  CHECK(differs(philox_block(2, 2, 3, 4, StreamPurpose::gradient_noise)));
  CHECK(differs(philox_block(1, 3, 3, 4, StreamPurpose::gradient_noise)));
  CHECK(differs(philox_block(1, 2, 3 + (std::uint64_t{1} << 32), 4, StreamPurpose::gradient_noise)));
  CHECK(differs(philox_block(1, 2, 3, 5, StreamPurpose::gradient_noise)));
  CHECK(differs(philox_block(1, 2, 3, 4, StreamPurpose::initial_point)));
}

TEST_CASE("a trajectory's stream does not depend on the thread that draws it") {
  const int trajectories = 4096, per = 16;
  auto draw_all = [&](int threads) {
    std::vector<double> out(static_cast<std::size_t>(trajectories * per));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 7)
    for (int i = 0; i < trajectories; ++i) {
      RandomStream s(99, static_cast<std::uint32_t>(i), 12, StreamPurpose::gradient_noise);
      for (int j = 0; j < per; ++j) out[static_cast<std::size_t>(i * per + j)] = s.normal();
    }
    return out;
  };
  const auto one = draw_all(1), two = draw_all(2), three = draw_all(3);
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
  CHECK(std::memcmp(one.data(), three.data(), one.size() * sizeof(double)) == 0);
}
