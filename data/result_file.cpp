#include "data/result_file.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <variant>

#include <fmt/format.h>

#include "data/hdf5_trial_read.hpp"

namespace sgds {

const char* git_sha();  // generated at build time (cmake/WriteGitInfo.cmake)

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
    const std::vector<std::uint64_t> shape = s.width > 1 ? std::vector<std::uint64_t>{k, w} : std::vector<std::uint64_t>{k};
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
  }
  if (!result.trajectory_f.empty()) {
    const std::uint64_t n = static_cast<std::uint64_t>(result.trajectories);
    group.write("trajectory_f", result.trajectory_f, {n, k});
    group.set_dataset_attribute("trajectory_f", "description", "f of every trajectory at every checkpoint (NaN once diverged)");
    group.attach_dimension_scale("trajectory_f", "step", 1);
    group.write("final_x", result.final_x, {n, static_cast<std::uint64_t>(result.dim)});
    group.set_dataset_attribute("final_x", "description", "x of every trajectory at the last checkpoint");
  }
}

ResultWriter::ResultWriter(std::string filename, const Provenance& provenance)
    : filename_(std::move(filename)), temporary_(fmt::format("{}.partial-{}", filename_, ::getpid())) {
  const std::filesystem::path parent = std::filesystem::path(filename_).parent_path();
  std::error_code ignored;
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);  // failure surfaces below
  try {
    file_ = h5::File::create(temporary_);
  } catch (const h5::H5Error&) {
    throw ResultFileError(fmt::format("cannot write output file '{}' (is the folder there and writable?)", filename_));
  }
  const h5::Group root = file_.root();
  root.set_attribute("filetype", kResultFileType);
  root.set_attribute("schema_version", std::vector<std::int64_t>{kSchemaMajor, kSchemaMinor});
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
  root.create_group("experiments");
  root.create_group("checks");
}

ResultWriter::~ResultWriter() {
  if (!committed_) {
    file_.close();
    std::remove(temporary_.c_str());
  }
}

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
  if (!check.comparisons.empty()) {
    const Comparison& worst = check.worst();
    group.set_attribute("worst_label", worst.label);
    group.set_attribute("estimate", worst.estimate);
    group.set_attribute("standard_error", worst.standard_error);
    group.set_attribute("oracle", worst.oracle);
    group.set_attribute("max_abs_z", check.max_abs_z());
  }
  const std::uint64_t n = check.comparisons.size();
  std::vector<std::string> labels;
  std::vector<double> estimate, se, oracle, z;
  for (const auto& c : check.comparisons) {
    labels.push_back(c.label);
    estimate.push_back(c.estimate);
    se.push_back(c.standard_error);
    oracle.push_back(c.oracle);
    z.push_back(c.z());
  }
  group.write_strings("comparison", labels);
  group.make_dimension_scale("comparison", "comparison");
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
  file_.flush();
  file_.close();
  // fsync the data before the rename makes the file visible under its final name.
  if (FILE* f = std::fopen(temporary_.c_str(), "rb")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  std::error_code error;
  std::filesystem::rename(temporary_, filename_, error);
  if (error) {
    std::remove(temporary_.c_str());
    throw ResultFileError(fmt::format("cannot move the result into '{}': {}", filename_, error.message()));
  }
  committed_ = true;
}

ResultReader::ResultReader(const std::string& filename, FileOrigin origin) {
  try {
    if (origin == FileOrigin::elsewhere) h5::refuse_if_reading_crashes(filename);  // not crash in libhdf5
    file_ = h5::File::open_read(filename);
  } catch (const h5::H5Error& e) {
    throw ResultFileError(e.what());
  }
  const h5::Group root = file_.root();
  if (!root.has_attribute("filetype") || root.attribute_string("filetype") != kResultFileType)
    throw ResultFileError(
        fmt::format("'{}' is not an sgdsmooth result file (root attribute filetype != \"{}\")", filename, kResultFileType));
  const auto version = root.has_attribute("schema_version") ? root.attribute_int64s("schema_version")
                                                            : std::vector<std::int64_t>{};
  if (version.size() != 2)
    throw ResultFileError(fmt::format("'{}' has no valid schema_version attribute", filename));
  if (version[0] != kSchemaMajor)
    throw ResultFileError(fmt::format("'{}' has schema version {}.{}; this sgdsmooth reads {}.x (tool {})", filename,
                                      version[0], version[1], kSchemaMajor, tool_version()));
}

ResultFileSummary ResultReader::summary() const {
  ResultFileSummary summary;
  const h5::Group root = file_.root();
  const auto version = root.attribute_int64s("schema_version");
  summary.schema_major = version[0];
  summary.schema_minor = version[1];
  for (const auto& name : root.attribute_names()) summary.root_attributes.emplace_back(name, root.attribute_as_text(name));
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
