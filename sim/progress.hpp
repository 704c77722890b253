#pragma once
// Progress of long work: a live bar when stderr is a terminal, a plain line every few seconds
// otherwise (logs, CI). Quiet mode prints nothing. Not thread-safe: one caller at a time.
#include <chrono>
#include <cstdint>
#include <string>

namespace sgds {

// The line a log gets: "LABEL:  20% (12.0 s, about 48 s left)"; the time left is the measured
// rate's (elapsed (1 - f) / f), given once some work is done and until the last line.
std::string progress_log_line(const std::string& label, double fraction, double seconds, bool final_line);

class Progress {
 public:
  Progress(std::string label, std::int64_t total, bool quiet = false);
  ~Progress();
  void advance(std::int64_t amount = 1);
  void set(std::int64_t done);
  void finish();

  static void set_global_quiet(bool quiet);

 private:
  void draw(bool final_line);

  std::string label_;
  std::int64_t total_, done_ = 0;
  bool quiet_, terminal_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace sgds
