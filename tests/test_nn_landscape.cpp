// Loss-landscape slices (sim/nn/landscape.hpp): the principal directions of iterates that lie in a
// known plane, filter-normalised random directions, the grid losses against the network evaluated
// directly, thread-count independence, and the trainer's landscapes (CPU; the GPU trainer feeds
// measure_landscape the same iterates, test_nn_cuda compares the trainers' tables).
#include <catch2/catch.hpp>

#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.hpp"
#include "nn_test_data.hpp"
#include "sim/nn/batch.hpp"
#include "sim/nn/landscape.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/sample_order.hpp"
#include "sim/nn/trainer.hpp"
#include "trajectory_support.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

const Architecture kArch = Architecture::mlp(1, 28, 28, {12}, 10);

std::vector<float> random_weights(std::uint32_t seed) {
  std::vector<float> w(kArch.parameter_count);
  initialise_parameters(kArch, seed, 0, w.data());
  return w;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Iterates theta_e = c + x_e u + y_e v in the plane of two orthogonal directions u, v.
std::vector<std::vector<float>> planar_iterates(const std::vector<double>& x, const std::vector<double>& y) {
  const std::vector<float> c = random_weights(1);
  RandomStream s(3, 0, 0, StreamPurpose::user);
  std::vector<double> u(c.size()), v(c.size());
  for (auto& e : u) e = s.normal();
  for (auto& e : v) e = s.normal();
  const double uu = dot(u, u), uv = dot(u, v);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] -= uv / uu * u[i];
  const double nu = std::sqrt(dot(u, u)), nv = std::sqrt(dot(v, v));
  std::vector<std::vector<float>> out;
  for (std::size_t e = 0; e < x.size(); ++e) {
    std::vector<float> w(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) w[i] = static_cast<float>(c[i] + x[e] * u[i] / nu + y[e] * v[i] / nv);
    out.push_back(w);
  }
  return out;
}

// The grid loss at point (i, j) evaluated here from the slice's own directions and samples.
double direct_loss(const Landscape& l, const std::vector<float>& centre, const Dataset& train, std::uint32_t seed,
                   int samples, int i, int j) {
  const auto chosen =
      random_indices(train.size(), static_cast<std::size_t>(samples),
                     RandomStream(seed, static_cast<std::uint32_t>(l.replica), 0, StreamPurpose::network_landscape));
  std::vector<float> w(centre.size());
  const double a = l.coordinates[static_cast<std::size_t>(i)], b = l.coordinates[static_cast<std::size_t>(j)];
  for (std::size_t k = 0; k < w.size(); ++k)
    w[k] = static_cast<float>(static_cast<double>(centre[k]) + a * l.d1[k] + b * l.d2[k]);
  Network<float> net(kArch);
  Matrix<float> x;
  std::vector<std::int32_t> y;
  const int eigen_threads = Eigen::nbThreads();
  Eigen::setNbThreads(1);  // as measure_landscape: Eigen's blocking (the order of a sum) follows its thread count
  double total = 0.0;
  for (int g = 0; g < samples / kLandscapeGroup; ++g) {
    gather_batch(train, kArch, chosen.data() + g * kLandscapeGroup, kLandscapeGroup, x, y);
    total += net.run(w.data(), x, y.data(), nullptr).loss_sum / kLandscapeGroup;
  }
  Eigen::setNbThreads(eigen_threads);
  return total / (samples / kLandscapeGroup);
}

}  // namespace

TEST_CASE("PCA directions span the plane the iterates lie in, and the trajectory keeps its distances") {
  const Dataset train = test::digits_like(256, 5);
  const std::vector<double> x = {3.0, 1.0, -0.5, 0.2, 0.0}, y = {0.0, 2.0, 1.5, -0.4, 0.0};
  const auto iterates = planar_iterates(x, y);
  LandscapeSpec spec;
  spec.directions = LandscapeDirections::pca;
  spec.points = 5;
  spec.samples = 64;
  const Landscape l = measure_landscape(spec, kArch, train, 7, 0, iterates);
  // Unit, orthogonal directions that explain all the variance: nothing is off the plane.
  CHECK(l.direction_norm[0] == Approx(1.0).epsilon(1e-12));
  CHECK(l.direction_norm[1] == Approx(1.0).epsilon(1e-12));
  CHECK(std::abs(dot(l.d1, l.d2)) < 1e-9);
  CHECK(l.explained[0] + l.explained[1] == Approx(1.0).epsilon(1e-6));
  CHECK(l.explained[0] >= l.explained[1]);
  for (const double off : l.off_plane) CHECK(off < 1e-5);  // float iterates
  // In-plane coordinates of unit orthogonal directions keep the distances to the final point.
  for (std::size_t e = 0; e < x.size(); ++e) {
    const double planar = std::hypot(l.trajectory[2 * e], l.trajectory[2 * e + 1]);
    CHECK(planar == Approx(std::hypot(x[e] - x.back(), y[e] - y.back())).margin(1e-5));
  }
  CHECK(l.trajectory[0] <= 0.0);  // the start at negative coordinates
  CHECK(l.trajectory[1] <= 0.0);
  CHECK(l.trajectory[2 * 4] == 0.0);
  // Automatic span: 1.25 x the trajectory's reach.
  double reach = 0.0;
  for (const double c : l.trajectory) reach = std::max(reach, std::abs(c));
  CHECK(l.span == Approx(1.25 * reach).epsilon(1e-12));
  CHECK(l.coordinates.front() == Approx(-l.span));
  CHECK(l.coordinates[2] == 0.0);
}

