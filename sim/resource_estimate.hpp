#pragma once
// The memory and disk an experiment will need, estimated from its config before anything is
// allocated, against what this machine has: a config that cannot fit is refused up front (one
// line naming the keys and the bytes, exit 2) instead of ending in an allocation failure or a
// full disk after the computation.
#include <cstdint>
#include <string>

#include "sim/experiment.hpp"

namespace sgds {

// Bytes of memory this process can still take: the least of MemAvailable, the cgroup's limit
// less its usage, and RLIMIT_AS less what is mapped. SGDS_MEMORY_LIMIT_BYTES (tests) overrides.
std::uint64_t available_memory_bytes();

// Free bytes on the file system holding `path` (or its nearest existing parent).
std::uint64_t free_disk_bytes(const std::string& path);

// "24.0 TB", "512 MB", "800 bytes".
std::string bytes_text(double bytes);

struct ResourceEstimate {
  std::uint64_t memory_bytes = 0, output_bytes = 0;
  std::string
      memory_drivers;  // the config keys that make it large, e.g. "trajectories = 10000000 x problem.dim = 100000"
};

// The engine's state, observations, per-trajectory arrays, schedule and problem data of one
// experiment (sim/cpu_engine.hpp), and the datasets it writes.
ResourceEstimate estimate_experiment(const ExperimentConfig& experiment);

// The bytes per step of a schedule while it is built (eta, b, positions and the expansion's own arrays).
inline constexpr std::uint64_t kScheduleBytesPerStep = 64;

// Throws ConfigError when an experiment needs more memory than is available, or (with `output`)
// the run's result more disk than is free where `output` goes.
void refuse_beyond_resources(const RunConfig& config, const std::string& output = "");

}  // namespace sgds
