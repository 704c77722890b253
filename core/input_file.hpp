#pragma once
// What a command may read: an existing regular file of a sane size. A folder, FIFO, device or
// socket is refused before it is opened, so nothing blocks or reads without end.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sgds {

// Why a path was refused: one line, exit status 2 (apps/main.cpp).
class PathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint64_t kMaxConfigBytes = 16u << 20;  // a config is text; 16 MiB is far beyond any real one

// Refuse anything but an existing regular file (symlinks to one are followed), or one larger than
// `max_bytes`. `what` names the role in the message ("config", "result file").
void require_regular_file(const std::string& path, const std::string& what, std::uint64_t max_bytes = UINT64_MAX);

// "a folder", "a FIFO", ... for a message about a path that is not a regular file.
const char* file_type_name(unsigned mode);

}  // namespace sgds
