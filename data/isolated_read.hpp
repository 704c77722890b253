#pragma once
// Reading files that sgdsmooth did not seal, in a forked child, before this process trusts
// libhdf5 with them.
//
// Why: libhdf5 (Debian's 1.10) trusts the on-disk structures of the files it reads. A corrupted
// global-heap entry makes H5HG_read copy from a wild pointer while converting a variable-length
// string (its index check is an assert, compiled out of release builds), and the process dies of
// SIGSEGV inside H5Aread; other corrupted heaps make it loop without end. Nothing in the public
// API can validate a structure before HDF5 reads it, and a segfault cannot be caught, so the only
// safe test is to let a throw-away child do the reads first, under a CPU-time and a wall-clock
// limit. A sealed file (data/file_seal.hpp) needs none of this: its bytes are the ones this
// program wrote, checked before libhdf5 opens it.
//
// To see a child's crash itself: gdb -ex 'set follow-fork-mode child' --args sgdsmooth inspect FILE.
#include <functional>
#include <string>

namespace sgds::h5 {

// How a child ended, and what it wrote on stdout and stderr.
struct IsolatedRun {
  bool started = false;  // false: no child could be made (then nothing ran)
  bool exited = false;   // exited normally, with `exit_status`
  int exit_status = 0;
  int signal_number = 0;   // the signal that ended it, if any
  bool timed_out = false;  // killed at the wall-clock limit
  std::string out, err;
  std::string failure() const;  // one phrase: "died of Segmentation fault", "did not finish in 12 s", ...
};

// Run `body` in a forked child whose return value becomes its exit status; its stdout and
// stderr are captured. Limits: `cpu_seconds` of CPU (SIGXCPU) and `wall_seconds` of wall clock
// (SIGKILL). The child removes no parent's files on a signal and runs no exit handlers.
IsolatedRun run_isolated(const std::function<int()>& body, double cpu_seconds, double wall_seconds);

// The limits for reading one file: 2 s of CPU plus 1 s per MB, and four times that of wall clock
// (a busy machine), at least 10 s.
double trial_cpu_seconds(const std::string& filename);
double trial_wall_seconds(const std::string& filename);

// Throws H5Error "'FILE': corrupted HDF5 file (...); not read" when a child that walks the whole
// file the way the readers do (every attribute of every group and dataset, every dataset's shape
// and values) dies, loops or nests groups without end. Errors that HDF5 reports normally are left
// to the caller's own read, which then gives its usual message. If no child can be started the
// caller reads directly.
void refuse_if_reading_crashes(const std::string& filename);

}  // namespace sgds::h5
