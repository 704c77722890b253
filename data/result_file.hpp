#pragma once
// Self-describing result files (schema in data/schema.md). The writer stamps provenance on the
// root, writes under a temporary name and renames when complete, so a file with the final name
// is always whole. The reader refuses other file types and other schema major versions.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/check.hpp"
#include "data/h5.hpp"
#include "sim/experiment_result.hpp"

namespace sgds {

inline constexpr const char* kResultFileType = "sgdsmooth-result";
inline constexpr std::int64_t kSchemaMajor = 1;
inline constexpr std::int64_t kSchemaMinor = 4;  // 1.4: /networks: gradient_norm_full, diverged_epoch

class ResultFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Provenance {
  std::string command_line;
  std::string config_text;  // the effective config (after --set)
  std::uint32_t seed = 0;
  std::string device;       // e.g. "cpu: <model>, 2 threads"
};

// What this binary is: version, git sha, compiler and flags, CUDA on/off.
std::string tool_version();
std::string git_revision();
std::string build_description();
std::string cpu_device_description(int threads);
std::string utc_timestamp();

class ResultWriter {
 public:
  // Opens `<filename>.partial-<pid>` for writing; nothing appears under `filename` until commit().
  ResultWriter(std::string filename, const Provenance& provenance);
  ~ResultWriter();  // removes the temporary file unless committed
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  void write_experiment(const ExperimentResult& result);
  void write_check(const CheckResult& check);
  // A top-level group of its own for other kinds of output (/curves, /networks, ...), created on
  // first use. Document its layout in data/schema.md.
  h5::Group top_group(const std::string& name);
  void commit();  // flush, close, rename to the final name

  const std::string& filename() const { return filename_; }

 private:
  std::string filename_, temporary_;
  h5::File file_;
  bool committed_ = false;
};

// Write one experiment's statistics into `group` (used for /experiments/NAME and for the
// experiments that back a check).
void write_experiment_group(const h5::Group& group, const ExperimentResult& result);

struct ResultFileSummary {
  std::int64_t schema_major = 0, schema_minor = 0;
  std::vector<std::pair<std::string, std::string>> root_attributes;
  std::vector<std::string> experiments, checks;
};

// Where a file to read comes from. Files from elsewhere are first read in a forked child
// (data/hdf5_trial_read.hpp: a corrupted file can crash libhdf5). A file this process has just
// written and fsynced (the sweep's read-back) skips that: no fork in MPI ranks.
enum class FileOrigin { elsewhere, this_process };

class ResultReader {
 public:
  // Checks filetype and schema version.
  explicit ResultReader(const std::string& filename, FileOrigin origin = FileOrigin::elsewhere);
  ResultFileSummary summary() const;
  h5::Group root() const { return file_.root(); }
  ExperimentResult read_experiment(const std::string& name) const;

 private:
  h5::File file_;
};

}  // namespace sgds
