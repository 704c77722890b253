#pragma once
// The seal of a result file: a checksum of every byte, written last, in the HDF5 user block.
//
// libhdf5 reserves the first kSealBytes of a file made with a user block and never reads them.
// After the file is closed the writer puts a short text there: the file's kind, its length and a
// CRC-32 (zlib) of the whole file, the seal's own checksum field read as zeros. So
//   - a sealed file is complete (the seal is the last thing written: the completeness marker);
//   - any flipped, zeroed, added or missing byte anywhere breaks the seal;
//   - checking it reads plain bytes: a damaged file is refused before libhdf5 parses any of it.
// Datasets also carry HDF5's own Fletcher32 checksums (data/h5.cpp), which any reader verifies.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sgds {

inline constexpr std::size_t kSealBytes = 512;  // the user block: a power of two, at least 512

enum class SealState {
  sealed,    // the seal is there and matches every byte
  unsealed,  // no seal: not written by this sgdsmooth (an older one, another program) or never completed
  broken,    // a seal that does not match: the file changed, was cut short or grew after it was written
};

struct SealCheck {
  SealState state = SealState::unsealed;
  std::string kind;     // the writer's result kind, when sealed
  std::string problem;  // what is wrong, when broken ("checksum mismatch", "file is 100 bytes short", ...)
  std::uint64_t bytes = 0;
};

// Seal a closed HDF5 file made with a kSealBytes user block. Throws std::system_error (errno)
// when it cannot be written or synced.
void write_seal(const std::string& path, const std::string& kind);

// Check a file's seal. The caller has made sure `path` is a regular file (output_path.hpp);
// throws std::system_error when it cannot be read at all.
SealCheck check_seal(const std::string& path);

// One phrase for messages: "sealed (run, 12345 bytes)", "no seal", "checksum mismatch".
std::string describe(const SealCheck& check);

}  // namespace sgds
