#pragma once
// The folder a sweep writes into, shared by every shard and rank:
//
//   DIR/sweep.toml              the effective sweep (canonical TOML); all writers must agree on it
//   DIR/points/p0000012.h5      one file per finished point: its presence means "complete"
//   DIR/points/.staging/        where a point file is written, checked, then renamed from
//
// A point file reaches points/ only by an atomic rename after it was written, fsynced and read
// back, so a kill at any moment leaves every file in points/ whole; leftovers in .staging are
// removed when the point is redone.
#include <cstdint>
#include <string>

#include "sim/sweep/sweep_spec.hpp"

namespace sgds {

class SweepDirectory {
 public:
  explicit SweepDirectory(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string manifest_path() const { return root_ + "/sweep.toml"; }
  std::string points_folder() const { return root_ + "/points"; }
  std::string point_path(std::int64_t index) const;
  std::string staging_path(std::int64_t index) const;
  // Whether the point's file is there; SweepError if something other than a regular file is.
  bool point_complete(std::int64_t index) const;

  // Create the folders and write the manifest, or check that an existing one is this sweep's.
  // Throws SweepError (one line) when the folder cannot be made or holds another sweep.
  void prepare(const SweepSpec& spec) const;
  // The sweep recorded in the folder; throws SweepError when there is none.
  SweepSpec read_manifest() const;

  // Remove what a killed writer of `index` may have left in .staging.
  void remove_stale_staging(std::int64_t index) const;
  // Move a checked staging file into points/ and make the rename durable (fsync the folder).
  void publish(std::int64_t index) const;

 private:
  std::string root_;
};

// fsync a file or folder by name (best effort for folders on file systems that refuse it).
void sync_path(const std::string& path);

}  // namespace sgds
