#pragma once
// Running a sweep's share of points: which points a worker (shard x MPI rank) owns, and the loop
// that runs each missing one and records it durably (sweep_directory.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/sweep/sweep_directory.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace sgds {

// A worker's place: shard `shard` of `shards` (Slurm array task or --shard), and within the
// shard MPI rank `rank` of `ranks`. Point p belongs to shard p mod shards; the k-th point of a
// shard belongs to rank k mod ranks. Round-robin, so costly corners of a grid spread out.
struct SweepWorker {
  int shard = 0, shards = 1, rank = 0, ranks = 1;
  std::string describe() const;  // "shard 1/3, rank 0/2"
};

std::vector<std::int64_t> worker_points(std::int64_t points, const SweepWorker& worker);

// "i/N" with 0 <= i < N; throws SweepError naming the text otherwise.
SweepWorker parse_shard(const std::string& text);

struct SweepRunOptions {
  std::string directory;
  SweepWorker worker;
  bool resume = false;  // keep this worker's complete points and run the rest
  bool quiet = false;   // no progress lines
  std::string command_line, device;
};

struct SweepRunSummary {
  std::int64_t assigned = 0, already_complete = 0, ran = 0;
};

SweepRunSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& options);

}  // namespace sgds
