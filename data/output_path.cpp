#include "data/output_path.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "data/file_seal.hpp"

namespace sgds {

namespace fs = std::filesystem;

namespace {

bool same_file(const struct stat& a, const std::string& other) {
  struct stat b {};
  return ::stat(other.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool inside(const std::string& path, const std::string& folder) {
  std::error_code error;
  const fs::path child = fs::weakly_canonical(fs::absolute(path, error), error);
  const fs::path parent = fs::weakly_canonical(fs::absolute(folder, error), error);
  if (error) return false;
  auto c = child.begin();
  for (auto p = parent.begin(); p != parent.end(); ++p, ++c) {
    if (p->empty()) continue;  // a trailing separator
    if (c == child.end() || *c != *p) return false;
  }
  return true;
}

fs::path parent_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Make the parent folders and check that a file can be created there (a probe made and removed).
void check_writable_place(const std::string& path, const std::string& probe_in, const std::string& role) {
  const fs::path parent = parent_of(probe_in);
  std::error_code error;
  fs::create_directories(parent, error);
  if (error || !fs::is_directory(parent))
    throw PathError(fmt::format("{} '{}': cannot create its folder '{}': {}", role, path, parent.string(),
                                error ? error.message() : "a file of that name is in the way"));
  const std::string probe = temporary_name(probe_in, ::getpid());
  const int fd = ::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw PathError(fmt::format("{} '{}': cannot write there: {}", role, path, std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

bool is_sgdsmooth_process(long pid) {
  std::error_code error;
  const fs::path exe = fs::read_symlink(fmt::format("/proc/{}/exe", pid), error);
  return !error && exe.filename().string().rfind("sgdsmooth", 0) == 0;
}

}  // namespace

OutputClaim::OutputClaim(const std::string& path) : temporary_(temporary_name(path, ::getpid())), guard_(temporary_) {
  const int fd = ::open(temporary_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw PathError(fmt::format("output '{}': cannot write there: {}", path, std::strerror(errno)));
  ::close(fd);
}

OutputClaim::~OutputClaim() {
  ::unlink(temporary_.c_str());  // gone already when the writer renamed it into place
  guard_.release();
}

std::string temporary_name(const std::string& path, long pid) { return fmt::format("{}.partial-{}", path, pid); }

std::string incomplete_name(const std::string& path) { return path + ".incomplete.h5"; }

void check_output_file(const std::string& path, const std::string& kind, const std::vector<std::string>& input_files,
                       const std::vector<std::string>& input_folders) {
  if (path.empty()) throw PathError("output: empty file name");
  if (path.back() == '/' || fs::path(path).filename() == "." || fs::path(path).filename() == "..")
    throw PathError(fmt::format("output '{}' names a folder; expected a file name", path));
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISREG(info.st_mode))
      throw PathError(fmt::format("output '{}' is {}; expected a new file or an earlier sgdsmooth {} result", path,
                                  file_type_name(info.st_mode), kind));
    for (const auto& input : input_files)
      if (same_file(info, input))
        throw PathError(
            fmt::format("output '{}' is '{}', an input of this command; choose another output name", path, input));
    SealCheck seal;
    try {
      seal = check_seal(path);
    } catch (const std::exception& e) {
      throw PathError(fmt::format("output '{}': {}", path, e.what()));
    }
    if (seal.state != SealState::sealed)
      throw PathError(
          fmt::format("output '{}' exists and is not a sealed sgdsmooth result ({}): refusing to replace it; "
                      "remove it or choose another name",
                      path, describe(seal)));
    if (seal.kind != kind)
      throw PathError(fmt::format("output '{}' is an sgdsmooth {} result, not a {} result: refusing to replace it",
                                  path, seal.kind, kind));
  } else if (errno != ENOENT) {
    throw PathError(fmt::format("output '{}': {}", path, std::strerror(errno)));
  }
  for (const auto& folder : input_folders)
    if (inside(path, folder))
      throw PathError(
          fmt::format("output '{}' is inside '{}', which this command reads; write it elsewhere", path, folder));
  check_writable_place(path, path, "output");
}

void check_output_folder(const std::string& path, const std::string& marker, const std::string& marker_text) {
  if (path.empty()) throw PathError("output folder: empty name");
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode))
      throw PathError(
          fmt::format("output folder '{}' is a symbolic link: refusing to write through it; give the real "
                      "path",
                      path));
    if (!S_ISDIR(info.st_mode))
      throw PathError(
          fmt::format("output folder '{}' is {}; expected a folder (new, empty, or written by this command)", path,
                      file_type_name(info.st_mode)));
    std::error_code error;
    const bool empty = fs::is_empty(path, error);
    if (error) throw PathError(fmt::format("output folder '{}': {}", path, error.message()));
    if (!empty) {
      const std::string marker_path = (fs::path(path) / marker).string();
      struct stat marker_info {};
      std::string head;
      if (::lstat(marker_path.c_str(), &marker_info) == 0 && S_ISREG(marker_info.st_mode)) {
        std::ifstream in(marker_path, std::ios::binary);
        head.resize(marker_text.size());
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
      }
      if (head != marker_text)
        throw PathError(
            fmt::format("output folder '{}' holds files this command did not write (no {} of its own): "
                        "refusing to write there; choose a new or empty folder",
                        path, marker));
    }
  } else if (errno != ENOENT) {
    throw PathError(fmt::format("output folder '{}': {}", path, std::strerror(errno)));
  }
  // An existing folder must take new files; a new one is made only when there is something to put in it.
  const bool exists = ::lstat(path.c_str(), &info) == 0;
  check_writable_place(path, exists ? (fs::path(path) / marker).string() : path, "output folder");
}

void clear_stale_temporaries(const std::string& path) {
  const fs::path parent = parent_of(path);
  std::vector<std::string> stems{fs::path(path).filename().string() + ".partial-",
                                 fs::path(incomplete_name(path)).filename().string() + ".partial-"};
  DIR* folder = ::opendir(parent.c_str());
  if (!folder) return;
  std::vector<std::pair<std::string, long>> found;
  while (const dirent* entry = ::readdir(folder)) {
    const std::string name = entry->d_name;
    for (const auto& stem : stems) {
      if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) continue;
      const std::string digits = name.substr(stem.size());
      if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
      found.emplace_back(fs::path(path).parent_path().empty() ? name : (parent / name).string(), std::stol(digits));
    }
  }
  ::closedir(folder);
  for (const auto& [file, pid] : found) {
    if (pid == ::getpid()) continue;
    const bool alive = ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
    if (alive && is_sgdsmooth_process(pid))
      throw PathError(
          fmt::format("output '{}' is being written by another sgdsmooth (pid {}, temporary file '{}'): "
                      "wait for it to finish or choose another output",
                      path, pid, file));
    struct stat info {};
    if (::lstat(file.c_str(), &info) != 0) continue;
    std::error_code error;
    if (S_ISDIR(info.st_mode) && fs::remove_all(file, error) > 0 && !error)  // a report's staging folder
      std::fprintf(stderr, "sgdsmooth: removed '%s', a folder left by an sgdsmooth that was killed (pid %ld)\n",
                   file.c_str(), pid);
    if (!S_ISREG(info.st_mode)) continue;
    if (::unlink(file.c_str()) == 0)
      std::fprintf(stderr, "sgdsmooth: removed '%s', a temporary file left by an sgdsmooth that was killed (pid %ld)\n",
                   file.c_str(), pid);
  }
}

}  // namespace sgds
