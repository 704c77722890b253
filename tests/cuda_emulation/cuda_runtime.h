#pragma once
// The CUDA runtime as our kernels use it, emulated on the CPU, so that a kernel's own source can be
// compiled as C++ and tested where no GPU (or no nvcc) exists (tests/cuda_emulation/emulate_cuda_source.cmake
// turns `kernel<<<grid, block, shared, stream>>>(args)` into `emu_launch(kernel, grid, block, shared, stream)(args)`).
//
// A block's threads are fibers (ucontext) on the calling thread, run in turn: each runs until it
// finishes or waits at __syncthreads (released when every unfinished thread of the block waits
// there) or at a warp operation (__shfl_down_sync, dev/cuda/emulation/mma.h's mma.sync: released when every unfinished
// lane of its warp waits there; the wmma functions there need no wait); a wait that can never
// be released stops the program with a message. SGDS_EMULATION_THREAD_ORDER sets who runs when:
//   forward (the default)  threads 0, 1, ... each to its next wait, then again: the warps advance
//                          together, one warp operation at a time;
//   reverse, shuffled      one warp at a time (the last warp first, or a new fixed-seed order each
//                          time the block is released; lanes likewise) runs all the way to its next
//                          __syncthreads before the next warp starts.
// On the hardware a warp may run any distance ahead of another between two barriers. A missing
// barrier is a race that forward's lock step hides (a warp writing shared memory late in a phase
// that another warp reads early in it); the other two run warps as far apart as they can be, in
// both directions, so the kernel tests run under all three (tests/CMakeLists.txt).
// Blocks run one after another, in order. Dynamic shared memory is refilled with NaN before each
// block, so a read of a value no thread wrote shows up. Device memory is host memory; one stream,
// everything synchronous. Stream capture records the launches (and cuBLAS calls, cublas_v2.h)
// instead of running them, and a graph launch replays the record: so a graph replayed in the
// wrong state gives wrong numbers here as on a GPU. What this cannot show: races between blocks (they run one
// after another), timing, and the real tensor-core fragment layouts (dev/cuda/emulation/mma.h emulates the API).
#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

// Kernel sources test this to reach the emulation's stand-ins for inline PTX (dev/cuda/emulation/mma.h).
#define SGDS_CUDA_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static  // one copy for all threads; blocks run one at a time
#define __align__(bytes) __attribute__((aligned(bytes)))

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(8) float2 {
  float x, y;
};
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

inline dim3 threadIdx, blockIdx, blockDim, gridDim;

#if defined(__x86_64__) && !defined(SGDS_EMULATION_UCONTEXT)
extern "C" void sgds_emulation_switch(void** save_stack_pointer, void* load_stack_pointer);  // fiber_switch.cpp
#endif

