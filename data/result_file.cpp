#include "data/result_file.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <system_error>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <variant>

#include <fmt/format.h>

#include "data/isolated_read.hpp"
#include "data/output_path.hpp"

namespace sgds {

const char* git_sha();  // generated at build time (cmake/WriteGitInfo.cmake)

const char* kind_name(ResultKind kind) {
  switch (kind) {
    case ResultKind::run:
      return "run";
    case ResultKind::check:
      return "check";
    case ResultKind::train:
      return "train";
    case ResultKind::smoothing:
      return "smoothing";
    case ResultKind::sweep_point:
      return "sweep_point";
    case ResultKind::sweep:
      return "sweep";
  }
  return "run";
}

std::string tool_version() { return SGDS_VERSION; }
std::string git_revision() { return git_sha(); }
std::string build_description() { return SGDS_BUILD_INFO; }

std::string cpu_device_description(int threads) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  return fmt::format("cpu: {}, {} thread{}", model, threads, threads == 1 ? "" : "s");
}

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

void write_parameter(const h5::Group& group, const std::string& key, const ParameterValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) group.set_attribute(key, static_cast<std::int64_t>(v ? 1 : 0));
        else group.set_attribute(key, v);
      },
      value);
}

}  // namespace

void write_index_scale(const h5::Group& group, const std::string& name, std::uint64_t length,
                       const std::string& description, const std::string& dimension_name) {
  std::vector<std::int64_t> index(length);
  for (std::uint64_t i = 0; i < length; ++i) index[i] = static_cast<std::int64_t>(i);
  group.write(name, index, {length});
  group.set_dataset_attribute(name, "description", description);
  group.make_dimension_scale(name, dimension_name.empty() ? name : dimension_name);
}

void write_experiment_group(const h5::Group& group, const ExperimentResult& result) {
  for (const auto& [key, value] : result.parameters) write_parameter(group, key, value);
  group.set_attribute("name", result.name);
  const std::uint64_t k = result.steps.size();
  group.write("step", result.steps, {k});
  group.set_dataset_attribute("step", "description", "optimizer steps taken at each checkpoint");
  group.make_dimension_scale("step", "step");
  group.write("diverged", result.diverged, {k});
  group.set_dataset_attribute("diverged", "description",
                              "trajectories frozen so far (NaN/Inf or beyond the divergence bound); excluded");
  group.attach_dimension_scale("diverged", "step", 0);

  for (const auto& s : result.series) {
    const std::uint64_t w = static_cast<std::uint64_t>(s.width);
    std::string column_scale;
    if (s.width > 1) {
      column_scale = fmt::format("column{}", s.width);
      if (!group.has(column_scale)) {
        std::vector<std::int64_t> index(w);
        for (std::uint64_t i = 0; i < w; ++i) index[i] = static_cast<std::int64_t>(i);
        group.write(column_scale, index, {w});
        group.make_dimension_scale(column_scale, "coordinate");
      }
    }
    const std::vector<std::uint64_t> shape =
        s.width > 1 ? std::vector<std::uint64_t>{k, w} : std::vector<std::uint64_t>{k};
    for (const auto& [suffix, values, what] :
         {std::tuple{"_mean", &s.mean, "mean over alive trajectories of "},
          std::tuple{"_se", &s.standard_error, "standard error of the mean of "}}) {
      const std::string name = s.name + suffix;
      group.write(name, *values, shape);
      group.set_dataset_attribute(name, "description", std::string(what) + s.description);
      group.attach_dimension_scale(name, "step", 0);
      if (s.width > 1) group.attach_dimension_scale(name, column_scale, 1);
    }
    group.write(s.name + "_count", s.count, {k});
    group.attach_dimension_scale(s.name + "_count", "step", 0);
  }

  // Schema 1.1: quantiles, per-checkpoint series (eta, b, delta, g, success, basins), and
  // per-trajectory arrays when the experiment asked for them.
  for (const auto& q : result.quantiles) {
    const std::uint64_t width = q.probabilities.size();
    if (!group.has("probability")) {
      group.write("probability", q.probabilities, {width});
      group.make_dimension_scale("probability", "probability");
    }
    const std::string name = q.name + "_quantiles";
    group.write(name, q.values, {k, width});
    group.set_dataset_attribute(name, "description", q.description + " of " + q.name);
    group.attach_dimension_scale(name, "step", 0);
    group.attach_dimension_scale(name, "probability", 1);
  }
  for (const auto& c : result.checkpoint_series) {
    const std::uint64_t w = static_cast<std::uint64_t>(c.width);
    group.write(c.name, c.values, c.width > 1 ? std::vector<std::uint64_t>{k, w} : std::vector<std::uint64_t>{k});
    group.set_dataset_attribute(c.name, "description", c.description);
    group.attach_dimension_scale(c.name, "step", 0);
    if (c.width > 1) {  // e.g. basin_share [K, B]: its columns get a scale of their own (basin_share_column)
      const std::string scale = c.name + "_column";
      write_index_scale(group, scale, w, "column index of " + c.name);
      group.attach_dimension_scale(c.name, scale, 1);
    }
  }
  if (!result.trajectory_f.empty()) {
    const std::uint64_t n = static_cast<std::uint64_t>(result.trajectories);
    const auto d = static_cast<std::uint64_t>(result.dim);
    write_index_scale(group, "trajectory", n, "trajectory index (the key of its random stream)");
    group.write("trajectory_f", result.trajectory_f, {n, k});
    group.set_dataset_attribute("trajectory_f", "description",
                                "f of every trajectory at every checkpoint (NaN once diverged)");
    group.attach_dimension_scale("trajectory_f", "trajectory", 0);
    group.attach_dimension_scale("trajectory_f", "step", 1);
    const std::string column_scale = fmt::format("column{}", d);  // the x series' coordinate scale
    if (!group.has(column_scale)) {
      write_index_scale(group, column_scale, d, "coordinate index", "coordinate");
    }
    group.write("final_x", result.final_x, {n, d});
    group.set_dataset_attribute("final_x", "description", "x of every trajectory at the last checkpoint");
    group.attach_dimension_scale("final_x", "trajectory", 0);
    group.attach_dimension_scale("final_x", column_scale, 1);
  }
}