TEST_CASE("Random directions are filter-normalised to the final weights, biases left out") {
  const Dataset train = test::digits_like(256, 5);
  const auto iterates = planar_iterates({1.0, 0.0}, {0.5, 0.0});
  const std::vector<float>& centre = iterates.back();
  LandscapeSpec spec;
  spec.directions = LandscapeDirections::random;
  spec.points = 3;
  spec.samples = 64;
  const Landscape l = measure_landscape(spec, kArch, train, 7, 0, iterates);
  CHECK(std::isnan(l.explained[0]));
  CHECK(l.span == 1.0);
  int filters = 0;
  for (const Layer& layer : kArch.layers) {
    if (layer.kind != LayerKind::dense) continue;
    const std::size_t rows = static_cast<std::size_t>(layer.out_size), cols = static_cast<std::size_t>(layer.in_size);
    for (std::size_t i = 0; i < rows; ++i) {
      for (const auto* d : {&l.d1, &l.d2}) {
        double nd = 0.0, nw = 0.0;
        for (std::size_t j = 0; j < cols; ++j) {
          const std::size_t at = layer.param_offset + i + j * rows;
          nd += (*d)[at] * (*d)[at];
          nw += static_cast<double>(centre[at]) * centre[at];
        }
        CHECK(std::sqrt(nd) == Approx(std::sqrt(nw)).epsilon(1e-12));
        CHECK((*d)[layer.param_offset + rows * cols + i] == 0.0);
      }
      ++filters;
    }
  }
  CHECK(filters == 12 + 10);
  // Two draws, not one: the directions differ.
  CHECK(std::abs(dot(l.d1, l.d2)) < 0.5 * std::sqrt(dot(l.d1, l.d1) * dot(l.d2, l.d2)));
}

TEST_CASE("Grid losses are the network's loss at those weights, for any thread count") {
  const Dataset train = test::digits_like(300, 5);
  const auto iterates = planar_iterates({2.0, 0.7, 0.0}, {0.0, 1.0, 0.0});
  LandscapeSpec spec;
  spec.directions = LandscapeDirections::pca;
  spec.points = 5;
  spec.samples = 96;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Landscape one = measure_landscape(spec, kArch, train, 11, 2, iterates);
  omp_set_num_threads(2);
  const Landscape two = measure_landscape(spec, kArch, train, 11, 2, iterates);
  omp_set_num_threads(threads);
  REQUIRE(one.loss.size() == 25);
  CHECK(std::memcmp(one.loss.data(), two.loss.data(), one.loss.size() * sizeof(double)) == 0);
  CHECK(std::memcmp(one.loss_se.data(), two.loss_se.data(), one.loss_se.size() * sizeof(double)) == 0);
  for (const auto& [i, j] : {std::pair{0, 0}, std::pair{2, 2}, std::pair{4, 1}, std::pair{1, 3}})
    CHECK(one.loss[static_cast<std::size_t>(i * 5 + j)] ==
          Approx(direct_loss(one, iterates.back(), train, 11, 96, i, j)).epsilon(1e-12));
  // Away from the final weights the loss changes; its SE is over three groups, positive.
  CHECK(one.loss[0] != one.loss[12]);
  for (const double se : one.loss_se) CHECK(se > 0.0);
}

