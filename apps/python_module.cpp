#include "apps/python_module.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"

extern char** environ;

namespace sgds::app {
namespace {

int run_python(const std::string& command, const std::string& python, const std::filesystem::path& root,
               const std::string& module, std::vector<std::string> args, const std::string& output,
               const std::string& staging) {
  const char* old_path = std::getenv("PYTHONPATH");
  const std::string python_path = root.string() + (old_path && *old_path ? ":" + std::string(old_path) : "");
  ::setenv("PYTHONPATH", python_path.c_str(), 1);
  ::setenv("MPLBACKEND", "Agg", 1);
  ::setenv("SGDS_REPORT_FOLDER", output.c_str(), 1);  // the module names the folder the files go to
  args.insert(args.begin(), {python, "-m", "sgdsmooth." + module});
  args.insert(args.end(), {"-o", staging});
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
    throw UsageError(
        fmt::format("{}: cannot run '{}' ({}); set SGDS_PYTHON to a python3 with numpy, h5py, "
                    "matplotlib and scipy",
                    command, python, std::strerror(error)));
  }
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      ::sigprocmask(SIG_SETMASK, &previous, nullptr);
      throw std::runtime_error(command + ": waitpid failed");
    }
    const timespec tick{0, 20'000'000};
    const int signal_number = ::sigtimedwait(&held, nullptr, &tick);
    if (signal_number > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &status, 0);
      std::error_code ignored;
      std::filesystem::remove_all(staging, ignored);
      std::fprintf(stderr, "\nsgdsmooth: interrupted by %s: nothing was written ('%s' is as it was)\n",
                   signal_number == SIGINT    ? "SIGINT"
                   : signal_number == SIGTERM ? "SIGTERM"
                                              : "SIGHUP",
                   output.c_str());
      std::_Exit(128 + signal_number);
    }
  }
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Move every file the module made from `staging` into `folder` (replacing an earlier drawing's
// files of the same names, nothing else), `last_file` last, then remove `staging`.
void publish(const std::filesystem::path& staging, const std::filesystem::path& folder, const std::string& last_file) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(staging)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  // The marker file last: it says the folder is ours only once the figures are in.
  std::stable_partition(files.begin(), files.end(), [&](const fs::path& p) { return p.filename() != last_file; });
  for (const auto& file : files) fs::rename(file, folder / file.filename());
  fs::remove(staging);
}

}  // namespace

std::filesystem::path analysis_package_root(const std::string& module) {
  const char* overridden = std::getenv("SGDS_SOURCE_DIR");
  const std::filesystem::path root =
      std::filesystem::path(overridden && *overridden ? overridden : SGDS_SOURCE_DIR) / "analysis" / "python";
  if (!std::filesystem::exists(root / "sgdsmooth" / (module + ".py")))
    throw UsageError(fmt::format("the Python package is not at '{}' (set SGDS_SOURCE_DIR to the sgdsmooth source tree)",
                                 (root / "sgdsmooth").string()));
  return root;
}

std::string analysis_python() {
  const char* python_env = std::getenv("SGDS_PYTHON");
  return python_env && *python_env ? python_env : "/usr/bin/python3";
}

void run_drawing_module(const std::string& command, const std::string& module, const std::vector<std::string>& args,
                        const std::string& output, const std::string& last_file) {
  const std::filesystem::path root = analysis_package_root(module);
  const std::string staging = temporary_name(output, ::getpid());
  struct RemoveStaging {
    std::string path;
    ~RemoveStaging() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } cleanup{staging};
  const int status = run_python(command, analysis_python(), root, module, args, output, staging);
  if (status != 0) throw CLI::RuntimeError(status);
  try {
    publish(staging, output, last_file);
  } catch (const std::filesystem::filesystem_error& e) {
    throw ResultFileError(
        fmt::format("{}: cannot move the figures into '{}': {}", command, output, e.code().message()));
  }
}

}  // namespace sgds::app