namespace {

void stamp_provenance(const h5::Group& root, ResultKind kind, const Provenance& provenance) {
  root.set_attribute("filetype", kResultFileType);
  root.set_attribute("schema_version", std::vector<std::int64_t>{kSchemaMajor, kSchemaMinor});
  root.set_attribute("result_kind", kind_name(kind));
  root.set_attribute("tool_version", tool_version());
  root.set_attribute("git_sha", git_revision());
  root.set_attribute("created", utc_timestamp());
  root.set_attribute("command_line", provenance.command_line);
  root.set_attribute("config", provenance.config_text);
  root.set_attribute("seed", static_cast<std::int64_t>(provenance.seed));
  root.set_attribute("build", build_description());
  root.set_attribute("device", provenance.device);
  root.set_attribute("noise_normalisation",
                     "per_coordinate: u has independent unit-variance coordinates; delta = eta C / sqrt(b) is the "
                     "per-coordinate std of eta*omega");
}

}  // namespace

ResultWriter::ResultWriter(std::string filename, ResultKind kind, const Provenance& provenance,
                           const std::string& extend)
    : filename_(std::move(filename)), temporary_(temporary_name(filename_, ::getpid())), kind_(kind),
      temporary_guard_(temporary_) {
  const std::filesystem::path parent = std::filesystem::path(filename_).parent_path();
  std::error_code ignored;
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);  // failure surfaces below
  try {
    if (extend.empty()) {
      file_ = h5::File::create(temporary_, kSealBytes);
    } else {
      std::error_code error;
      std::filesystem::copy_file(extend, temporary_, std::filesystem::copy_options::overwrite_existing, error);
      if (error) throw h5::H5Error(fmt::format("cannot copy '{}': {}", extend, error.message()));
      file_ = h5::File::open_write(temporary_);
    }
    const h5::Group root = file_.root();
    stamp_provenance(root, kind, provenance);
    root.delete_attribute("incomplete");
    if (!root.has("experiments")) root.create_group("experiments");
    if (!root.has("checks")) root.create_group("checks");
  } catch (const h5::H5Error& e) {
    file_.close();
    std::remove(temporary_.c_str());
    throw ResultFileError(fmt::format("cannot write '{}': {}; nothing was written", filename_, e.what()));
  }
}

