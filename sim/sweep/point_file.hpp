#pragma once
// One finished sweep point in a result file of its own: the usual root provenance (its effective
// run config and seed), /experiments/NAME as `sgdsmooth run` writes them, and /sweep_point with
// the point's index, cell, replicate, seed and who computed it. A sweep records a point as
// complete by renaming this file into the folder's points/ (see sweep_directory.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "data/result_file.hpp"
#include "sim/experiment_result.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace sgds {

struct PointRecord {
  SweepPoint point;            // index, cell, replicate, seed (assignments are not stored)
  std::string config_text;     // the point's effective run config (TOML)
  std::string device, computed_by, created;  // provenance: where, by which shard/rank, when
  std::vector<ExperimentResult> experiments;  // with parameters and series descriptions
};

// Write `record` to `filename` (via a temporary name and a rename, fsynced).
void write_point_file(const std::string& filename, const PointRecord& record, const std::string& command_line);

// Read back everything write_point_file stored; throws ResultFileError or h5::H5Error.
PointRecord read_point_file(const std::string& filename, FileOrigin origin = FileOrigin::elsewhere);

}  // namespace sgds
