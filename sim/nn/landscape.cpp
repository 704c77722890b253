#include "sim/nn/landscape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <Eigen/Dense>

#include "core/rng.hpp"
#include "sim/nn/batch.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/sample_order.hpp"

namespace sgds::nn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Plane {
  Eigen::VectorXd d1, d2;
  double explained[2] = {kNaN, kNaN};
};

// The top two principal directions of the iterates (columns of a P x rows matrix, centred).
Plane pca_plane(const std::vector<std::vector<float>>& iterates) {
  const auto rows = static_cast<Eigen::Index>(iterates.size());
  const auto P = static_cast<Eigen::Index>(iterates.front().size());
  Eigen::MatrixXd X(P, rows);
  for (Eigen::Index e = 0; e < rows; ++e)
    for (Eigen::Index j = 0; j < P; ++j) X(j, e) = iterates[static_cast<std::size_t>(e)][static_cast<std::size_t>(j)];
  const Eigen::VectorXd mean = X.rowwise().mean();
  X.colwise() -= mean;
  // The rows x rows Gram matrix has the same nonzero eigenvalues as the P x P covariance; its
  // eigenvectors u give the principal directions X u / sqrt(lambda).
  const Eigen::MatrixXd gram = X.transpose() * X;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram);
  const Eigen::VectorXd lambda = solver.eigenvalues().cwiseMax(0.0);  // ascending
  const double total = lambda.sum();
  const Eigen::VectorXd start = X.col(0) - X.col(rows - 1);  // theta_0 - theta_E
  Plane plane;
  for (int k = 0; k < 2; ++k) {
    const Eigen::Index at = rows - 1 - k;
    Eigen::VectorXd d = Eigen::VectorXd::Zero(P);
    if (at >= 0 && lambda(at) > 0.0) d = X * solver.eigenvectors().col(at) / std::sqrt(lambda(at));
    if (d.dot(start) > 0.0) d = -d;
    (k == 0 ? plane.d1 : plane.d2) = d;
    plane.explained[k] = total > 0.0 && at >= 0 ? lambda(at) / total : 0.0;
  }
  return plane;
}

// A Gaussian direction with every filter scaled to the norm of the centre's (biases 0).
Eigen::VectorXd filter_normalised_direction(const Architecture& arch, const std::vector<float>& centre,
                                            RandomStream stream) {
  const std::size_t P = arch.parameter_count;
  Eigen::VectorXd d(static_cast<Eigen::Index>(P));
  for (std::size_t j = 0; j < P; ++j) d(static_cast<Eigen::Index>(j)) = stream.normal();
  for (const Layer& layer : arch.layers) {
    if (layer.kind != LayerKind::dense && layer.kind != LayerKind::conv) continue;
    // Weights rows x cols column-major, row i the incoming weights of output unit or channel i.
    const std::size_t rows =
        static_cast<std::size_t>(layer.kind == LayerKind::conv ? layer.out_channels : layer.out_size);
    const std::size_t cols = static_cast<std::size_t>(
        layer.kind == LayerKind::conv ? layer.kernel * layer.kernel * layer.channels : layer.in_size);
    const std::size_t base = layer.param_offset;
    for (std::size_t i = 0; i < rows; ++i) {
      double direction = 0.0, weights = 0.0;
      for (std::size_t j = 0; j < cols; ++j) {
        const std::size_t at = base + i + j * rows;
        direction += d(static_cast<Eigen::Index>(at)) * d(static_cast<Eigen::Index>(at));
        weights += static_cast<double>(centre[at]) * static_cast<double>(centre[at]);
      }
      const double scale = direction > 0.0 ? std::sqrt(weights / direction) : 0.0;
      for (std::size_t j = 0; j < cols; ++j) d(static_cast<Eigen::Index>(base + i + j * rows)) *= scale;
      d(static_cast<Eigen::Index>(base + rows * cols + i)) = 0.0;  // the bias
    }
  }
  return d;
}

}  // namespace

const char* landscape_directions_name(LandscapeDirections directions) {
  switch (directions) {
    case LandscapeDirections::none:
      return "none";
    case LandscapeDirections::pca:
      return "pca";
    case LandscapeDirections::random:
      return "random";
  }
  return "?";
}

