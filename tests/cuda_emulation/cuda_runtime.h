#pragma once
// The CUDA runtime as our kernels use it, emulated on the CPU, so that a kernel's own source can be
// compiled as C++ and tested where no GPU (or no nvcc) exists (tests/cuda_emulation/emulate_cuda_source.cmake
// turns `kernel<<<grid, block, shared, stream>>>(args)` into `emu_launch(kernel, grid, block, shared, stream)(args)`).
//
// A launch runs blockDim.x std::threads (1-D blocks only); they walk the grid's blocks in order,
// a std::barrier standing for __syncthreads. Dynamic shared memory is refilled with NaN before
// each block, so a read of a value no thread wrote shows up. Device memory is host memory.
// What this cannot show: races between blocks (they run one after another), timing, and the
// real tensor-core fragment layouts (mma.h here emulates the wmma API, not the hardware).
#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(threads)
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

inline thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace cuda_emulation {
struct Warp {
  std::unique_ptr<std::barrier<>> barrier;
  double exchange[32];
};
inline std::barrier<>* block_barrier = nullptr;
inline std::vector<Warp>* warps = nullptr;
inline std::vector<float> dynamic_shared;
inline void warp_sync() { (*warps)[threadIdx.x / 32].barrier->arrive_and_wait(); }
}  // namespace cuda_emulation

inline void __syncthreads() { cuda_emulation::block_barrier->arrive_and_wait(); }
inline float* emu_dynamic_shared() { return cuda_emulation::dynamic_shared.data(); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }

// All 32 lanes of the warp must call it together (as on the GPU with a full mask).
template <class T>
T __shfl_down_sync(unsigned, T value, int offset) {
  cuda_emulation::Warp& warp = (*cuda_emulation::warps)[threadIdx.x / 32];
  const int lane = static_cast<int>(threadIdx.x % 32);
  warp.exchange[lane] = static_cast<double>(value);
  warp.barrier->arrive_and_wait();
  const T result = lane + offset < 32 ? static_cast<T>(warp.exchange[lane + offset]) : value;
  warp.barrier->arrive_and_wait();
  return result;
}

using cudaError_t = int;
inline constexpr cudaError_t cudaSuccess = 0;
using cudaStream_t = struct CUstream_st*;
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount, cudaDevAttrComputeCapabilityMajor };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize };
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost };
inline const char* cudaGetErrorString(cudaError_t) { return "CUDA error (emulated)"; }
inline cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
// An H100's figures: 132 multiprocessors, compute capability 9.
inline cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int) {
  *value = attribute == cudaDevAttrMultiProcessorCount ? 132 : 9;
  return cudaSuccess;
}
template <class Kernel>
cudaError_t cudaFuncSetAttribute(Kernel, cudaFuncAttribute, int) {
  return cudaSuccess;
}
template <class T>
cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  *pointer = static_cast<T*>(std::malloc(bytes));
  return *pointer != nullptr ? cudaSuccess : 2;
}
inline cudaError_t cudaMemcpy(void* to, const void* from, std::size_t bytes, cudaMemcpyKind) {
  std::memcpy(to, from, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* pointer) {
  std::free(pointer);
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }

namespace cuda_emulation {
template <class Kernel>
struct Launch {
  Kernel kernel;
  dim3 grid, block;
  std::size_t shared_bytes;
  template <class... Args>
  void operator()(Args... args) const {
    const unsigned threads = block.x;
    std::barrier<> barrier(threads);
    std::vector<Warp> lanes((threads + 31) / 32);
    for (Warp& warp : lanes) warp.barrier = std::make_unique<std::barrier<>>(32);
    block_barrier = &barrier;
    warps = &lanes;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        threadIdx = dim3(t);
        blockDim = block;
        gridDim = grid;
        for (unsigned z = 0; z < grid.z; ++z)
          for (unsigned y = 0; y < grid.y; ++y)
            for (unsigned x = 0; x < grid.x; ++x) {
              blockIdx = dim3(x, y, z);
              if (t == 0) dynamic_shared.assign(shared_bytes / sizeof(float) + 1, std::nanf(""));
              barrier.arrive_and_wait();
              kernel(args...);
              barrier.arrive_and_wait();
            }
      });
    for (std::thread& thread : pool) thread.join();
  }
};
}  // namespace cuda_emulation

template <class Kernel>
cuda_emulation::Launch<Kernel> emu_launch(Kernel kernel, dim3 grid, dim3 block, std::size_t shared_bytes = 0,
                                          cudaStream_t = nullptr) {
  return {kernel, grid, block, shared_bytes};
}
