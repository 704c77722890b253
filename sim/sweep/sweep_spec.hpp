#pragma once
// A sweep: one base run config (the keys of `sgdsmooth run` configs) varied over a grid of
// dotted keys (cartesian product) and/or zipped lists (varied together), times replicate seeds.
//
//   seed = 7
//   [sweep]
//   replicates = 2
//   grid = { "experiment.*.schedule.eta" = [0.05, 0.1], "experiment.*.schedule.batch" = [1, 8] }
//   zip = { "experiment.*.noise.scale" = [0.5, 1.0], "experiment.*.problem.dim" = [2, 4] }
//   [[experiment]] ...
//
// Points are numbered row-major: grid axes in alphabetical key order (first slowest), then the
// zip group, then the replicate (fastest). A cell is a combination of values; point index =
// cell * replicates + replicate. Each point's run seed comes from (sweep seed, cell, replicate)
// through a Philox stream, never from the process, rank or shard that runs it.
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/experiment.hpp"

namespace sgds {

// One axis of the grid: a key and its values; the zip group is one axis with several keys.
struct SweepAxis {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;  // values[key][i] as TOML text, for apply_override
  std::size_t length() const { return values.empty() ? 0 : values.front().size(); }
};

struct SweepPoint {
  std::int64_t index = 0, cell = 0, replicate = 0;
  std::uint32_t seed = 0;
  std::vector<std::string> assignments;  // "key=value" for every axis key, in axis order
};

class SweepSpec {
 public:
  // Validate a sweep document: the [sweep] table, and the run config of every point (so a bad
  // value anywhere in the grid is refused before anything runs). Throws ConfigError (one line).
  static SweepSpec parse(const toml::table& document);

  std::uint32_t seed() const { return seed_; }
  std::int64_t replicates() const { return replicates_; }
  std::int64_t cells() const { return cells_; }
  std::int64_t points() const { return cells_ * replicates_; }
  const std::vector<SweepAxis>& axes() const { return axes_; }
  std::vector<std::string> axis_keys() const;  // every key, axis order

  SweepPoint point(std::int64_t index) const;
  // The point's run config document: base + its assignments + its seed.
  toml::table point_document(const SweepPoint& point) const;
  RunConfig point_config(const SweepPoint& point) const;

  // The effective sweep document as canonical TOML: stored in the sweep folder and the merged
  // file, and compared on --resume and merge so that points of different sweeps never mix.
  const std::string& canonical_text() const { return canonical_text_; }

 private:
  toml::table base_;  // the document without its [sweep] table
  std::uint32_t seed_ = 0;
  std::int64_t replicates_ = 1, cells_ = 1;
  std::vector<SweepAxis> axes_;
  std::string canonical_text_;
};

// The run seed of a point: a Philox word keyed by (sweep seed, cell) at step = replicate.
std::uint32_t sweep_point_seed(std::uint32_t sweep_seed, std::int64_t cell, std::int64_t replicate);

inline constexpr std::int64_t kMaxSweepPoints = 1000000;

}  // namespace sgds
