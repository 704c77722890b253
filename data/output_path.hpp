#pragma once
// What a command may read and where it may write, settled before it computes anything.
//
// Inputs must be regular files (a folder, FIFO, device or socket is refused before it is opened,
// so nothing blocks or reads without end). An output file may be new, or replace an earlier
// sealed sgdsmooth result of the same kind; everything else is refused with one line: an input of
// the same command, a folder, a symlink, a FIFO or device, a file that is not a sealed sgdsmooth
// result (or one of another kind), a place that cannot be written. Parent folders may be created.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/input_file.hpp"
#include "data/interruption.hpp"

namespace sgds {

// The output file rules above. `kind` is the result kind the command writes (file_seal.hpp);
// `input_files` and `input_folders` are what the command reads (an output inside an input folder
// is refused). Creates missing parent folders and checks that a file can be made there.
void check_output_file(const std::string& path, const std::string& kind, const std::vector<std::string>& input_files,
                       const std::vector<std::string>& input_folders = {});

// An output folder (report's figures): new, empty, or one that holds `marker` (a file only the
// command writes, e.g. report.md); not a symlink, not a file, writable. A new folder is not made
// here (its parents are).
void check_output_folder(const std::string& path, const std::string& marker, const std::string& marker_text);

// Temporary files `PATH.partial-PID` (and of PATH.incomplete.h5) left by a killed writer: removed,
// with one line on stderr each. One whose process is a live sgdsmooth means another command is
// writing the same output: refused.
void clear_stale_temporaries(const std::string& path);

// While a command computes an output, `PATH.partial-PID` exists (empty until the writer fills it,
// removed on exit or interruption): another sgdsmooth asked for the same output sees a live
// writer there (clear_stale_temporaries) and refuses, instead of both writing.
class OutputClaim {
 public:
  explicit OutputClaim(const std::string& path);
  ~OutputClaim();
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;

 private:
  std::string temporary_;
  interruption::TemporaryFile guard_;
};

// The name a temporary file of `path` has while process `pid` writes it.
std::string temporary_name(const std::string& path, long pid);

// The file holding what an interrupted `run` or `train` had finished: PATH.incomplete.h5.
std::string incomplete_name(const std::string& path);

}  // namespace sgds