ResultWriter::~ResultWriter() {
  if (!committed_) {
    file_.close();
    std::remove(temporary_.c_str());
  }
}

void ResultWriter::mark_incomplete(const std::string& note) { file_.root().set_attribute("incomplete", note); }

void ResultWriter::write_experiment(const ExperimentResult& result) {
  write_experiment_group(file_.root().open_group("experiments").create_group(result.name), result);
}

void ResultWriter::write_check(const CheckResult& check) {
  const h5::Group root = file_.root();
  h5::Group parent = root.open_group("checks");
  if (!check.mutant.empty()) {
    if (!root.has("mutants")) root.create_group("mutants");
    h5::Group mutants = root.open_group("mutants");
    parent = mutants.has(check.name) ? mutants.open_group(check.name) : mutants.create_group(check.name);
  }
  const h5::Group group = parent.create_group(check.mutant.empty() ? check.name : check.mutant);
  group.set_attribute("name", check.name);
  group.set_attribute("claim", check.claim);
  group.set_attribute("provenance", check.provenance);
  group.set_attribute("decision_rule", check.decision_rule);
  group.set_attribute("mutant", check.mutant);
  group.set_attribute("z_threshold", check.z_threshold);
  group.set_attribute("verdict", verdict_name(check.verdict));
  group.set_attribute("seconds", check.seconds);
  group.set_attribute("kind", kind_name(check.kind));
  if (!check.comparisons.empty()) {
    const Comparison& worst = check.worst();
    group.set_attribute("worst_label", worst.label);
    group.set_attribute("max_abs_z", check.max_abs_z());
    // The comparison that decided the verdict (exact: the worst; trend: the row whose verdict it is).
    const Comparison& deciding = check.deciding();
    group.set_attribute("deciding_label", deciding.label);
    group.set_attribute("estimate", deciding.estimate);
    group.set_attribute("standard_error", deciding.standard_error);
    group.set_attribute("oracle", deciding.oracle);
    if (deciding.has_interval()) {
      group.set_attribute("interval_low", deciding.interval_low);
      group.set_attribute("interval_high", deciding.interval_high);
    }
  }
  const std::uint64_t n = check.comparisons.size();
  std::vector<std::string> labels, evidence, row_verdict;
  std::vector<double> estimate, se, oracle, z, low, high;
  for (const auto& c : check.comparisons) {
    labels.push_back(c.label);
    evidence.push_back(evidence_name(c.evidence));
    row_verdict.push_back(check.kind == CheckKind::trend ? verdict_name(c.verdict) : "");
    low.push_back(c.interval_low);
    high.push_back(c.interval_high);
    estimate.push_back(c.estimate);
    se.push_back(c.standard_error);
    oracle.push_back(c.oracle);
    z.push_back(c.z());
  }
  group.write_strings("comparison", labels);
  group.make_dimension_scale("comparison", "comparison");
  for (const auto& [name, values] : {std::pair{"evidence", &evidence}, std::pair{"row_verdict", &row_verdict}}) {
    group.write_strings(name, *values);
    group.attach_dimension_scale(name, "comparison", 0);
  }
  for (const auto& [name, values] : {std::pair{"interval_low", &low}, std::pair{"interval_high", &high}}) {
    group.write(name, *values, {n});
    group.attach_dimension_scale(name, "comparison", 0);
  }
  for (const auto& [name, values] : {std::pair{"estimate", &estimate}, std::pair{"standard_error", &se},
                                     std::pair{"oracle", &oracle}, std::pair{"z", &z}}) {
    group.write(name, *values, {n});
    group.attach_dimension_scale(name, "comparison", 0);
  }
  if (!check.experiments.empty()) {
    const h5::Group experiments = group.create_group("experiments");
    for (const auto& e : check.experiments) write_experiment_group(experiments.create_group(e.name), e);
  }
}

