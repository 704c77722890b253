// Back-propagation against central finite differences, in double precision, for the MLP and
// the CNN (every layer kind), on a random batch with random parameters; the batched full-gradient
// norm against one double-precision batch of the whole set.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <numeric>

#include "sim/nn/batch.hpp"
#include "sim/nn/full_gradient.hpp"
#include "sim/nn/network.hpp"
#include "core/rng.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

Dataset random_images(int channels, int height, int width, int classes, int n, std::uint32_t seed) {
  Dataset set;
  set.channels = channels;
  set.height = height;
  set.width = width;
  set.classes = classes;
  RandomStream stream(seed, 0, 0, StreamPurpose::user);
  for (std::size_t j = 0; j < static_cast<std::size_t>(n) * set.features(); ++j)
    set.pixels.push_back(static_cast<float>(stream.normal()));
  for (int i = 0; i < n; ++i)
    set.labels.push_back(static_cast<std::int32_t>(stream.below(static_cast<std::uint32_t>(classes))));
  return set;
}

// Largest |analytic - numeric| / max(1e-3, |numeric|) over a spread of coordinates.
// `mutate` may corrupt the analytic gradient (the mutant tests) before the comparison.
template <class Mutate = void (*)(const Architecture&, std::vector<double>&)>
double worst_relative_error(
    const Architecture& arch, const Dataset& set, Mutate mutate = [](const Architecture&, std::vector<double>&) {}) {
  Network<double> net(arch);
  std::vector<double> w(arch.parameter_count);
  initialise_parameters(arch, 7, 0, w.data());
  // Non-zero biases so that their gradients are exercised away from the initial point.
  RandomStream jitter(7, 0, 0, StreamPurpose::user);
  for (auto& v : w) v += 0.05 * jitter.normal();
  std::vector<std::uint32_t> idx(set.size());
  std::iota(idx.begin(), idx.end(), 0u);
  Matrix<double> x;
  std::vector<std::int32_t> y;
  gather_batch(set, arch, idx.data(), static_cast<int>(idx.size()), x, y);
  std::vector<double> g(w.size());
  net.run(w.data(), x, y.data(), g.data());
  mutate(arch, g);
  const double n = static_cast<double>(set.size());
  double worst = 0.0;
  const std::size_t stride = std::max<std::size_t>(1, w.size() / 150);
  // Always include the last coordinates (the head bias) in the spread.
  std::vector<std::size_t> coordinates;
  for (std::size_t j = 0; j < w.size(); j += stride) coordinates.push_back(j);
  for (std::size_t j = w.size() - 3; j < w.size(); ++j) coordinates.push_back(j);
  for (const std::size_t j : coordinates) {
    const double h = 1e-5, saved = w[j];
    w[j] = saved + h;
    const double up = net.run(w.data(), x, y.data(), nullptr).loss_sum / n;
    w[j] = saved - h;
    const double down = net.run(w.data(), x, y.data(), nullptr).loss_sum / n;
    w[j] = saved;
    const double numeric = (up - down) / (2 * h);
    worst = std::max(worst, std::abs(g[j] - numeric) / std::max(1e-3, std::abs(numeric)));
  }
  return worst;
}

}  // namespace

TEST_CASE("MLP gradient matches central differences") {
  const Dataset set = random_images(1, 4, 5, 3, 6, 11);
  const Architecture arch = Architecture::mlp(1, 4, 5, {7, 5}, 3);
  REQUIRE(arch.parameter_count == (20 * 7 + 7) + (7 * 5 + 5) + (5 * 3 + 3));
  CHECK(worst_relative_error(arch, set) < 1e-5);
}

TEST_CASE("CNN gradient matches central differences") {
  const Dataset set = random_images(2, 8, 8, 4, 3, 12);
  const Architecture arch = Architecture::cnn(2, 8, 8, {3, 4}, 3, 4);
  CHECK(worst_relative_error(arch, set) < 1e-5);
}

TEST_CASE("The check fails for a gradient with one layer's bias gradient dropped") {
  const Dataset set = random_images(1, 4, 5, 3, 6, 11);
  const Architecture arch = Architecture::mlp(1, 4, 5, {7}, 3);
  const auto drop_head_bias = [](const Architecture& a, std::vector<double>& g) {
    const Layer& head = a.layers.back();
    for (std::size_t j = head.param_count - static_cast<std::size_t>(head.out_size); j < head.param_count; ++j)
      g[head.param_offset + j] = 0.0;
  };
  CHECK(worst_relative_error(arch, set, drop_head_bias) > 1e-2);
}