namespace cuda_emulation {
// A fiber's saved state: on x86-64 its stack pointer (fiber_switch.cpp), elsewhere (or with
// SGDS_EMULATION_UCONTEXT defined) a ucontext.
#if defined(__x86_64__) && !defined(SGDS_EMULATION_UCONTEXT)
struct Context {
  void* stack_pointer = nullptr;
};
inline void switch_context(Context& from, Context& to) { sgds_emulation_switch(&from.stack_pointer, to.stack_pointer); }
// The first switch into the context pops six zero registers and returns into entry, with the
// stack aligned as at a call (entry must never return).
inline void start_context(Context& context, char* stack, std::size_t bytes, void (*entry)()) {
  void** top = reinterpret_cast<void**>(reinterpret_cast<std::uintptr_t>(stack + bytes) & ~std::uintptr_t{15});
  *--top = nullptr;  // where entry's return address would be
  *--top = reinterpret_cast<void*>(entry);
  for (int i = 0; i < 6; ++i) *--top = nullptr;
  context.stack_pointer = top;
}
#else
struct Context {
  ucontext_t context;
};
inline void switch_context(Context& from, Context& to) { swapcontext(&from.context, &to.context); }
inline void start_context(Context& c, char* stack, std::size_t bytes, void (*entry)()) {
  getcontext(&c.context);
  c.context.uc_stack.ss_sp = stack;
  c.context.uc_stack.ss_size = bytes;
  c.context.uc_link = nullptr;
  makecontext(&c.context, entry, 0);
}
#endif

enum class Wait { none, block, warp, done };

enum class ThreadOrder { forward, reverse, shuffled };
// SGDS_EMULATION_THREAD_ORDER, read once; anything else stops the program (a typo would silently
// test the default order).
inline ThreadOrder thread_order() {
  static const ThreadOrder order = [] {
    const char* text = std::getenv("SGDS_EMULATION_THREAD_ORDER");
    if (text == nullptr || std::strcmp(text, "forward") == 0) return ThreadOrder::forward;
    if (std::strcmp(text, "reverse") == 0) return ThreadOrder::reverse;
    if (std::strcmp(text, "shuffled") == 0) return ThreadOrder::shuffled;
    std::fprintf(stderr, "cuda emulation: SGDS_EMULATION_THREAD_ORDER = '%s'; allowed: forward, reverse, shuffled\n",
                 text);
    std::exit(2);
  }();
  return order;
}
// 0 .. count - 1 in reverse or shuffled order (thread_order). The shuffle's generator is seeded
// once per program, so a failure repeats when the same tests run again.
inline void order_of_turns(std::vector<unsigned>& turns, unsigned count) {
  static std::uint64_t state = 0x9e3779b97f4a7c15u;
  turns.resize(count);
  for (unsigned t = 0; t < count; ++t) turns[t] = count - 1 - t;
  if (thread_order() != ThreadOrder::shuffled) return;
  for (unsigned i = count; i > 1; --i) {  // Fisher-Yates with a 64-bit LCG (its upper bits)
    state = state * 6364136223846793005u + 1442695040888963407u;
    std::swap(turns[i - 1], turns[static_cast<unsigned>((state >> 33) % i)]);
  }
}
// An asynchronous copy (dev/cuda/emulation/cuda_pipeline_primitives.h): `bytes` from global to shared memory,
// the last `zero_fill` of them zeros.
struct AsyncCopy {
  void* to;
  const void* from;
  std::size_t bytes, zero_fill;
};
struct Fiber {
  Context context;
  std::unique_ptr<char[]> stack;  // left uninitialised: only the pages a kernel touches are mapped
  Wait wait = Wait::none;
  std::vector<AsyncCopy> open_group;              // copies issued since the last commit
  std::vector<std::vector<AsyncCopy>> committed;  // committed groups, oldest first, not yet landed
};
// The block being run: its fibers, the scheduler's context, the running fiber.
struct Block {
  std::vector<Fiber> fibers;
  Context scheduler;
  unsigned running = 0;
  double exchange[1024];  // one slot per thread: the warp shuffles
  std::uint32_t
      mma_operands[1024][6];  // one row per thread: its A and B registers of a warp's mma (dev/cuda/emulation/mma.h)
  std::function<void()> body;
};
inline Block* block = nullptr;
inline Block& launch_block() {  // one for every launch (no kernel launches another): fibers and stacks kept
  static Block b;
  return b;
}
inline std::vector<float> dynamic_shared;

// The running fiber waits (kind block or warp) until the scheduler releases it.
inline void wait_at(Wait kind) {
  Fiber& fiber = block->fibers[block->running];
  fiber.wait = kind;
  switch_context(fiber.context, block->scheduler);
}
inline void warp_sync() { wait_at(Wait::warp); }
inline Fiber& current_fiber() { return block->fibers[block->running]; }

inline void fiber_entry() {
  block->body();
  block->fibers[block->running].wait = Wait::done;
  switch_context(block->fibers[block->running].context, block->scheduler);
}

// Runs one block of `threads` fibers to the end (see the file comment for the release rules).
inline void run_block(Block& b, unsigned threads) {
  constexpr std::size_t kStackBytes = 256 * 1024;
  if (b.fibers.size() < threads) b.fibers.resize(threads);
  for (unsigned t = 0; t < threads; ++t) {
    Fiber& fiber = b.fibers[t];
    if (!fiber.stack) fiber.stack.reset(new char[kStackBytes]);
    start_context(fiber.context, fiber.stack.get(), kStackBytes, fiber_entry);
    fiber.wait = Wait::none;
    fiber.open_group.clear();
    fiber.committed.clear();
  }
  block = &b;
  const auto run_thread = [&](unsigned t) {  // to its next wait, if it is not waiting
    if (b.fibers[t].wait != Wait::none) return;
    b.running = t;
    threadIdx = dim3(t);
    switch_context(b.scheduler, b.fibers[t].context);
  };
  const auto release_warp = [&](unsigned first) {  // if every unfinished lane waits at a warp operation
    const unsigned end = std::min(first + 32, threads);
    bool any = false;
    for (unsigned t = first; t < end; ++t) {
      if (b.fibers[t].wait == Wait::done) continue;
      if (b.fibers[t].wait != Wait::warp) return false;
      any = true;
    }
    for (unsigned t = first; t < end; ++t)
      if (b.fibers[t].wait == Wait::warp) b.fibers[t].wait = Wait::none;
    return any;
  };
  const unsigned warps = (threads + 31) / 32;
  std::vector<unsigned> warp_turns, lane_turns;
  for (;;) {
    bool released = false;
    if (thread_order() == ThreadOrder::forward) {
      for (unsigned t = 0; t < threads; ++t) run_thread(t);
      for (unsigned w = 0; w < warps; ++w) released |= release_warp(32 * w);
    } else {
      order_of_turns(warp_turns, warps);
      for (const unsigned w : warp_turns) {
        do {
          order_of_turns(lane_turns, std::min(32u, threads - 32 * w));
          for (const unsigned lane : lane_turns) run_thread(32 * w + lane);
        } while (release_warp(32 * w));
      }
    }
    bool all_done = true, all_at_block = true;
    for (unsigned t = 0; t < threads; ++t) {
      if (b.fibers[t].wait == Wait::done) continue;
      all_done = false;
      if (b.fibers[t].wait != Wait::block) all_at_block = false;
    }
    if (all_done) return;
    if (!released && all_at_block) {
      for (unsigned t = 0; t < threads; ++t)
        if (b.fibers[t].wait == Wait::block) b.fibers[t].wait = Wait::none;
      released = true;
    }
    if (!released) {
      std::fprintf(stderr,
                   "cuda emulation: block (%u, %u, %u) can never continue (threads wait at different "
                   "barriers, or some lanes of a warp at a warp operation and others elsewhere)\n",
                   blockIdx.x, blockIdx.y, blockIdx.z);
      std::abort();
    }
  }
}
}  // namespace cuda_emulation

