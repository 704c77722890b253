#include "data/file_seal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace sgds {

namespace {

constexpr const char* kMagic = "sgdsmooth-seal 1\n";
constexpr const char* kCrcField = "crc32 ";

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), fmt::format("{} '{}'", what, path));
}

class Descriptor {
 public:
  Descriptor(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// CRC-32 of the seal block as given, then of every byte after it.
std::uint32_t file_crc(int fd, const char* block, std::uint64_t size, const std::string& path) {
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(block), static_cast<uInt>(kSealBytes));
  std::vector<char> buffer(1 << 20);
  for (std::uint64_t offset = kSealBytes; offset < size;) {
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", path);
    }
    if (got == 0) break;  // shorter than fstat said: the length check reports it
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(got));
    offset += static_cast<std::uint64_t>(got);
  }
  return static_cast<std::uint32_t>(crc);
}

std::string seal_text(const std::string& kind, std::uint64_t bytes, std::uint32_t crc) {
  return fmt::format("{}kind {}\nbytes {}\n{}{:08x}\n", kMagic, kind, bytes, kCrcField, crc);
}

// The value of `name` in the seal's "name value" lines, or empty.
std::string field(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  const auto begin = at + key.size();
  const auto end = text.find('\n', begin);
  return end == std::string::npos ? "" : text.substr(begin, end - begin);
}

}  // namespace

void write_seal(const std::string& path, const std::string& kind) {
  const Descriptor file(path, O_RDWR);
  if (file.fd() < 0) fail("cannot open", path);
  struct stat info {};
  if (::fstat(file.fd(), &info) != 0) fail("cannot stat", path);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size < kSealBytes)
    throw std::system_error(EINVAL, std::generic_category(), "no user block to seal in '" + path + "'");
  char block[kSealBytes] = {};
  std::string text = seal_text(kind, size, 0);
  if (text.size() > kSealBytes) throw std::system_error(EINVAL, std::generic_category(), "seal text too long");
  std::memcpy(block, text.data(), text.size());
  const std::uint32_t crc = file_crc(file.fd(), block, size, path);
  text = seal_text(kind, size, crc);
  std::memcpy(block, text.data(), text.size());
  if (::pwrite(file.fd(), block, kSealBytes, 0) != static_cast<ssize_t>(kSealBytes))
    fail("cannot write the seal of", path);
  if (::fsync(file.fd()) != 0) fail("cannot sync", path);
}

SealCheck check_seal(const std::string& path) {
  const Descriptor file(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (file.fd() < 0) fail("cannot open", path);
  struct stat info {};
  if (::fstat(file.fd(), &info) != 0) fail("cannot stat", path);
  SealCheck check;
  const auto size = static_cast<std::uint64_t>(info.st_size);
  check.bytes = size;
  char block[kSealBytes] = {};
  const std::size_t magic_size = std::strlen(kMagic);
  const ssize_t got = size >= magic_size ? ::pread(file.fd(), block, kSealBytes, 0) : 0;
  if (got < 0) fail("cannot read", path);
  if (static_cast<std::size_t>(got) < magic_size || std::memcmp(block, kMagic, magic_size) != 0) return check;

  check.state = SealState::broken;
  if (static_cast<std::size_t>(got) < kSealBytes) {
    check.problem = fmt::format("cut short inside its seal ({} bytes)", size);
    return check;
  }
  const std::string text(block, ::strnlen(block, kSealBytes));
  const std::string kind = field(text, "kind"), bytes = field(text, "bytes"), crc = field(text, "crc32");
  std::uint64_t recorded_bytes = 0;
  std::uint32_t recorded_crc = 0;
  try {
    std::size_t used = 0;
    recorded_bytes = std::stoull(bytes, &used);
    if (used != bytes.size() || crc.size() != 8) throw std::invalid_argument("seal");
    recorded_crc = static_cast<std::uint32_t>(std::stoul(crc, &used, 16));
    if (used != crc.size() || kind.empty()) throw std::invalid_argument("seal");
  } catch (const std::exception&) {
    check.problem = "its seal is unreadable";
    return check;
  }
  if (recorded_bytes != size) {
    check.problem =
        recorded_bytes > size
            ? fmt::format("{} bytes short of the {} it was sealed with", recorded_bytes - size, recorded_bytes)
            : fmt::format("{} bytes longer than the {} it was sealed with", size - recorded_bytes, recorded_bytes);
    return check;
  }
  const auto crc_at = text.find(std::string("\n") + kCrcField) + 1 + std::strlen(kCrcField);
  std::memset(block + crc_at, '0', 8);
  if (file_crc(file.fd(), block, size, path) != recorded_crc) {
    check.problem = "checksum mismatch: bytes changed after sgdsmooth wrote it";
    return check;
  }
  check.state = SealState::sealed;
  check.kind = kind;
  return check;
}

std::string describe(const SealCheck& check) {
  switch (check.state) {
    case SealState::sealed:
      return fmt::format("sealed ({}, {} bytes, checksum verified)", check.kind, check.bytes);
    case SealState::unsealed:
      return "no seal";
    case SealState::broken:
      return check.problem;
  }
  return "";
}

}  // namespace sgds
