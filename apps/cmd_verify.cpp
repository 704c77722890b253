// sgdsmooth verify FILE|DIR...: is a result file (or every point of a sweep folder) whole and
// unchanged since sgdsmooth wrote it? One line per file or folder; exit 0 only if all are.
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/result_file.hpp"
#include "sim/sweep/point_file.hpp"
#include "sim/sweep/sweep_directory.hpp"
#include "sim/sweep/sweep_error.hpp"

namespace sgds::app {
namespace {

bool verify_file(const std::string& path) {
  const VerifyReport report = verify_result_file(path);
  if (!report.ok) {
    fmt::print("{}: NOT VERIFIED: {}\n", path, report.problem);
    return false;
  }
  fmt::print(
      "{}: ok: sgdsmooth {} result, schema {}.{}, {} bytes, sealed; every byte and all {} datasets' checksums "
      "verified\n",
      path, report.kind, report.schema_major, report.schema_minor, report.bytes, report.datasets);
  return true;
}

bool verify_sweep_folder(const std::string& path) {
  const SweepDirectory folder(path);
  SweepSpec spec;
  try {
    spec = folder.read_manifest();
  } catch (const ConfigError& e) {
    fmt::print("{}: NOT VERIFIED: {}\n", path, e.what());
    return false;
  }
  std::int64_t complete = 0, bad = 0;
  for (std::int64_t p = 0; p < spec.points(); ++p) {
    try {
      if (!folder.point_complete(p)) continue;
      verify_sweep_point(folder.point_path(p), spec, p);
      const VerifyReport report = verify_result_file(folder.point_path(p));
      if (!report.ok) throw SweepError(report.problem);
      ++complete;
    } catch (const ConfigError& e) {
      fmt::print("{}: NOT VERIFIED: {}\n", folder.point_path(p), e.what());
      ++bad;
    }
  }
  if (bad > 0) {
    fmt::print("{}: NOT VERIFIED: {} of its {} point files cannot be trusted\n", path, bad, complete + bad);
    return false;
  }
  fmt::print("{}: ok: sweep folder, {} of {} points complete, each sealed and verified{}\n", path, complete,
             spec.points(), complete < spec.points() ? "; the rest not yet run" : "");
  return true;
}

void verify_command(const std::vector<std::string>& paths) {
  bool all = true;
  for (const auto& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      if (!std::filesystem::exists(std::filesystem::path(path) / "sweep.toml")) {
        fmt::print("{}: NOT VERIFIED: a folder but not a sweep folder (no sweep.toml)\n", path);
        all = false;
        continue;
      }
      all = verify_sweep_folder(path) && all;
    } else {
      all = verify_file(path) && all;
    }
  }
  std::fflush(stdout);
  if (!all) throw CLI::RuntimeError(2);
}

const RegisterCommand registered(32, [](CLI::App& cli) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* verify = cli.add_subcommand(
      "verify", "Check that result files, or every point of sweep folders, are whole and unchanged since written");
  verify->add_option("paths", *paths, "Result files (HDF5) or sweep folders")->required();
  verify->footer(
      "A file is verified when its seal (a checksum of every byte, written last) matches and every dataset reads\n"
      "back with HDF5's own checksums. Exit status 0: all verified; 2: something is corrupted, incomplete or not\n"
      "an sgdsmooth file (one line says what).");
  verify->callback([paths] { verify_command(*paths); });
});

}  // namespace
}  // namespace sgds::app
