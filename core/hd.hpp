#pragma once
// SGDS_HD marks a function that is compiled for both host and device. Every function, kernel
// and update step the CPU and CUDA engines share carries it, so there is one definition of each.
#if defined(__CUDACC__)
#define SGDS_HD __host__ __device__
#define SGDS_HD_INLINE __host__ __device__ __forceinline__
#else
#define SGDS_HD
#define SGDS_HD_INLINE inline
#endif
