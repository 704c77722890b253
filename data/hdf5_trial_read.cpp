#include "data/hdf5_trial_read.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "data/h5.hpp"

namespace sgds::h5 {

namespace {

constexpr int kTooDeep = 3;       // the child's exit status for groups nested past kMaxDepth
constexpr int kMaxDepth = 64;     // result files are 4 levels deep; far deeper means a link cycle
// The trial read's CPU time: 2 s plus 1 s per MB of file. `sgdsmooth inspect` of the 8 MB
// validation file takes 1.9 s in all (trial included) on a busy 2-core machine: a margin of 5x.
constexpr rlim_t kCpuSeconds = 2;

struct TooDeep {};

// Each item is tried on its own: an item that HDF5 refuses with an error must not end the walk,
// or a later item that would crash the caller's read would go untried.
template <class Read>
void attempt(Read&& read) {
  try {
    read();
  } catch (const std::exception&) {
  }
}

void read_attributes(const Group& object) {
  std::vector<std::string> names;
  attempt([&] { names = object.attribute_names(); });
  for (const auto& name : names) attempt([&] { (void)object.attribute_as_text(name); });
}

void read_dataset(const Group& group, const std::string& name) {
  const DatasetInfo info = group.dataset_info(name);
  if (info.type == "string") (void)group.read_strings(name);
  else if (info.type.rfind("float", 0) == 0) (void)group.read_doubles(name);
  else if (info.type.rfind("int", 0) == 0 || info.type.rfind("uint", 0) == 0) (void)group.read_int64s(name);
  // A dataset's own attributes (descriptions), through a group view of it as point_file.cpp does.
  const hid_t id = H5Dopen2(group.id(), name.c_str(), H5P_DEFAULT);
  if (id >= 0) read_attributes(Group(Handle(id, H5Dclose), group.path() + "/" + name));
}

void read_group(const Group& group, int depth) {
  if (depth > kMaxDepth) throw TooDeep{};
  read_attributes(group);
  std::vector<std::string> children;
  attempt([&] { children = group.children(); });
  for (const auto& child : children)
    attempt([&] {
      if (group.is_group(child)) read_group(group.open_group(child), depth + 1);
      else read_dataset(group, child);
    });
}

// The child: every group, attribute and dataset, as inspect, summary, read_experiment and
// read_point_file read them. Output goes nowhere (the parent speaks); _exit skips every exit
// handler (HDF5's, stdio's buffers copied from the parent, the leak checker's).
[[noreturn]] void trial_read_child(const std::string& filename) {
  // A crash must end the child at once: no crash handler inherited from the parent (a sanitizer's
  // report, a fuzzer's artifact writer) runs here.
  for (const int signal_number : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU}) std::signal(signal_number, SIG_DFL);
  // libhdf5 can also loop without end on a corrupted global heap (fuzzing find): a CPU-time limit
  // ends the child with SIGXCPU.
  struct stat file_info {};
  const rlim_t megabytes = ::stat(filename.c_str(), &file_info) == 0 ? static_cast<rlim_t>(file_info.st_size >> 20) : 0;
  const rlimit cpu_seconds{kCpuSeconds + megabytes, kCpuSeconds + megabytes + 1};
  ::setrlimit(RLIMIT_CPU, &cpu_seconds);
  const rlimit no_core_file{0, 0};  // the child's death must leave nothing in the user's folder
  ::setrlimit(RLIMIT_CORE, &no_core_file);
  const int null_device = ::open("/dev/null", O_WRONLY);
  if (null_device >= 0) {
    ::dup2(null_device, STDOUT_FILENO);
    ::dup2(null_device, STDERR_FILENO);
  }
  int status = 0;
  try {
    const File file = File::open_read(filename);
    read_group(file.root(), 0);
  } catch (const TooDeep&) {
    status = kTooDeep;
  } catch (...) {  // an error HDF5 reported: the caller's own read will report it properly
  }
  ::_exit(status);
}

}  // namespace

void refuse_if_reading_crashes(const std::string& filename) {
  const pid_t child = ::fork();
  if (child < 0) return;  // no process to spare: read without the trial rather than refuse a good file
  if (child == 0) trial_read_child(filename);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return;  // the child was reaped elsewhere (SIGCHLD ignored): no verdict
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string why;
  if (WIFSIGNALED(status))
    why = fmt::format("a trial read in a child process died of {}", ::strsignal(WTERMSIG(status)));
  else if (WEXITSTATUS(status) == kTooDeep)
    why = fmt::format("groups nested more than {} deep: a link cycle", kMaxDepth);
  else
    why = fmt::format("a trial read in a child process failed with exit status {}", WEXITSTATUS(status));
  throw H5Error(fmt::format("'{}': corrupted HDF5 file ({}); not read", filename, why));
}

}  // namespace sgds::h5
