#include "sim/data_sum.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/input_file.hpp"
#include "data/h5.hpp"
#include "data/isolated_read.hpp"

namespace sgds {

double DataSum::margin(int i, const double* w) const {
  const int p = data->features;
  const double* xi = &data->x[static_cast<std::size_t>(i) * static_cast<std::size_t>(p)];
  double m = data->intercept ? w[p] : 0.0;
  for (int j = 0; j < p; ++j) m += xi[j] * w[j];
  return m;
}

double DataSum::loss_slope(int i, double m) const {
  const double y = data->y[static_cast<std::size_t>(i)];
  if (data->loss == "logistic") return 1.0 / (1.0 + std::exp(-m)) - y;
  return m - y;
}

double DataSum::value(const double* w) const {
  double s = 0.0;
  for (int i = 0; i < n; ++i) {
    const double m = margin(i, w), y = data->y[static_cast<std::size_t>(i)];
    // log(1 + e^m) without overflow: max(m, 0) + log1p(e^-|m|)
    s += data->loss == "logistic" ? std::max(m, 0.0) + std::log1p(std::exp(-std::fabs(m))) - y * m
                                  : 0.5 * (m - y) * (m - y);
  }
  double norm = 0.0;
  for (int j = 0; j < dim; ++j) norm += w[j] * w[j];
  return s / n + 0.5 * data->l2 * norm;
}

void DataSum::sample_gradient(int i, const double* w, double* g) const {
  const int p = data->features;
  const double slope = loss_slope(i, margin(i, w));
  const double* xi = &data->x[static_cast<std::size_t>(i) * static_cast<std::size_t>(p)];
  for (int j = 0; j < p; ++j) g[j] = slope * xi[j] + data->l2 * w[j];
  if (data->intercept) g[p] = slope + data->l2 * w[p];
}

void DataSum::gradient(const double* w, double* g) const {
  std::vector<double> gi(static_cast<std::size_t>(dim));
  for (int j = 0; j < dim; ++j) g[j] = 0.0;
  for (int i = 0; i < n; ++i) {
    sample_gradient(i, w, gi.data());
    for (int j = 0; j < dim; ++j) g[j] += gi[static_cast<std::size_t>(j)] / n;
  }
}

double DataSum::sample_variance(const double* w) const {
  std::vector<double> mean(static_cast<std::size_t>(dim)), gi(mean.size());
  gradient(w, mean.data());
  double s = 0.0;
  for (int i = 0; i < n; ++i) {
    sample_gradient(i, w, gi.data());
    for (std::size_t j = 0; j < gi.size(); ++j) s += (gi[j] - mean[j]) * (gi[j] - mean[j]);
  }
  return s / n;
}

namespace {

constexpr std::uint64_t kMaxDataBytes = std::uint64_t{1} << 30;
constexpr int kMaxSamples = 1 << 24;
constexpr int kMaxFeatures = 4096;

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    const auto first = cell.find_first_not_of(" \t\r"), last = cell.find_last_not_of(" \t\r");
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno != ERANGE && std::isfinite(value);
}

// The minimiser of the regularised least-squares or logistic loss, or NaN where there is none.
void solve_minimiser(DataSum& sum, DataSumData& d) {
  const auto dim = static_cast<Eigen::Index>(sum.dim);
  Eigen::MatrixXd design(static_cast<Eigen::Index>(sum.n), dim);
  for (int i = 0; i < sum.n; ++i) {
    for (int j = 0; j < d.features; ++j)
      design(i, j) =
          d.x[static_cast<std::size_t>(i) * static_cast<std::size_t>(d.features) + static_cast<std::size_t>(j)];
    if (d.intercept) design(i, d.features) = 1.0;
  }
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(d.y.data(), static_cast<Eigen::Index>(d.y.size()));
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim, dim);
  Eigen::VectorXd w = Eigen::VectorXd::Zero(dim);
  bool found = false;
  if (d.loss == "least_squares") {
    const Eigen::MatrixXd normal = design.transpose() * design / sum.n + d.l2 * identity;
    const Eigen::LDLT<Eigen::MatrixXd> solver(normal);
    if (solver.info() == Eigen::Success && solver.isPositive() && solver.rcond() > 1e-13) {
      w = solver.solve(design.transpose() * y / sum.n);
      found = true;
    }
  } else {
    for (int iteration = 0; iteration < 200 && !found; ++iteration) {
      const Eigen::ArrayXd m = (design * w).array();
      const Eigen::ArrayXd sigma = 1.0 / (1.0 + (-m).exp());
      const Eigen::VectorXd gradient = design.transpose() * (sigma.matrix() - y) / sum.n + d.l2 * w;
      const Eigen::ArrayXd weight = sigma * (1.0 - sigma);
      const Eigen::MatrixXd hessian =
          design.transpose() * weight.matrix().asDiagonal() * design / sum.n + d.l2 * identity;
      const Eigen::LDLT<Eigen::MatrixXd> solver(hessian);
      if (solver.info() != Eigen::Success || solver.rcond() < 1e-14) break;
      if (gradient.norm() < 1e-10 * (1.0 + w.norm())) {
        // A minimiser, not the far end of separable data (where the loss only tends to its
        // infimum and the curvature vanishes with it): the Hessian there keeps the data's scale.
        const double data_scale =
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(design.transpose() * design / sum.n, Eigen::EigenvaluesOnly)
                .eigenvalues()
                .maxCoeff();
        const double smallest =
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(hessian, Eigen::EigenvaluesOnly).eigenvalues().minCoeff();
        found = smallest > 1e-8 * data_scale;
        break;
      }
      const Eigen::VectorXd step = solver.solve(gradient);
      // Backtracking on f keeps Newton's method descending from far away.
      const double f0 = sum.value(w.data());
      double t = 1.0;
      Eigen::VectorXd next = w - step;
      const double slack = 1e-14 * (1.0 + std::fabs(f0));  // rounding, near the minimum
      while (t > 1e-10 && !(sum.value(next.data()) <= f0 + slack)) {
        t *= 0.5;
        next = w - t * step;
      }
      if (t <= 1e-10) break;
      w = next;
      if (w.norm() > 1e8) break;  // diverging: separable data without l2
    }
  }
  d.minimiser.assign(static_cast<std::size_t>(dim), std::nan(""));
  d.minimum_value = std::nan("");
  if (found && w.allFinite()) {
    for (Eigen::Index j = 0; j < dim; ++j) d.minimiser[static_cast<std::size_t>(j)] = w(j);
    d.minimum_value = sum.value(d.minimiser.data());
  }
}