// full_gradient_norm weights each batch by its share of the set: 23 samples in batches of 5
// (the last holds 3) must give the gradient of the mean loss over all 23, taken here in double
// in one batch. Float arithmetic inside: relative 1e-5. The mutant (batches weighted equally,
// 1/5 each) moves the norm by the remainder batch's misweighting and must be rejected.
TEST_CASE("The full-gradient norm over a set in batches equals the gradient of the mean loss") {
  const Dataset set = random_images(2, 6, 6, 4, 23, 21);
  const Architecture arch = Architecture::cnn(2, 6, 6, {3}, 3, 4);
  std::vector<float> w(arch.parameter_count);
  initialise_parameters(arch, 9, 0, w.data());
  const std::vector<double> w64(w.begin(), w.end());
  std::vector<std::uint32_t> idx(set.size());
  std::iota(idx.begin(), idx.end(), 0u);
  Matrix<double> x;
  std::vector<std::int32_t> y;
  gather_batch(set, arch, idx.data(), static_cast<int>(idx.size()), x, y);
  Network<double> net(arch);
  std::vector<double> g(w.size());
  net.run(w64.data(), x, y.data(), g.data());
  double exact = 0.0;
  for (const double v : g) exact += v * v;
  exact = std::sqrt(exact);
  const double batched = full_gradient_norm(arch, set, w.data(), 5);
  std::printf(
      "[full gradient] 23 samples, batches of 5: batched %.9g, one double batch %.9g, relative %.2e "
      "(tolerance 1e-5)\n",
      batched, exact, std::abs(batched - exact) / exact);
  CHECK(std::abs(batched - exact) <= 1e-5 * exact);
  CHECK(full_gradient_norm(arch, set, w.data(), 23) == Approx(exact).epsilon(1e-5));

  // Mutant: the five batch gradients averaged with equal weights.
  Network<float> net32(arch);
  std::vector<float> gb(w.size());
  Matrix<float> xb;
  std::vector<std::int32_t> yb;
  std::vector<double> equal(w.size(), 0.0);
  for (std::size_t begin = 0; begin < set.size(); begin += 5) {
    const int count = static_cast<int>(std::min<std::size_t>(5, set.size() - begin));
    gather_batch(set, arch, idx.data() + begin, count, xb, yb);
    net32.run(w.data(), xb, yb.data(), gb.data());
    for (std::size_t j = 0; j < w.size(); ++j) equal[j] += gb[j] / 5.0;
  }
  double mutant = 0.0;
  for (const double v : equal) mutant += v * v;
  mutant = std::sqrt(mutant);
  std::printf("[full gradient] mutant (batches weighted equally): %.9g, relative %.2e (must exceed 1e-5)\n", mutant,
              std::abs(mutant - exact) / exact);
  CHECK(std::abs(mutant - exact) > 1e-5 * exact);
}

// The same step must give the same bits wherever the caller's parameter and gradient buffers
// sit: Eigen's vectorised reductions choose their summation order by the destination's
// alignment, and a std::vector is only 16-byte aligned (the trainer's results once changed with
// the thread count on an AVX-512 build). Offsets 0 .. 15 floats cover every packet size.
TEST_CASE("network gradients do not depend on the alignment of the caller's buffers", "[nn]") {
  for (const bool cnn : {false, true}) {
    const Architecture arch = cnn ? Architecture::cnn(1, 8, 8, {4, 6}, 3, 10) : Architecture::mlp(1, 8, 8, {37}, 10);
    const Dataset set = random_images(1, 8, 8, 10, 32, 11);
    std::vector<std::uint32_t> idx(set.size());
    std::iota(idx.begin(), idx.end(), 0u);
    Matrix<float> x;
    std::vector<std::int32_t> y;
    gather_batch(set, arch, idx.data(), static_cast<int>(idx.size()), x, y);
    const std::size_t P = arch.parameter_count;
    std::vector<float, Eigen::aligned_allocator<float>> w_storage(P + 16),
        g_storage(P + 16);  // offset 0 = packet-aligned
    std::vector<float> reference;
    for (std::size_t offset = 0; offset < 16; ++offset) {
      float* w = w_storage.data() + offset;
      float* g = g_storage.data() + offset;
      initialise_parameters(arch, 5, 0, w);
      for (std::size_t j = 0; j < P; ++j) w[j] += 0.01f * static_cast<float>(j % 7);  // non-zero biases
      Network<float> net(arch);
      net.run(w, x, y.data(), g);
      if (offset == 0) {
        reference.assign(g, g + P);
        continue;
      }
      std::size_t differing = 0;
      for (std::size_t j = 0; j < P; ++j) differing += g[j] != reference[j] ? 1 : 0;
      INFO((cnn ? "cnn" : "mlp") << ", buffers offset by " << offset << " floats");
      CHECK(differing == 0);
    }
  }
}
