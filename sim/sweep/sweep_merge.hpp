#pragma once
// Merging a sweep folder into one result file (layout in data/schema.md, "Sweep files"). The
// merged datasets depend only on the sweep and its points' data, never on how many shards or
// ranks computed them or in which order.
#include <cstdint>
#include <string>

namespace sgds {

struct SweepMergeSummary {
  std::int64_t points = 0, complete = 0;
};

// Reads DIR/sweep.toml and every point file, checks each belongs to the sweep, and writes
// `output` (via a temporary name: nothing appears unless all succeeded). Missing points are an
// error unless `allow_incomplete`; then /sweep/completed marks them 0.
SweepMergeSummary merge_sweep(const std::string& directory, const std::string& output, bool allow_incomplete,
                              const std::string& command_line);

}  // namespace sgds