h5::Group ResultWriter::top_group(const std::string& name) {
  const h5::Group root = file_.root();
  return root.has(name) ? root.open_group(name) : root.create_group(name);
}

void ResultWriter::commit() {
  const auto fail = [&](const std::string& why) {
    file_.close();
    std::remove(temporary_.c_str());
    temporary_guard_.release();
    throw ResultFileError(
        fmt::format("cannot write '{}': {}; nothing was written (an earlier file of that name is "
                    "unchanged)",
                    filename_, why));
  };
  try {
    file_.flush();
    file_.close_checked();
    write_seal(temporary_, kind_name(kind_));  // fsyncs the data before the rename makes it visible
  } catch (const h5::H5Error& e) {
    fail(e.what());
  } catch (const std::system_error& e) {
    fail(e.code().message());
  }
  std::error_code error;
  std::filesystem::rename(temporary_, filename_, error);
  if (error) fail(error.message());
  temporary_guard_.release();
  const std::filesystem::path parent = std::filesystem::path(filename_).parent_path();
  if (FILE* folder = std::fopen(parent.empty() ? "." : parent.c_str(), "r")) {  // the rename, durable
    ::fsync(fileno(folder));
    std::fclose(folder);
  }
  committed_ = true;
}

namespace {

// The kind of a file written before seals (schema 1.0-1.4): what its groups hold.
std::string inferred_kind(const h5::Group& root) {
  if (root.has("sweep_point")) return "sweep_point";
  if (root.has("sweep")) return "sweep";
  if (root.has("networks")) return "train";
  if (root.has("curves")) return "smoothing";
  if (root.has("checks") && !root.open_group("checks").children().empty()) return "check";
  return "run";
}

}  // namespace

ResultReader::ResultReader(const std::string& filename) {
  try {
    require_regular_file(filename, "result file");
    seal_ = check_seal(filename);
  } catch (const PathError& e) {
    throw ResultFileError(e.what());
  } catch (const std::system_error& e) {
    throw ResultFileError(fmt::format("cannot read '{}': {}", filename, e.code().message()));
  }
  if (seal_.state == SealState::broken)
    throw ResultFileError(fmt::format("'{}' is corrupted ({}); not read", filename, seal_.problem));
  try {
    // A sealed file holds the bytes this program wrote; any other is read in a child first.
    if (seal_.state == SealState::unsealed) h5::refuse_if_reading_crashes(filename);
    file_ = h5::File::open_read(filename);
  } catch (const h5::H5Error& e) {
    throw ResultFileError(e.what());
  }
  try {
    check_file_type(filename);
  } catch (const h5::H5Error& e) {  // an attribute of the wrong shape or type
    throw ResultFileError(
        fmt::format("'{}' is not a readable sgdsmooth result file ({}); not read", filename, e.what()));
  }
}

void ResultReader::check_file_type(const std::string& filename) const {
  const h5::Group root = file_.root();
  if (!root.has_attribute("filetype") || root.attribute_string("filetype") != kResultFileType)
    throw ResultFileError(fmt::format("'{}' is not an sgdsmooth result file (root attribute filetype != \"{}\")",
                                      filename, kResultFileType));
  const auto version =
      root.has_attribute("schema_version") ? root.attribute_int64s("schema_version") : std::vector<std::int64_t>{};
  if (version.size() != 2) throw ResultFileError(fmt::format("'{}' has no valid schema_version attribute", filename));
  if (version[0] != kSchemaMajor)
    throw ResultFileError(fmt::format("'{}' has schema version {}.{}; this sgdsmooth reads {}.x (tool {})", filename,
                                      version[0], version[1], kSchemaMajor, tool_version()));
  if (seal_.state == SealState::unsealed && version[1] >= kFirstSealedMinor)
    throw ResultFileError(
        fmt::format("'{}' has no seal although schema {}.{} seals every file: it was never completed, "
                    "or its first bytes were damaged; not read",
                    filename, version[0], version[1]));
}

