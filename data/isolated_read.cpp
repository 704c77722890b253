#include "data/isolated_read.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "data/h5.hpp"
#include "data/interruption.hpp"

namespace sgds::h5 {

namespace {

constexpr int kTooDeep = 3;    // the trial child's exit status for groups nested past kMaxDepth
constexpr int kTooLarge = 4;   // ... for values that would take more memory than the file can hold
constexpr int kMaxDepth = 64;  // result files are 4 levels deep; far deeper means a link cycle

struct TooDeep {};
struct TooLarge {
  std::string dataset;
  double bytes;
};

// What the walk may read, in bytes of memory: sgdsmooth writes its values uncompressed (at most
// doubled when float32 is read as double), so values decoding to far more than the file's size
// come from a compression filter or from variable-length strings that share one heap object: a
// decompression bomb, refused before it is decoded.
constexpr double kReadSlackBytes = 256.0 * (1 << 20);
constexpr double kReadBytesPerFileByte = 16.0;

struct ReadBudget {
  double left = 0.0;
  void spend(const std::string& dataset, double bytes) {
    if (bytes > left) throw TooLarge{dataset, bytes};
    left -= bytes;
  }
};

// The memory a reader's read of the dataset takes: 8 bytes a number, a pointer and the text for
// each string, the strings' heap objects counted one reference at a time (H5Dvlen_get_buf_size
// reads their lengths, not their text). Checked before any value is decoded.
void spend_on_dataset(hid_t dataset, const std::string& path, ReadBudget& budget) {
  const Handle space(H5Dget_space(dataset), H5Sclose);
  const Handle type(H5Dget_type(dataset), H5Tclose);
  if (!space.valid() || !type.valid()) return;  // HDF5 refuses it: the reader's own read will say so
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  if (count <= 0) return;
  const bool string = H5Tget_class(type.id()) == H5T_STRING;
  const double element = string ? static_cast<double>(sizeof(char*) + H5Tget_size(type.id()) + 1) : 8.0;
  budget.spend(path, static_cast<double>(count) * element);
  if (!string || H5Tis_variable_str(type.id()) <= 0) return;
  hsize_t heap_bytes = 0;
  if (H5Dvlen_get_buf_size(dataset, type.id(), space.id(), &heap_bytes) >= 0)
    budget.spend(path, static_cast<double>(heap_bytes));
}

// Each item is tried on its own: an item that HDF5 refuses with an error must not end the walk,
// or a later item that would crash the caller's read would go untried.
template <class Read>
void attempt(Read&& read) {
  try {
    read();
  } catch (const std::exception&) {}
}

void read_attributes(const Group& object) {
  std::vector<std::string> names;
  attempt([&] { names = object.attribute_names(); });
  for (const auto& name : names) attempt([&] { (void)object.attribute_as_text(name); });
}

void read_dataset(const Group& group, const std::string& name, ReadBudget& budget) {
  const hid_t id = H5Dopen2(group.id(), name.c_str(), H5P_DEFAULT);
  if (id < 0) return;
  const Group view(Handle(id, H5Dclose), group.path() + "/" + name);  // its attributes, as point_file.cpp reads them
  spend_on_dataset(id, view.path(), budget);
  const DatasetInfo info = group.dataset_info(name);
  if (info.type == "string") (void)group.read_strings(name);
  else if (info.type.rfind("float", 0) == 0) (void)group.read_doubles(name);
  else if (info.type.rfind("int", 0) == 0 || info.type.rfind("uint", 0) == 0) (void)group.read_int64s(name);
  read_attributes(view);
}

void read_group(const Group& group, int depth, ReadBudget& budget) {
  if (depth > kMaxDepth) throw TooDeep{};
  read_attributes(group);
  std::vector<std::string> children;
  attempt([&] { children = group.children(); });
  for (const auto& child : children)
    attempt([&] {
      if (group.is_group(child)) read_group(group.open_group(child), depth + 1, budget);
      else read_dataset(group, child, budget);
    });
}

std::string readable_bytes(double bytes) {
  if (bytes < 1024.0) return fmt::format("{:.0f} bytes", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  int unit = -1;
  do bytes /= 1024.0, ++unit;
  while (bytes >= 1024.0 && unit < 3);
  return fmt::format("{:.1f} {}", bytes, units[unit]);
}

void drain(int fd, std::string& into, bool& open) {
  char buffer[65536];
  const ssize_t got = ::read(fd, buffer, sizeof buffer);
  if (got > 0) into.append(buffer, static_cast<std::size_t>(got));
  else if (got == 0 || (errno != EINTR && errno != EAGAIN)) open = false;
}

[[noreturn]] void child_main(const std::function<int()>& body, double cpu_seconds, int out_fd, int err_fd) {
  interruption::restore_default_handlers();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // an interrupted parent takes its reader with it
  // A crash must end the child at once: no crash handler inherited from the parent (a sanitizer's
  // report, a fuzzer's artifact writer) runs here.
  for (const int signal_number : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU, SIGPIPE})
    std::signal(signal_number, SIG_DFL);
  const auto cpu = static_cast<rlim_t>(std::ceil(cpu_seconds));
  const rlimit cpu_limit{cpu, cpu + 1};
  ::setrlimit(RLIMIT_CPU, &cpu_limit);
  const rlimit no_core_file{0, 0};  // the child's death must leave nothing in the user's folder
  ::setrlimit(RLIMIT_CORE, &no_core_file);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  int status = 1;
  try {
    status = body();
  } catch (...) {}
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(status);  // no exit handlers: HDF5's, stdio's buffers copied from the parent, the leak checker's
}

}  // namespace

std::string IsolatedRun::failure() const {
  if (!started) return "no child process could be started";
  if (timed_out) return "did not finish in time (libhdf5 loops on it)";
  if (signal_number != 0) return fmt::format("died of {}", ::strsignal(signal_number));
  return fmt::format("failed with exit status {}", exit_status);
}

IsolatedRun run_isolated(const std::function<int()>& body, double cpu_seconds, double wall_seconds) {
  IsolatedRun run;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return run;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    return run;
  }
  std::fflush(stdout);  // nothing buffered here is written twice by the child
  std::fflush(stderr);
  const pid_t child = ::fork();
  if (child < 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return run;
  }
  if (child == 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    child_main(body, cpu_seconds, out_pipe[1], err_pipe[1]);
  }
  run.started = true;
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wall_seconds);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      ::kill(child, SIGKILL);
      break;
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (fds[0].revents) drain(out_pipe[0], run.out, out_open);
    if (fds[1].revents) drain(err_pipe[0], run.err, err_open);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  // The pipes are closed: the child has exited or is about to; a child that closed them and then
  // hangs is killed at the deadline.
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (done < 0 && errno != EINTR) {  // reaped elsewhere (SIGCHLD ignored): no verdict
      run.exited = true;
      return run;
    }
    if (std::chrono::steady_clock::now() >= deadline && !run.timed_out) {
      run.timed_out = true;
      ::kill(child, SIGKILL);
    }
    ::usleep(2000);
  }
  if (WIFEXITED(status)) {
    run.exited = true;
    run.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signal_number = WTERMSIG(status);
  }
  if (run.timed_out) run.exited = false;
  return run;
}

