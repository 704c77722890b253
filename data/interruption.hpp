#pragma once
// What an interrupted command leaves behind. Writers register the temporary files they are
// filling and say, as work completes, what a stop now would keep; SIGINT, SIGTERM and SIGHUP
// then remove the temporaries, print that one line and end the process with 128 + the signal
// (130, 143, 129). The handler only unlinks and writes (async-signal-safe): finished output is
// already durable under its own name when it is announced, so nothing needs saving at the signal.
#include <string>

namespace sgds::interruption {

// Install the handlers (once, at program start).
void install_handlers();

// Forked children call this first: a child must neither remove its parent's files nor speak.
void restore_default_handlers();

// A file being written; removed if the process is interrupted before release(). Thread-safe.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& path);
  ~TemporaryFile() { release(); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  void release();  // the file is committed (renamed) or removed: an interruption leaves it alone

 private:
  int slot_ = -1;
};

// The line printed after "interrupted by SIGINT: " (e.g. "kept 2 of 5 experiments in
// out.h5.incomplete.h5; sgdsmooth run ... --resume runs the rest"). Empty: "nothing was written".
void set_kept_message(const std::string& message);

}  // namespace sgds::interruption
