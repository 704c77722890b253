#include "sim/progress.hpp"

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

namespace sgds {

namespace {
bool global_quiet = false;
}

void Progress::set_global_quiet(bool quiet) { global_quiet = quiet; }

std::string progress_log_line(const std::string& label, double fraction, double seconds, bool final_line) {
  std::string line = fmt::format("{}: {:3.0f}% ({:.1f} s", label, 100.0 * fraction, seconds);
  if (!final_line && fraction > 0.0 && fraction < 1.0) {
    const double left = seconds * (1.0 - fraction) / fraction;
    line +=
        left < 100.0 ? fmt::format(", about {:.0f} s left", left) : fmt::format(", about {:.1f} min left", left / 60.0);
  }
  return line + ")";
}

Progress::Progress(std::string label, std::int64_t total, bool quiet)
    : label_(std::move(label)), total_(total > 0 ? total : 1), quiet_(quiet || global_quiet),
      terminal_(isatty(fileno(stderr)) != 0), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::int64_t amount) { set(done_ + amount); }

void Progress::set(std::int64_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  // A terminal redraws ten times a second; a log gets a line every five seconds.
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  done_ = total_;
  draw(true);
}

void Progress::draw(bool final_line) {
  if (quiet_) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
  if (!terminal_) {
    // In a log only the finish of short work is worth a line; long work gets periodic lines.
    if (final_line && seconds < 5.0) return;
    std::fprintf(stderr, "%s\n", progress_log_line(label_, fraction, seconds, final_line).c_str());
    return;
  }
  constexpr int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  const double eta = fraction > 0 ? seconds * (1.0 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "\r%s [%s] %3.0f%% %.1fs%s", label_.c_str(), bar.c_str(), 100.0 * fraction, seconds,
               final_line ? "\n" : fmt::format(" (~{:.0f}s left)  ", eta).c_str());
  std::fflush(stderr);
}

}  // namespace sgds