double trial_cpu_seconds(const std::string& filename) {
  struct stat info {};
  const double megabytes = ::stat(filename.c_str(), &info) == 0 ? static_cast<double>(info.st_size) / (1 << 20) : 0.0;
  return 2.0 + megabytes;
}

double trial_wall_seconds(const std::string& filename) { return std::max(10.0, 4.0 * trial_cpu_seconds(filename)); }

void refuse_if_reading_crashes(const std::string& filename) {
  struct stat info {};
  const double file_bytes = ::stat(filename.c_str(), &info) == 0 ? static_cast<double>(info.st_size) : 0.0;
  const IsolatedRun run = run_isolated(
      [&] {
        try {
          const File file = File::open_read(filename);
          ReadBudget budget{kReadSlackBytes + kReadBytesPerFileByte * file_bytes};
          read_group(file.root(), 0, budget);
        } catch (const TooDeep&) {
          return kTooDeep;
        } catch (const TooLarge& too_large) {
          std::printf("%s\n%.0f", too_large.dataset.c_str(), too_large.bytes);
          return kTooLarge;
        } catch (...) {  // an error HDF5 reported: the caller's own read will report it properly
        }
        return 0;
      },
      trial_cpu_seconds(filename), trial_wall_seconds(filename));
  if (!run.started || (run.exited && run.exit_status == 0)) return;
  if (run.exited && run.exit_status == kTooLarge) {
    const std::size_t newline = run.out.find('\n');
    const std::string dataset = run.out.substr(0, newline);
    const double bytes = newline == std::string::npos ? 0.0 : std::atof(run.out.c_str() + newline + 1);
    throw H5Error(fmt::format(
        "'{}': its values would decode to more than {} ({} plus {:.0f} times the file's {}; "
        "stopped before {}, {}): a decompression bomb; not read",
        filename, readable_bytes(kReadSlackBytes + kReadBytesPerFileByte * file_bytes), readable_bytes(kReadSlackBytes),
        kReadBytesPerFileByte, readable_bytes(file_bytes), dataset, readable_bytes(bytes)));
  }
  const std::string why = run.exited && run.exit_status == kTooDeep
                              ? fmt::format("groups nested more than {} deep: a link cycle", kMaxDepth)
                              : "a trial read in a child process " + run.failure();
  throw H5Error(fmt::format("'{}': corrupted HDF5 file ({}); not read", filename, why));
}

}  // namespace sgds::h5