Landscape measure_landscape(const LandscapeSpec& spec, const Architecture& arch, const Dataset& train,
                            std::uint32_t seed, int replica, const std::vector<std::vector<float>>& iterates,
                            const std::function<void()>& point_done) {
  const std::size_t P = arch.parameter_count;
  const std::size_t fewest = spec.directions == LandscapeDirections::pca ? 3 : 2;
  if (spec.directions == LandscapeDirections::none || iterates.size() < fewest || spec.points < 3 ||
      spec.points % 2 == 0 || spec.samples < 2 * kLandscapeGroup || spec.samples % kLandscapeGroup != 0 ||
      static_cast<std::size_t>(spec.samples) > train.size())
    throw std::invalid_argument(
        "measure_landscape: directions, at least two iterates (pca: three), an odd number of "
        "points >= 3 and 2 to n / 32 groups of 32 samples");
  for (const auto& w : iterates)
    if (w.size() != P) throw std::invalid_argument("measure_landscape: an iterate is not parameter_count long");
  const auto r = static_cast<std::uint32_t>(replica);
  const std::vector<float>& centre = iterates.back();
  Plane plane;
  if (spec.directions == LandscapeDirections::pca) {
    plane = pca_plane(iterates);
  } else {
    plane.d1 = filter_normalised_direction(arch, centre, RandomStream(seed, r, 1, StreamPurpose::network_landscape));
    plane.d2 = filter_normalised_direction(arch, centre, RandomStream(seed, r, 2, StreamPurpose::network_landscape));
  }

  Landscape out;
  out.replica = replica;
  out.explained = {plane.explained[0], plane.explained[1]};
  out.direction_norm = {plane.d1.norm(), plane.d2.norm()};
  out.d1.assign(plane.d1.data(), plane.d1.data() + plane.d1.size());
  out.d2.assign(plane.d2.data(), plane.d2.data() + plane.d2.size());
  // Each epoch's weights in the plane: least squares [d1 d2] c = theta_e - theta_E. A zero
  // direction (pca of collinear iterates) gets coordinate 0.
  const double d11 = plane.d1.dot(plane.d1), d12 = plane.d1.dot(plane.d2), d22 = plane.d2.dot(plane.d2);
  const auto project = [&](const Eigen::VectorXd& v) -> Eigen::Vector2d {
    const double b1 = plane.d1.dot(v), b2 = plane.d2.dot(v);
    if (d11 > 0.0 && d22 > 0.0) {
      Eigen::Matrix2d normal;
      normal << d11, d12, d12, d22;
      return normal.ldlt().solve(Eigen::Vector2d(b1, b2));
    }
    return Eigen::Vector2d(d11 > 0.0 ? b1 / d11 : 0.0, d22 > 0.0 ? b2 / d22 : 0.0);
  };
  double reach = 0.0;
  for (const auto& w : iterates) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(P));
    for (std::size_t j = 0; j < P; ++j)
      v(static_cast<Eigen::Index>(j)) = static_cast<double>(w[j]) - static_cast<double>(centre[j]);
    const Eigen::Vector2d c = project(v);
    const double norm = v.norm();
    out.trajectory.push_back(c(0));
    out.trajectory.push_back(c(1));
    out.off_plane.push_back(norm > 0.0 ? (v - c(0) * plane.d1 - c(1) * plane.d2).norm() / norm : 0.0);
    reach = std::max({reach, std::abs(c(0)), std::abs(c(1))});
  }
  out.span = spec.span > 0.0                                              ? spec.span
             : spec.directions == LandscapeDirections::pca && reach > 0.0 ? 1.25 * reach
                                                                          : 1.0;
  const int G = spec.points;
  for (int i = 0; i < G; ++i) out.coordinates.push_back(out.span * (2.0 * i / (G - 1) - 1.0));

  // The samples, gathered once in groups of 32.
  const auto chosen = random_indices(train.size(), static_cast<std::size_t>(spec.samples),
                                     RandomStream(seed, r, 0, StreamPurpose::network_landscape));
  const int groups = spec.samples / kLandscapeGroup;
  std::vector<Matrix<float>> inputs(static_cast<std::size_t>(groups));
  std::vector<std::vector<std::int32_t>> labels(static_cast<std::size_t>(groups));
  for (int g = 0; g < groups; ++g)
    gather_batch(train, arch, chosen.data() + static_cast<std::size_t>(g) * kLandscapeGroup, kLandscapeGroup,
                 inputs[static_cast<std::size_t>(g)], labels[static_cast<std::size_t>(g)]);

  out.loss.assign(static_cast<std::size_t>(G) * G, kNaN);
  out.loss_se.assign(out.loss.size(), kNaN);
  const int saved_eigen_threads = Eigen::nbThreads();
  Eigen::setNbThreads(1);  // one grid point per thread: its arithmetic never depends on the thread count
#pragma omp parallel
  {
    Network<float> net(arch);
    std::vector<float> w(P);
    std::vector<double> group_mean(static_cast<std::size_t>(groups));
#pragma omp for schedule(dynamic, 1)
    for (int q = 0; q < G * G; ++q) {
      const double a = out.coordinates[static_cast<std::size_t>(q / G)],
                   b = out.coordinates[static_cast<std::size_t>(q % G)];
      for (std::size_t j = 0; j < P; ++j) {
        const auto at = static_cast<Eigen::Index>(j);
        w[j] = static_cast<float>(static_cast<double>(centre[j]) + a * plane.d1(at) + b * plane.d2(at));
      }
      double sum = 0.0;
      for (int g = 0; g < groups; ++g) {
        const auto at = static_cast<std::size_t>(g);
        group_mean[at] = net.run(w.data(), inputs[at], labels[at].data(), nullptr).loss_sum / kLandscapeGroup;
        sum += group_mean[at];
      }
      const double m = sum / groups;
      double squares = 0.0;
      for (const double x : group_mean) squares += (x - m) * (x - m);
      out.loss[static_cast<std::size_t>(q)] = m;
      out.loss_se[static_cast<std::size_t>(q)] = std::sqrt(squares / (groups - 1) / groups);
      if (point_done) point_done();
    }
  }
  Eigen::setNbThreads(saved_eigen_threads);
  return out;
}

}  // namespace sgds::nn
