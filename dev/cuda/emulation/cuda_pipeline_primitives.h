#pragma once
// cp.async (the pipeline primitives) emulated on tests/cuda_emulation/cuda_runtime.h (see there):
// issuing a copy fills its destination with NaN at once, and the data lands only when
// __pipeline_wait_prior releases its group. So a kernel that reads a stage before waiting for it,
// waits for the wrong group, or copies into a stage that is still being read, computes with NaN
// and fails its comparison.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda_runtime.h"

inline void __pipeline_memcpy_async(void* to, const void* from, std::size_t bytes, std::size_t zero_fill = 0) {
  // The hardware takes 4, 8 or 16 bytes, both addresses aligned to the size (a misaligned copy
  // faults there, so it aborts here).
  if ((bytes != 4 && bytes != 8 && bytes != 16) || reinterpret_cast<std::uintptr_t>(to) % bytes != 0 ||
      reinterpret_cast<std::uintptr_t>(from) % bytes != 0) {
    std::fprintf(stderr,
                 "cuda emulation: cp.async of %zu bytes from %p to %p: size not 4, 8 or 16 or address misaligned\n",
                 bytes, from, to);
    std::abort();
  }
  std::memset(to, 0xff, bytes);  // all ones: a NaN in every float
  cuda_emulation::current_fiber().open_group.push_back({to, from, bytes, zero_fill});
}
inline void __pipeline_commit() {
  cuda_emulation::Fiber& fiber = cuda_emulation::current_fiber();
  fiber.committed.push_back(std::move(fiber.open_group));
  fiber.open_group.clear();
}
// Lands every committed group but the newest `prior`.
inline void __pipeline_wait_prior(std::size_t prior) {
  cuda_emulation::Fiber& fiber = cuda_emulation::current_fiber();
  while (fiber.committed.size() > prior) {
    for (const cuda_emulation::AsyncCopy& copy : fiber.committed.front()) {
      std::memcpy(copy.to, copy.from, copy.bytes - copy.zero_fill);
      std::memset(static_cast<char*>(copy.to) + (copy.bytes - copy.zero_fill), 0, copy.zero_fill);
    }
    fiber.committed.erase(fiber.committed.begin());
  }
}
