#include "sim/resource_estimate.hpp"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "sim/philox_lanes.hpp"

namespace sgds {

namespace {

constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

std::uint64_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return kUnlimited;
  }
}

std::uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  std::uint64_t value = 0;
  while (in >> key >> value >> unit)
    if (key == "MemAvailable:") return value * 1024;
  return kUnlimited;
}

// The cgroup (v2, else v1) limit less usage.
std::uint64_t cgroup_available() {
  std::uint64_t limit = read_number("/sys/fs/cgroup/memory.max"), usage = read_number("/sys/fs/cgroup/memory.current");
  if (limit == kUnlimited) {
    limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    usage = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  if (limit == kUnlimited || limit >= (std::uint64_t{1} << 60)) return kUnlimited;
  return usage == kUnlimited || usage >= limit ? 0 : limit - usage;
}

std::uint64_t address_space_available() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kUnlimited;
  std::ifstream in("/proc/self/statm");
  std::uint64_t pages = 0;
  in >> pages;
  const std::uint64_t mapped = pages * 4096;
  return mapped >= limit.rlim_cur ? 0 : limit.rlim_cur - mapped;
}

std::uint64_t saturating_product(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t product = 1;
  for (std::uint64_t f : factors) {
    if (f != 0 && product > kUnlimited / f) return kUnlimited;
    product *= f;
  }
  return product;
}

std::uint64_t saturating_sum(std::initializer_list<std::uint64_t> terms) {
  std::uint64_t sum = 0;
  for (std::uint64_t t : terms) sum = t > kUnlimited - sum ? kUnlimited : sum + t;
  return sum;
}

std::uint64_t finite_sum_data_bytes(const ProblemVariant& problem) {
  return std::visit(
      [](const auto& p) -> std::uint64_t {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, LinearShiftSum>) return p.shifts ? p.shifts->size() * 8 : 0;
        else if constexpr (std::is_same_v<P, QuadraticCentresSum>) return p.centres ? p.centres->size() * 8 : 0;
        else if constexpr (std::is_same_v<P, TeacherStudentSum>)
          return (p.z ? p.z->size() * 8 : 0) + (p.y ? p.y->size() * 8 : 0);
        else if constexpr (std::is_same_v<P, DataSum>) return p.data ? (p.data->x.size() + p.data->y.size()) * 8 : 0;
        else return 0;
      },
      problem);
}

}  // namespace

std::uint64_t available_memory_bytes() {
  if (const char* forced = std::getenv("SGDS_MEMORY_LIMIT_BYTES"); forced && *forced) {
    try {
      return std::stoull(forced);
    } catch (const std::exception&) {}
  }
  return std::min({meminfo_available(), cgroup_available(), address_space_available()});
}

std::uint64_t free_disk_bytes(const std::string& path) {
  std::filesystem::path existing = std::filesystem::absolute(path);
  std::error_code error;
  while (!existing.empty() && !std::filesystem::exists(existing, error)) existing = existing.parent_path();
  struct statvfs info {};
  if (::statvfs(existing.empty() ? "." : existing.c_str(), &info) != 0) return kUnlimited;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

std::string bytes_text(double bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 6) bytes /= 1000.0, ++u;
  return u == 0 ? fmt::format("{:.0f} bytes", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

ResourceEstimate estimate_experiment(const ExperimentConfig& experiment) {
  const EngineSettings& engine = experiment.engine;
  const RecordSpec& record = engine.record;
  const std::uint64_t n = static_cast<std::uint64_t>(engine.trajectories);
  const std::uint64_t padded = (n + kLanes - 1) / kLanes * kLanes;
  const std::uint64_t d = static_cast<std::uint64_t>(problem_dim(experiment.problem));
  const std::uint64_t k = engine.checkpoint_steps.size();
  const std::uint64_t q = record.quantiles.size();
  const std::uint64_t columns = 4 + 2 * d + (record.noise ? d + 1 : 0);
  const OptimizerSpec& optimizer = experiment.optimizer;
  const std::uint64_t state_vectors = 1 + (optimizer.momentum() || optimizer.kind == OptimizerKind::gradopt ? 1 : 0) +
                                      (optimizer.kind == OptimizerKind::gradopt ? 1 : 0) + (record.noise ? 1 : 0);
  const std::uint64_t state = saturating_product({padded, d, 8, state_vectors});
  const std::uint64_t observations = saturating_product({n, columns, 8});
  const std::uint64_t per_trajectory = record.per_trajectory ? saturating_product({n, saturating_sum({k, d}), 8}) : 0;
  const std::uint64_t series = saturating_product({k, saturating_sum({2 * columns, 4 * q, 16}), 8});
  const std::uint64_t schedule = saturating_product({static_cast<std::uint64_t>(experiment.schedule.steps()), 24});
  ResourceEstimate estimate;
  estimate.memory_bytes = saturating_sum({state, observations, per_trajectory, series, schedule,
                                          finite_sum_data_bytes(experiment.problem), saturating_product({n, 48})});
  estimate.output_bytes = saturating_sum({per_trajectory, series});
  std::string drivers = fmt::format("trajectories = {}", n);
  if (d > 1) drivers += fmt::format(" x problem.dim = {}", d);
  if (per_trajectory >= state && per_trajectory >= observations)
    drivers += fmt::format(" x record.checkpoints = {} (record.per_trajectory = true)", k);
  estimate.memory_drivers = drivers;
  return estimate;
}

void refuse_beyond_resources(const RunConfig& config, const std::string& output) {
  const std::uint64_t memory = available_memory_bytes();
  std::uint64_t output_bytes = 0;
  for (const auto& experiment : config.experiments) {
    const ResourceEstimate estimate = estimate_experiment(experiment);
    if (estimate.memory_bytes > memory)
      throw ConfigError(
          fmt::format("config: experiment '{}': {} needs about {} of memory; {} are available: reduce "
                      "them (or record less)",
                      experiment.name, estimate.memory_drivers, bytes_text(static_cast<double>(estimate.memory_bytes)),
                      bytes_text(static_cast<double>(memory))));
    output_bytes = saturating_sum({output_bytes, estimate.output_bytes});
  }
  if (output.empty()) return;
  // The final file and the incomplete one it grows from exist side by side for a moment.
  const std::uint64_t disk = free_disk_bytes(output);
  if (saturating_product({output_bytes, 2}) > disk)
    throw ConfigError(
        fmt::format("config: the results need about {} of disk (twice {} while the last experiment is "
                    "written); {} are free where '{}' goes: record less (record.per_trajectory, "
                    "record.checkpoints) or write elsewhere",
                    bytes_text(2.0 * static_cast<double>(output_bytes)), bytes_text(static_cast<double>(output_bytes)),
                    bytes_text(static_cast<double>(disk)), output));
}

}  // namespace sgds
