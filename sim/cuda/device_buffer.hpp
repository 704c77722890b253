#pragma once
// A typed device allocation, zeroed when made and freed with its owner; uploads and downloads
// are synchronous and checked against its size. Include only from CUDA translation units.
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/cuda/cuda_check.hpp"

namespace sgds::cuda {

template <class T>
struct DeviceBuffer {
  T* data = nullptr;
  std::size_t size = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : size(count) {
    if (count > 0) SGDS_CUDA_CHECK(cudaMalloc(&data, count * sizeof(T)));
    if (count > 0) SGDS_CUDA_CHECK(cudaMemset(data, 0, count * sizeof(T)));
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept : data(std::exchange(other.data, nullptr)), size(other.size) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data, other.data);
    std::swap(size, other.size);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(data); }
  void upload(const T* host, std::size_t count) {
    if (count > size) throw std::logic_error("DeviceBuffer::upload past the end");
    if (count > 0) SGDS_CUDA_CHECK(cudaMemcpy(data, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(T* host, std::size_t count) const {
    if (count > size) throw std::logic_error("DeviceBuffer::download past the end");
    if (count > 0) SGDS_CUDA_CHECK(cudaMemcpy(host, data, count * sizeof(T), cudaMemcpyDeviceToHost));
  }
  std::vector<T> download(std::size_t count) const {
    std::vector<T> host(count);
    download(host.data(), count);
    return host;
  }
};

}  // namespace sgds::cuda
