#include "sim/allocator_tuning.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sgds {

void keep_large_allocations_resident() {
#if defined(__GLIBC__)
  // Above every per-step or per-evaluation buffer of the trainers at the configs' sizes; a
  // process keeps up to 512 MiB of freed memory per arena instead of returning it.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

}  // namespace sgds