TEST_CASE("The trainer slices the replicas measure.landscape names, at the weights of every epoch") {
  const Dataset train = test::digits_like(320, 3), test_set = test::digits_like(64, 4);
  TrainSpec spec = test::few_epochs_spec("landscape", 3, 3, 32, true);
  spec.measure.noise_samples = 0;
  spec.measure.landscape.directions = LandscapeDirections::pca;
  spec.measure.landscape.points = 5;
  spec.measure.landscape.samples = 64;
  spec.measure.landscape.replicas = 2;
  TrainResult result = train_replicas(spec, kArch, train, test_set, 9);
  REQUIRE(result.landscape_iterates.size() == 2);
  CHECK(result.landscape_iterates[0].size() == 4);  // rows 0 .. 3
  CHECK(landscape_points(result, spec) == 2 * 25);
  std::int64_t last = 0, total = 0;
  measure_landscapes(spec, kArch, train, 9, result, [&](std::int64_t done, std::int64_t all) {
    CHECK(done > last);
    last = done;
    total = all;
  });
  CHECK(total == 50);
  CHECK(last > 0);
  CHECK(result.landscape_iterates.empty());
  REQUIRE(result.landscapes.size() == 2);
  for (int r = 0; r < 2; ++r) {
    const Landscape& l = result.landscapes[static_cast<std::size_t>(r)];
    CHECK(l.replica == r);
    REQUIRE(l.trajectory.size() == 2 * 4);
    CHECK(l.trajectory[6] == 0.0);
    CHECK(l.trajectory[7] == 0.0);
    // Training moved the weights: the start is away from the final point.
    CHECK(std::hypot(l.trajectory[0], l.trajectory[1]) > 0.0);
    CHECK(l.explained[0] > 0.5);
    for (const double v : l.loss) CHECK(std::isfinite(v));
  }
  // The same seed gives the same slices; without the key, none.
  TrainResult again = train_replicas(spec, kArch, train, test_set, 9);
  measure_landscapes(spec, kArch, train, 9, again);
  CHECK(again.landscapes[1].loss == result.landscapes[1].loss);
  spec.measure.landscape.directions = LandscapeDirections::none;
  TrainResult none = train_replicas(spec, kArch, train, test_set, 9);
  CHECK(none.landscape_iterates.empty());
  measure_landscapes(spec, kArch, train, 9, none);
  CHECK(none.landscapes.empty());
}

TEST_CASE("measure_landscape refuses what it cannot slice") {
  const Dataset train = test::digits_like(64, 5);
  const auto iterates = planar_iterates({1.0, 0.0}, {0.0, 0.0});
  LandscapeSpec spec;
  spec.directions = LandscapeDirections::pca;
  spec.points = 4;  // even: no centre
  spec.samples = 64;
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, iterates), std::invalid_argument);
  spec.points = 5;
  spec.samples = 96;  // more than the 64 samples
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, iterates), std::invalid_argument);
  spec.samples = 48;  // not a multiple of 32
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, iterates), std::invalid_argument);
  spec.samples = 64;
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, iterates), std::invalid_argument);  // pca: 2 iterates
  spec.directions = LandscapeDirections::random;
  CHECK_NOTHROW(measure_landscape(spec, kArch, train, 1, 0, iterates));
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, {iterates[0]}), std::invalid_argument);
  spec.directions = LandscapeDirections::none;
  CHECK_THROWS_AS(measure_landscape(spec, kArch, train, 1, 0, iterates), std::invalid_argument);
}

// A Gaussian random walk in P >> steps dimensions: its centred Gram matrix concentrates on P times
// C M C, M_ij = min(i, j) (C: centring), so the principal shares tend to the eigenvalues of C M C
// over their sum (Antognini and Sohl-Dickstein, 2018: 6 / (pi^2 k^2) as the steps grow). The walk's
// own scatter around that limit, measured over 40 seeds (21 to 60): SD 0.0040 (d1) and 0.0023 (d2) at
// P = 9550, 20 steps; the tolerance is 5 SD. A PCA without centring gives d1 0.81, d2 0.09.
TEST_CASE("PCA of a high-dimensional random walk gives the random walk's principal shares") {
  const Dataset train = test::digits_like(64, 5);
  constexpr int kSteps = 20;
  const std::size_t P = kArch.parameter_count;
  Eigen::MatrixXd M(kSteps + 1, kSteps + 1);
  for (int i = 0; i <= kSteps; ++i)
    for (int j = 0; j <= kSteps; ++j) M(i, j) = std::min(i, j);
  const Eigen::MatrixXd C = Eigen::MatrixXd::Identity(kSteps + 1, kSteps + 1) -
                            Eigen::MatrixXd::Constant(kSteps + 1, kSteps + 1, 1.0 / (kSteps + 1));
  const Eigen::VectorXd limit = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(C * M * C).eigenvalues();
  const double share1 = limit(kSteps) / limit.sum(), share2 = limit(kSteps - 1) / limit.sum();
  RandomStream s(21, 0, 0, StreamPurpose::user);
  std::vector<std::vector<float>> walk(1, std::vector<float>(P, 0.0f));
  for (int t = 0; t < kSteps; ++t) {
    std::vector<float> next = walk.back();
    for (float& x : next) x += static_cast<float>(0.01 * s.normal());
    walk.push_back(next);
  }
  LandscapeSpec spec;
  spec.directions = LandscapeDirections::pca;
  spec.points = 3;
  spec.samples = 64;
  const Landscape l = measure_landscape(spec, kArch, train, 1, 0, walk);
  std::printf("[random walk pca] d1 %.4f (limit %.4f), d2 %.4f (limit %.4f)\n", l.explained[0], share1, l.explained[1],
              share2);
  CHECK(std::abs(l.explained[0] - share1) < 5 * 0.0040);
  CHECK(std::abs(l.explained[1] - share2) < 5 * 0.0023);
}
