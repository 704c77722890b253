#include "core/input_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sgds {

const char* file_type_name(unsigned mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

void require_regular_file(const std::string& path, const std::string& what, std::uint64_t max_bytes) {
  struct stat info {};
  if (path.empty()) throw PathError(fmt::format("{}: empty file name", what));
  if (::stat(path.c_str(), &info) != 0) throw PathError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
  if (!S_ISREG(info.st_mode))
    throw PathError(fmt::format("{} '{}' is {}; expected a regular file", what, path, file_type_name(info.st_mode)));
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    throw PathError(fmt::format("{} '{}' is {} bytes; expected at most {} bytes", what, path, info.st_size, max_bytes));
}

}  // namespace sgds
