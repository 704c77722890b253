#pragma once
// An exception must not leave an OpenMP loop body: that calls std::terminate and takes the whole
// run with it. FirstError runs each body under a catch, keeps the first exception any thread
// threw, and rethrows it after the loop, so an error inside a parallel loop reaches the caller
// (and the CLI's one-line message) like any other.
//
//   FirstError error;
//   #pragma omp parallel for
//   for (int i = 0; i < n; ++i) error.run([&] { work(i); });
//   error.rethrow();
#include <exception>
#include <mutex>

namespace sgds {

class FirstError {
 public:
  template <class Body>
  void run(Body&& body) noexcept {
    try {
      body();
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!first_) first_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace sgds
