// sgdsmooth report FILE.h5 -o DIR: every figure of a result file as PNG plus report.md, without
// Jupyter. The figures are drawn by the Python package in analysis/python (module
// sgdsmooth.report), run with Debian's python3; this command checks the file and hands over.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"

extern char** environ;

namespace sgds::app {
namespace {

struct ReportOptions {
  std::string input, output;
  bool verbose = false;
};

// The first line of every report.md (analysis/python/sgdsmooth/report.py, REPORT_MARKER).
constexpr const char* kReportMarker = "<!-- written by sgdsmooth report -->";

// Where the package lives: $SGDS_SOURCE_DIR if set (an installed binary pointed at a checkout),
// else the source tree this binary was built from.
std::filesystem::path package_root() {
  const char* overridden = std::getenv("SGDS_SOURCE_DIR");
  return std::filesystem::path(overridden && *overridden ? overridden : SGDS_SOURCE_DIR) / "analysis" / "python";
}

int run_python(const std::string& python, const std::filesystem::path& root, const ReportOptions& options,
               const std::string& folder, bool trusted) {
  const char* old_path = std::getenv("PYTHONPATH");
  const std::string python_path = root.string() + (old_path && *old_path ? ":" + std::string(old_path) : "");
  ::setenv("PYTHONPATH", python_path.c_str(), 1);
  ::setenv("MPLBACKEND", "Agg", 1);
  ::setenv("SGDS_REPORT_FOLDER", options.output.c_str(), 1);
  std::vector<std::string> args{python, "-m", "sgdsmooth.report", options.input, "-o", folder};
  if (options.verbose) args.push_back("--verbose");
  if (trusted) args.push_back("--sealed");  // a failure on a sealed file is this program's, not the file's
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // SIGINT, SIGTERM and SIGHUP are held while python draws: on one, python is stopped, the
  // staging folder removed and the command ends as interruption.hpp's handler would, in one line.
  sigset_t held, previous;
  sigemptyset(&held);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&held, s);
  ::sigprocmask(SIG_BLOCK, &held, &previous);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setsigmask(&attributes, &previous);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, python.c_str(), nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    throw UsageError(fmt::format("report: cannot run '{}' ({}); set SGDS_PYTHON to a python3 with numpy, h5py, "
                                 "matplotlib and scipy",
                                 python, std::strerror(error)));
  }
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      ::sigprocmask(SIG_SETMASK, &previous, nullptr);
      throw std::runtime_error("report: waitpid failed");
    }
    const timespec tick{0, 20'000'000};
    const int signal_number = ::sigtimedwait(&held, nullptr, &tick);
    if (signal_number > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &status, 0);
      std::error_code ignored;
      std::filesystem::remove_all(folder, ignored);
      std::fprintf(stderr, "\nsgdsmooth: interrupted by %s: nothing was written ('%s' is as it was)\n",
                   signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "SIGHUP",
                   options.output.c_str());
      std::_Exit(128 + signal_number);
    }
  }
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Move every file the report made from `staging` into `folder` (replacing an earlier report's
// files of the same names, nothing else), then remove `staging`.
void publish_report(const std::filesystem::path& staging, const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(staging)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  // report.md last: its marker says the folder is a report's only once the figures are in.
  std::stable_partition(files.begin(), files.end(), [](const fs::path& p) { return p.filename() != "report.md"; });
  for (const auto& file : files) fs::rename(file, folder / file.filename());
  fs::remove(staging);
}

void report_command(const ReportOptions& options) {
  bool sealed = false;
  {
    const ResultReader check_first(options.input);  // refuses other files, broken seals, schema majors: one line, exit 2
    sealed = check_first.seal().state == SealState::sealed;
  }
  check_output_folder(options.output, "report.md", kReportMarker);
  clear_stale_temporaries(options.output);
  const std::filesystem::path root = package_root();
  if (!std::filesystem::exists(root / "sgdsmooth" / "report.py"))
    throw UsageError(fmt::format("report: the Python package is not at '{}' (set SGDS_SOURCE_DIR to the sgdsmooth "
                                 "source tree)",
                                 (root / "sgdsmooth").string()));
  const char* python_env = std::getenv("SGDS_PYTHON");
  const std::string python = python_env && *python_env ? python_env : "/usr/bin/python3";
  // The figures are drawn into a staging folder beside the output, moved in only when all are
  // drawn: a failed or interrupted report leaves the output folder as it was.
  const std::string staging = temporary_name(options.output, ::getpid());
  struct RemoveStaging {
    std::string path;
    ~RemoveStaging() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } cleanup{staging};
  const int status = run_python(python, root, options, staging, sealed);
  if (status != 0) throw CLI::RuntimeError(status);
  try {
    publish_report(staging, options.output);
  } catch (const std::filesystem::filesystem_error& e) {
    throw ResultFileError(fmt::format("report: cannot move the figures into '{}': {}", options.output, e.code().message()));
  }
}

const RegisterCommand registered(35, [](CLI::App& cli) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* report = cli.add_subcommand(
      "report", "Write every figure of a result file as PNG plus report.md (runs analysis/python with python3)");
  report->add_option("file", options->input, "Result file (HDF5)")->required();
  report->add_option("-o,--output", options->output,
                     "Folder for the PNGs and report.md: new, empty, or an earlier report's")->required();
  report->add_flag("--verbose", options->verbose, "Show Python's warnings and, on a failure, its traceback");
  report->callback([options] { report_command(*options); });
});

}  // namespace
}  // namespace sgds::app
