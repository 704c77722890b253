#pragma once
// A trial read of an HDF5 file in a forked child, before this process trusts libhdf5 with it.
//
// Why: libhdf5 (Debian's 1.10) trusts the on-disk structures of the files it reads. A corrupted
// global-heap entry makes H5HG_read copy from a wild pointer while converting a variable-length
// string (its index check is an assert, compiled out of release builds), and the process dies of
// SIGSEGV inside H5Aread. Nothing in the public API can validate a heap entry before HDF5 reads it,
// and a segfault cannot be caught, so the only safe test is to let a throw-away child process do
// the reads first (with a CPU-time limit: other corrupted heaps make libhdf5 loop without end). The child walks the whole file the way our readers do (every attribute of every
// group and dataset, every dataset's shape and values); if it dies, the file is refused with one
// line and exit status 2. If it survives, the reads the caller then makes are a subset of the
// child's and touch only structures libhdf5 has already read without crashing.
// Cost: one fork and a second read of the file (result files are megabytes: milliseconds).
#include <string>

namespace sgds::h5 {

// Throws H5Error "'FILE' is a corrupted HDF5 file: ..." when the trial read dies (a signal, or a
// sanitizer's non-zero exit). Errors that HDF5 reports normally are left to the caller's own read,
// which then gives its usual message. If no child can be started the caller reads directly.
// To see the crash itself: gdb -ex 'set follow-fork-mode child' --args sgdsmooth inspect FILE.
void refuse_if_reading_crashes(const std::string& filename);

}  // namespace sgds::h5
