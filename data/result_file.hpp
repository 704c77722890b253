#pragma once
// Self-describing result files (schema in data/schema.md). The writer stamps provenance on the
// root, writes under a temporary name, seals the file (data/file_seal.hpp: a checksum of every
// byte, the completeness marker) and renames it, so a file under its final name is whole and
// checkable. The reader checks the seal before libhdf5 sees the file (an unsealed one is first
// read in a child: data/isolated_read.hpp), then refuses other file types and schema majors.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/check_record.hpp"
#include "data/file_seal.hpp"
#include "data/h5.hpp"
#include "data/interruption.hpp"
#include "data/experiment_result.hpp"

namespace sgds {

inline constexpr const char* kResultFileType = "sgdsmooth-result";
inline constexpr std::int64_t kSchemaMajor = 1;
inline constexpr std::int64_t kSchemaMinor = 10;  // 1.10: the training trace of network runs
inline constexpr std::int64_t kFirstSealedMinor = 5;

// What a file holds, stored in its seal and its root attribute `result_kind`: an output replaces
// only a file of its own kind (data/output_path.hpp).
enum class ResultKind { run, check, train, smoothing, sweep_point, sweep };
const char* kind_name(ResultKind kind);  // "run", "check", "train", "smoothing", "sweep_point", "sweep"

class ResultFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Provenance {
  std::string command_line;
  std::string config_text;  // the effective config (after --set)
  std::uint32_t seed = 0;
  std::string device;  // e.g. "cpu: <model>, 2 threads"
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
  // With `extend`, the file starts as a copy of that sealed file (an interrupted run's
  // OUT.incomplete.h5): its groups stay as they are, the root provenance is stamped anew and its
  // `incomplete` mark removed. The temporary file is removed on an interruption (interruption.hpp).
  ResultWriter(std::string filename, ResultKind kind, const Provenance& provenance, const std::string& extend = "");
  ~ResultWriter();  // removes the temporary file unless committed
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // The root attribute `incomplete`: what the file holds of the command's work ("2 of 5
  // experiments done; ..."). A file so marked is whole, but the command did not finish.
  void mark_incomplete(const std::string& note);

  void write_experiment(const ExperimentResult& result);
  void write_check(const CheckResult& check);
  // A top-level group of its own for other kinds of output (/curves, /networks, ...), created on
  // first use. Document its layout in data/schema.md.
  h5::Group top_group(const std::string& name);
  // Flush, close, seal, sync, rename to the final name. A failure (a full disk) throws
  // ResultFileError naming the file and the system's reason; an earlier file of that name is
  // left as it was.
  void commit();

  const std::string& filename() const { return filename_; }

 private:
  std::string filename_, temporary_;
  ResultKind kind_;
  interruption::TemporaryFile temporary_guard_;  // registered before the file exists
  h5::File file_;
  bool committed_ = false;
};

// Write one experiment's statistics into `group` (used for /experiments/NAME and for the
// experiments that back a check).
void write_experiment_group(const h5::Group& group, const ExperimentResult& result);

// An int64 dataset 0 .. length-1 made a dimension scale (named `dimension_name`, default `name`),
// so that every axis of the arrays it indexes has a name readers (xarray, netCDF) show.
void write_index_scale(const h5::Group& group, const std::string& name, std::uint64_t length,
                       const std::string& description, const std::string& dimension_name = "");

struct ResultFileSummary {
  std::int64_t schema_major = 0, schema_minor = 0;
  std::string kind;  // "run", ...; for files before 1.5, inferred from their groups
  std::vector<std::pair<std::string, std::string>> root_attributes;
  std::vector<std::string> experiments, checks;
};

class ResultReader {
 public:
  // Refuses (ResultFileError, one line) anything but a regular file; a broken seal; an unsealed
  // file that a trial read in a child cannot survive, or that claims a sealed schema; another
  // filetype or schema major.
  explicit ResultReader(const std::string& filename);
  ResultFileSummary summary() const;
  h5::Group root() const { return file_.root(); }
  ExperimentResult read_experiment(const std::string& name) const;
  const SealCheck& seal() const { return seal_; }
  std::string kind() const;

 private:
  void check_file_type(const std::string& filename) const;  // filetype and schema attributes; throws
  h5::File file_;
  SealCheck seal_;
};

// `sgdsmooth verify FILE`: the seal, then every dataset read back in a child (HDF5 checks each
// chunk's Fletcher32 sum). `ok` false: `problem` says what is wrong, in one phrase.
struct VerifyReport {
  bool ok = false;
  std::string kind, problem;
  std::int64_t schema_major = 0, schema_minor = 0, datasets = 0;
  std::uint64_t bytes = 0;
};
VerifyReport verify_result_file(const std::string& filename);

}  // namespace sgds
