#pragma once
// One finished sweep point in a result file of its own: the usual root provenance (its effective
// run config and seed), /experiments/NAME as `sgdsmooth run` writes them, and /sweep_point with
// the point's index, cell, replicate, seed and who computed it. A sweep records a point as
// complete by renaming this file into the folder's points/ (see sweep_directory.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "data/result_file.hpp"
#include "data/experiment_result.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace sgds {

struct PointRecord {
  SweepPoint point;                           // index, cell, replicate, seed (assignments are not stored)
  std::string config_text;                    // the point's effective run config (TOML)
  std::string device, computed_by, created;   // provenance: where, by which shard/rank, when
  std::vector<ExperimentResult> experiments;  // with parameters and series descriptions
};

// Write `record` to `filename` (via a temporary name, sealed, fsynced, renamed).
void write_point_file(const std::string& filename, const PointRecord& record, const std::string& command_line);

// Read back everything write_point_file stored; throws ResultFileError (an unsealed, corrupted or
// foreign file: points are trusted only sealed) or h5::H5Error.
PointRecord read_point_file(const std::string& filename);

// Point `index` of `spec`, sealed and whole, is what `filename` holds; else SweepError (one line
// naming the file and what is wrong). Reads the seal and the point's attributes, not its data.
void verify_sweep_point(const std::string& filename, const SweepSpec& spec, std::int64_t index);

}  // namespace sgds