// The HDF5 magic number, at byte 0 or after a user block (512, 1024, ... bytes).
bool is_hdf5_file(const std::string& filename) {
  static const char kMagic[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(filename, std::ios::binary);
  for (std::uint64_t offset = 0; in && offset <= kMaxDataBytes; offset = offset == 0 ? 512 : 2 * offset) {
    char head[8] = {};
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(head, 8)) return false;
    if (std::equal(head, head + 8, kMagic)) return true;
  }
  return false;
}

// features: a 2-D numeric dataset [n][p]; targets: 1-D [n] (or [n][1]). Every shape and size
// limit is checked before any value is read, so a compressed dataset that would decode to more
// than kMaxDataBytes is refused, not loaded.
void read_hdf5_datasets(ConfigTable& problem, const std::string& quoted, DataSumData& d, int& n) {
  const std::string features = problem.text("features", "features");
  const std::string targets = problem.text("target", "targets");
  std::vector<double> x, y;
  std::vector<std::uint64_t> x_shape, y_shape;
  try {
    const h5::File file = h5::File::open_read(d.file);
    const h5::Group root = file.root();
    auto numeric = [&](const std::string& key, const std::string& name) {
      if (!root.has(name) || root.is_group(name))
        problem.fail(key, fmt::format("\"{}\"", name), fmt::format("a dataset of {}", quoted));
      const h5::DatasetInfo info = root.dataset_info(name);
      const bool number = info.type == "float64" || info.type == "float32" || info.type.rfind("int", 0) == 0 ||
                          info.type.rfind("uint", 0) == 0;
      if (!number)
        problem.fail(key, fmt::format("\"{}\"", name), fmt::format("a numeric dataset (it holds {})", info.type));
      return info.shape;
    };
    x_shape = numeric("features", features);
    y_shape = numeric("target", targets);
    if (x_shape.size() != 2)
      problem.fail("features", fmt::format("\"{}\"", features),
                   fmt::format("a 2-D dataset [samples][features] (it has {} dimensions)", x_shape.size()));
    const bool column = y_shape.size() == 2 && y_shape[1] == 1;
    if (y_shape.size() != 1 && !column)
      problem.fail("target", fmt::format("\"{}\"", targets), "a 1-D dataset [samples] (or [samples][1])");
    if (y_shape[0] != x_shape[0])
      problem.fail("target", fmt::format("\"{}\"", targets),
                   fmt::format("{} targets, one per row of {} (it has {})", x_shape[0], features, y_shape[0]));
    if (x_shape[1] < 1 || x_shape[1] > static_cast<std::uint64_t>(kMaxFeatures))
      problem.fail("features", fmt::format("\"{}\"", features),
                   fmt::format("1 to {} feature columns (it has {})", kMaxFeatures, x_shape[1]));
    if (x_shape[0] > static_cast<std::uint64_t>(kMaxSamples))
      problem.fail("features", fmt::format("\"{}\"", features),
                   fmt::format("at most {} samples (it has {})", kMaxSamples, x_shape[0]));
    const double bytes = 8.0 * static_cast<double>(x_shape[0]) * static_cast<double>(x_shape[1] + 1);
    if (bytes > static_cast<double>(kMaxDataBytes))
      problem.fail("features", fmt::format("\"{}\"", features),
                   fmt::format("at most 1 GiB of values as doubles, targets included (it has {} x {}: {:.1f} GiB)",
                               x_shape[0], x_shape[1], bytes / static_cast<double>(std::uint64_t{1} << 30)));
    x = root.read_doubles(features);
    y = root.read_doubles(targets);
  } catch (const h5::H5Error& e) {
    problem.fail("file", quoted, fmt::format("a readable HDF5 file ({})", e.what()));
  }
  d.features = static_cast<int>(x_shape[1]);
  n = static_cast<int>(x_shape[0]);
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!std::isfinite(x[k]))
      problem.fail("features", fmt::format("\"{}\"", features),
                   fmt::format("finite numbers (row {}, column {}: {})", k / x_shape[1], k % x_shape[1], x[k]));
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i]))
      problem.fail("target", fmt::format("\"{}\"", targets), fmt::format("finite numbers (row {}: {})", i, y[i]));
    if (d.loss == "logistic" && y[i] != 0.0 && y[i] != 1.0)
      problem.fail("target", fmt::format("\"{}\"", targets),
                   fmt::format("logistic targets 0 or 1 (row {}: {})", i, y[i]));
  }
  d.x = std::move(x);
  d.y = std::move(y);
}