inline void __syncthreads() { cuda_emulation::wait_at(cuda_emulation::Wait::block); }
inline float* emu_dynamic_shared() { return cuda_emulation::dynamic_shared.data(); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __uint_as_float(unsigned bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}
inline unsigned __float_as_uint(float x) {
  unsigned bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

// All lanes of the warp must call it together (as on the GPU with a full mask).
template <class T>
T __shfl_down_sync(unsigned, T value, int offset) {
  double* exchange = cuda_emulation::block->exchange;
  const unsigned t = threadIdx.x, lane = t % 32;
  exchange[t] = static_cast<double>(value);
  cuda_emulation::warp_sync();
  const T result = lane + static_cast<unsigned>(offset) < 32 ? static_cast<T>(exchange[t + offset]) : value;
  cuda_emulation::warp_sync();
  return result;
}

using cudaError_t = int;
inline constexpr cudaError_t cudaSuccess = 0;
using cudaStream_t = struct CUstream_st*;
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount, cudaDevAttrComputeCapabilityMajor };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost };
enum cudaStreamCaptureMode { cudaStreamCaptureModeThreadLocal };

inline const char* cudaGetErrorString(cudaError_t) { return "CUDA error (emulated)"; }
inline cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
// The multiprocessor count and compute capability of the sm_90 part the kernels are built for (132, 9).
inline cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int) {
  switch (attribute) {
    case cudaDevAttrMultiProcessorCount:
      *value = 132;
      break;
    case cudaDevAttrComputeCapabilityMajor:
      *value = 9;
      break;
    default:
      *value = 0;
  }
  return cudaSuccess;
}
template <class Kernel>
cudaError_t cudaFuncSetAttribute(Kernel, cudaFuncAttribute, int) {
  return cudaSuccess;
}
template <class T>
cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  // 256-byte aligned, as the driver's allocations (kernels choose 16-byte copies on alignment)
  *pointer = static_cast<T*>(std::aligned_alloc(256, (std::max<std::size_t>(bytes, 1) + 255) / 256 * 256));
  return *pointer != nullptr ? cudaSuccess : 2;
}
inline cudaError_t cudaMemcpy(void* to, const void* from, std::size_t bytes, cudaMemcpyKind) {
  std::memcpy(to, from, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy2D(void* to, std::size_t to_pitch, const void* from, std::size_t from_pitch,
                                std::size_t width, std::size_t height, cudaMemcpyKind) {
  for (std::size_t row = 0; row < height; ++row)
    std::memcpy(static_cast<char*>(to) + row * to_pitch, static_cast<const char*>(from) + row * from_pitch, width);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* pointer, int value, std::size_t bytes) {
  std::memset(pointer, value, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* pointer) {
  std::free(pointer);
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  *stream = reinterpret_cast<cudaStream_t>(std::uintptr_t{1});
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }

// Graphs: a captured graph is the list of the work queued while capturing.
namespace cuda_emulation {
using Work = std::function<void()>;
struct Graph {
  std::vector<Work> work;
};
inline std::unique_ptr<Graph> capturing;
// Runs `work` now, or records it while a capture is on.
inline void enqueue(Work work) {
  if (capturing) {
    capturing->work.push_back(std::move(work));
  } else {
    work();
  }
}
}  // namespace cuda_emulation
using cudaGraph_t = cuda_emulation::Graph*;
using cudaGraphExec_t = cuda_emulation::Graph*;
inline cudaError_t cudaStreamBeginCapture(cudaStream_t, cudaStreamCaptureMode) {
  if (cuda_emulation::capturing) return 3;  // already capturing
  cuda_emulation::capturing = std::make_unique<cuda_emulation::Graph>();
  return cudaSuccess;
}
inline cudaError_t cudaStreamEndCapture(cudaStream_t, cudaGraph_t* graph) {
  if (!cuda_emulation::capturing) return 3;
  *graph = cuda_emulation::capturing.release();
  return cudaSuccess;
}
inline cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  *exec = new cuda_emulation::Graph(*graph);
  return cudaSuccess;
}
inline cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
inline cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}
inline cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t) {
  for (const cuda_emulation::Work& work : exec->work) work();
  return cudaSuccess;
}

namespace cuda_emulation {
template <class Kernel>
struct Launch {
  Kernel kernel;
  dim3 grid, block_size;
  std::size_t shared_bytes;
  template <class... Args>
  void operator()(Args... args) const {
    enqueue([kernel = kernel, grid = grid, threads = block_size.x, shared_bytes = shared_bytes, args...] {
      if (threads > 1024) {
        std::fprintf(stderr, "cuda emulation: more than 1024 threads per block\n");
        std::abort();
      }
      Block& b = launch_block();
      b.body = [&] { kernel(args...); };
      blockDim = dim3(threads);
      gridDim = grid;
      for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
          for (unsigned x = 0; x < grid.x; ++x) {
            blockIdx = dim3(x, y, z);
            dynamic_shared.assign(shared_bytes / sizeof(float) + 1, std::nanf(""));
            run_block(b, threads);
          }
    });
  }
};
}  // namespace cuda_emulation

template <class Kernel>
cuda_emulation::Launch<Kernel> emu_launch(Kernel kernel, dim3 grid, dim3 block, std::size_t shared_bytes = 0,
                                          cudaStream_t = nullptr) {
  return {kernel, grid, block, shared_bytes};
}
