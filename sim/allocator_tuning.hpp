#pragma once
// glibc hands allocations over a (self-adjusting) threshold to mmap and trims freed heap tops.
// The network trainer resizes large buffers whenever it switches between training batches and
// evaluation batches of 500 (an im2col buffer of the CNN is then 56 MB), and Eigen allocates
// and frees its GEMM packing blocks on every product, so pages were mapped, faulted and zeroed
// over and over: 10% of a CNN training run on 2 cores (bench/RESULTS.md). Fixed, high
// thresholds keep freed memory in the heap for the next step.
namespace sgds {

// Process-wide and idempotent; a no-op off glibc. Changes no result, only where memory comes from.
void keep_large_allocations_resident();

}  // namespace sgds