// libhdf5 trusts the file's structures (data/isolated_read.hpp): the same reads are made first in
// a throw-away child, so a file that crashes or hangs libhdf5 is refused. The child reads only
// the two datasets, as the parent then does, never the rest of the file.
void read_hdf5(ConfigTable& problem, const std::string& quoted, DataSumData& d, int& n) {
  h5::silence_library_errors();
  const h5::IsolatedRun trial = h5::run_isolated(
      [&] {
        try {
          DataSumData scratch = d;
          int rows = 0;
          read_hdf5_datasets(problem, quoted, scratch, rows);
        } catch (...) {  // a refusal: the parent's own read below reports it
        }
        return 0;
      },
      h5::trial_cpu_seconds(d.file), h5::trial_wall_seconds(d.file));
  if (trial.started && !(trial.exited && trial.exit_status == 0))
    problem.fail("file", quoted,
                 fmt::format("a readable HDF5 file ('{}': a trial read in a child process {}; not read)", d.file,
                             trial.failure()));
  read_hdf5_datasets(problem, quoted, d, n);
}

// One sample per row; a header row of names, or none; `target` names the target column.
void read_csv(ConfigTable& problem, const std::string& quoted, bool has_target, const std::string& target,
              DataSumData& d, int& n) {
  std::ifstream in(d.file);
  if (!in) problem.fail("file", quoted, "a readable CSV file");
  std::string line;
  std::vector<std::string> header;
  std::size_t columns = 0, target_column = 0, line_number = 0;
  std::vector<double> row;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    const std::vector<std::string> cells = split_csv(line);
    row.resize(cells.size());
    bool numeric = true;
    for (std::size_t c = 0; c < cells.size() && numeric; ++c) numeric = parse_number(cells[c], row[c]);
    if (columns == 0) {  // the first row: a header, or the first sample
      columns = cells.size();
      if (columns < 2)
        problem.fail("file", quoted,
                     fmt::format("a CSV of at least two columns (line {} has {})", line_number, columns));
      if (columns - 1 > static_cast<std::size_t>(kMaxFeatures))
        problem.fail(
            "file", quoted,
            fmt::format("at most {} feature columns (line {} has {})", kMaxFeatures, line_number, columns - 1));
      if (!numeric) header = cells;
      target_column = columns - 1;
      if (has_target) {
        const auto it = std::find(header.begin(), header.end(), target);
        if (it == header.end())
          problem.fail("target", fmt::format("\"{}\"", target),
                       header.empty() ? std::string("a column name, but the file has no header row")
                                      : fmt::format("one of the header's columns: {}", fmt::join(header, ", ")));
        target_column = static_cast<std::size_t>(it - header.begin());
      }
      d.features = static_cast<int>(columns - 1);
      if (!numeric) continue;
    }
    if (cells.size() != columns)
      problem.fail("file", quoted,
                   fmt::format("{} columns on every row (line {} has {})", columns, line_number, cells.size()));
    if (!numeric) {
      std::size_t bad = 0;
      double ignored = 0.0;
      while (bad < cells.size() && parse_number(cells[bad], ignored)) ++bad;
      problem.fail("file", quoted,
                   fmt::format("finite numbers in every cell (line {}, column {}: \"{}\")", line_number, bad + 1,
                               cells[bad].substr(0, 40)));
    }
    if (n == kMaxSamples) problem.fail("file", quoted, fmt::format("at most {} samples", kMaxSamples));
    const double y = row[target_column];
    if (d.loss == "logistic" && y != 0.0 && y != 1.0)
      problem.fail("file", quoted,
                   fmt::format("logistic targets 0 or 1 (line {}: {})", line_number, cells[target_column]));
    d.y.push_back(y);
    for (std::size_t c = 0; c < columns; ++c)
      if (c != target_column) d.x.push_back(row[c]);
    ++n;
  }
}

}  // namespace