std::string ResultReader::kind() const {
  if (seal_.state == SealState::sealed) return seal_.kind;
  return inferred_kind(file_.root());
}

ResultFileSummary ResultReader::summary() const {
  ResultFileSummary summary;
  const h5::Group root = file_.root();
  const auto version = root.attribute_int64s("schema_version");
  summary.schema_major = version[0];
  summary.schema_minor = version[1];
  summary.kind = kind();
  for (const auto& name : root.attribute_names())
    summary.root_attributes.emplace_back(name, root.attribute_as_text(name));
  if (root.has("experiments")) summary.experiments = root.open_group("experiments").children();
  if (root.has("checks")) summary.checks = root.open_group("checks").children();
  return summary;
}

ExperimentResult ResultReader::read_experiment(const std::string& name) const {
  const h5::Group group = file_.root().open_group("experiments").open_group(name);
  ExperimentResult result;
  result.name = name;
  result.steps = group.read_int64s("step");
  result.diverged = group.read_int64s("diverged");
  for (const auto& child : group.children()) {
    const std::string suffix = "_mean";
    if (child.size() <= suffix.size() || child.compare(child.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    ObservableSeries s;
    s.name = child.substr(0, child.size() - suffix.size());
    const auto info = group.dataset_info(child);
    s.width = info.shape.size() > 1 ? static_cast<int>(info.shape[1]) : 1;
    s.mean = group.read_doubles(child);
    s.standard_error = group.read_doubles(s.name + "_se");
    s.count = group.read_int64s(s.name + "_count");
    result.series.push_back(std::move(s));
  }
  return result;
}

}  // namespace sgds

namespace sgds {

namespace {

// Every dataset of every group read back; the first that fails (a Fletcher32 mismatch) is named.
void read_every_dataset(const h5::Group& group, std::int64_t& datasets) {
  for (const auto& child : group.children()) {
    if (group.is_group(child)) {
      read_every_dataset(group.open_group(child), datasets);
      continue;
    }
    const h5::DatasetInfo info = group.dataset_info(child);
    if (info.type == "string") (void)group.read_strings(child);
    else if (info.type.rfind("float", 0) == 0) (void)group.read_doubles(child);
    else (void)group.read_int64s(child);
    ++datasets;
  }
}

}  // namespace

VerifyReport verify_result_file(const std::string& filename) {
  VerifyReport report;
  try {
    const ResultReader reader(filename);
    report.bytes = reader.seal().bytes;
    const ResultFileSummary summary = reader.summary();
    report.kind = summary.kind;
    report.schema_major = summary.schema_major;
    report.schema_minor = summary.schema_minor;
    if (reader.seal().state != SealState::sealed) {
      report.problem = fmt::format(
          "no seal (schema {}.{}: written before sgdsmooth sealed its files); its bytes cannot "
          "be checked",
          summary.schema_major, summary.schema_minor);
      return report;
    }
  } catch (const ResultFileError& e) {
    report.problem = e.what();
    return report;
  } catch (const h5::H5Error& e) {
    report.problem = e.what();
    return report;
  }
  // Read in a child: a dataset that libhdf5 refuses is named; one that crashes it is caught too.
  const h5::IsolatedRun run = h5::run_isolated(
      [&] {
        try {
          const h5::File file = h5::File::open_read(filename);
          std::int64_t datasets = 0;
          read_every_dataset(file.root(), datasets);
          std::fprintf(stdout, "%lld", static_cast<long long>(datasets));
          return 0;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s", e.what());
          return 2;
        }
      },
      h5::trial_cpu_seconds(filename) * 4, h5::trial_wall_seconds(filename) * 4);
  if (!run.started || (run.exited && run.exit_status == 0)) {
    report.ok = true;
    report.datasets = run.out.empty() ? 0 : std::stoll(run.out);
  } else {
    report.problem = run.exited && run.exit_status == 2 ? run.err : "reading its datasets " + run.failure();
  }
  return report;
}

}  // namespace sgds
