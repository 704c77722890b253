#include "sim/sweep/sweep_directory.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "data/output_path.hpp"
#include "sim/sweep/sweep_error.hpp"

namespace sgds {

namespace fs = std::filesystem;

namespace {

std::string point_name(std::int64_t index) { return fmt::format("p{:07d}.h5", index); }

// sweep.toml's first line: a CRC-32 of the rest, so that a changed byte is seen (a TOML comment:
// the file stays a sweep file anyone can read and run).
constexpr const char* kManifestHeader = "# sgdsmooth sweep manifest; crc32 of the lines below: ";

std::string manifest_text(const std::string& canonical) {
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(canonical.data()), static_cast<uInt>(canonical.size()));
  return fmt::format("{}{:08x}\n{}", kManifestHeader, static_cast<std::uint32_t>(crc), canonical);
}

// The manifest's body (its canonical sweep text), its header checked; SweepError if it does not match.
std::string manifest_body(const std::string& text, const std::string& path) {
  const std::string header = kManifestHeader;
  if (text.compare(0, header.size(), header) != 0) return text;  // written before manifests were checksummed
  const auto end = text.find('\n');
  const std::string body = end == std::string::npos ? "" : text.substr(end + 1);
  if (end == std::string::npos || manifest_text(body) != text)
    throw SweepError(
        fmt::format("'{}' was changed after sgdsmooth wrote it (its checksum line does not match); the "
                    "points in its folder cannot be matched to it",
                    path));
  return body;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void make_folder(const std::string& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error || !fs::is_directory(path))
    throw SweepError(fmt::format("sweep folder: cannot create '{}': {}", path,
                                 error ? error.message() : "a file of that name is in the way"));
}

}  // namespace

void sync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string SweepDirectory::point_path(std::int64_t index) const { return points_folder() + "/" + point_name(index); }

std::string SweepDirectory::staging_path(std::int64_t index) const {
  return points_folder() + "/.staging/" + point_name(index);
}

bool SweepDirectory::point_complete(std::int64_t index) const {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(point_path(index), error);
  if (status.type() == fs::file_type::not_found || (error && error != std::errc::no_such_file_or_directory))
    return false;
  if (status.type() != fs::file_type::regular)
    throw SweepError(
        fmt::format("sweep point file '{}' is not a regular file (a folder, link, FIFO or device is in "
                    "its place); remove it and run sgdsmooth sweep --resume",
                    point_path(index)));
  return true;
}

void SweepDirectory::prepare(const SweepSpec& spec) const {
  std::error_code error;
  if (fs::is_symlink(root_, error))
    throw SweepError(fmt::format("sweep folder '{}' is a symbolic link: give the real path", root_));
  // A folder of other files is not ours to fill; one that holds only what sweeps write (another
  // shard may be making it right now) is.
  if (fs::is_directory(root_, error) && !fs::exists(manifest_path(), error))
    for (const auto& entry : fs::directory_iterator(root_, error)) {
      const std::string name = entry.path().filename().string();
      if (name != "points" && name.rfind("sweep.toml.tmp-", 0) != 0)
        throw SweepError(
            fmt::format("'{}' holds files but no sweep.toml (e.g. '{}'): it is not a sweep folder; choose "
                        "a new or empty folder",
                        root_, name));
    }
  make_folder(root_);
  make_folder(points_folder() + "/.staging");
  const std::string manifest = manifest_path();
  if (!fs::exists(manifest)) {
    // Write under a private name, then link it into place: concurrent shards race safely, and
    // the loser compares its text with the winner's below.
    const std::string temporary = fmt::format("{}.tmp-{}", manifest, ::getpid());
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << manifest_text(spec.canonical_text());
      out.flush();
      if (!out) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw SweepError(fmt::format("sweep folder: cannot write '{}' (disk full or not writable?)", manifest));
      }
    }
    sync_path(temporary);
    const int linked = ::link(temporary.c_str(), manifest.c_str());
    const int link_errno = errno;
    std::error_code ignored;
    fs::remove(temporary, ignored);
    if (linked != 0 && link_errno != EEXIST)
      throw SweepError(fmt::format("sweep folder: cannot create '{}': {}", manifest, std::strerror(link_errno)));
    sync_path(root_);
  }
  if (manifest_body(read_text(manifest), manifest) != spec.canonical_text())
    throw SweepError(fmt::format(
        "sweep folder '{}' holds a different sweep (its sweep.toml differs from this sweep file after --set); "
        "use another folder",
        root_));
}

SweepSpec SweepDirectory::read_manifest() const {
  if (!fs::is_directory(root_)) throw SweepError(fmt::format("sweep folder '{}' does not exist", root_));
  if (!fs::is_regular_file(manifest_path()))
    throw SweepError(fmt::format(
        "'{}' is not a sweep folder (no sweep.toml; sgdsmooth sweep SWEEP.toml -o {} makes one)", root_, root_));
  try {
    require_regular_file(manifest_path(), "sweep manifest", kMaxConfigBytes);
  } catch (const PathError& e) {
    throw SweepError(e.what());
  }
  return SweepSpec::parse(
      parse_config_text(manifest_body(read_text(manifest_path()), manifest_path()), manifest_path()));
}

void SweepDirectory::remove_stale_staging(std::int64_t index) const {
  const std::string staged = staging_path(index);
  const std::string stem = fs::path(staged).filename().string() + ".partial-";
  std::error_code error;
  fs::remove(staged, error);
  for (const auto& entry : fs::directory_iterator(points_folder() + "/.staging", error))
    if (entry.path().filename().string().rfind(stem, 0) == 0) fs::remove(entry.path(), error);
}

void SweepDirectory::publish(std::int64_t index) const {
  std::error_code error;
  fs::rename(staging_path(index), point_path(index), error);
  if (error)
    throw SweepError(
        fmt::format("sweep folder: cannot move point {} into '{}': {}", index, points_folder(), error.message()));
  sync_path(points_folder());
}

}  // namespace sgds