DataSum make_data_sum(ConfigTable& problem) {
  auto d = std::make_shared<DataSumData>();
  d->file = problem.text("file");
  d->loss = problem.choice("loss", {"least_squares", "logistic"}, "least_squares");
  d->intercept = problem.boolean("intercept", true);
  d->l2 = problem.number("l2", NumberRange::non_negative(), 0.0);
  const bool has_target = problem.has("target");
  const std::string target = has_target ? problem.text("target") : "";
  const std::string quoted = fmt::format("\"{}\"", d->file);
  try {
    require_regular_file(d->file, "data file", kMaxDataBytes);
  } catch (const PathError& e) {
    problem.fail("file", quoted, fmt::format("a readable CSV or HDF5 file of at most 1 GiB ({})", e.what()));
  }
  int n = 0;
  const bool hdf5 = is_hdf5_file(d->file);
  if (hdf5) {
    read_hdf5(problem, quoted, *d, n);
  } else {
    if (problem.has("features"))
      problem.fail(
          "features", fmt::format("\"{}\"", problem.text("features")),
          "no features key for a CSV file (every column but the target is a feature; features names an HDF5 dataset)");
    read_csv(problem, quoted, has_target, target, *d, n);
  }
  if (n < 2)
    problem.fail("file", quoted,
                 fmt::format("at least 2 samples ({}), found {}", hdf5 ? "rows of features" : "rows of numbers", n));
  DataSum sum;
  sum.n = n;
  sum.dim = d->features + (d->intercept ? 1 : 0);
  sum.data = d;
  solve_minimiser(sum, *d);
  return sum;
}

}  // namespace sgds
