#pragma once
// A GPU trainer's result against the CPU trainer's (test_nn_cuda, tests/cuda_emulation): losses
// and C^2 within relative 1e-3 (rounding differences grow along a few epochs), test accuracies
// within 3 of the 200 test samples; each comparison printed with its worst difference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/nn/trainer.hpp"

namespace sgds::test {

inline void check_trajectories_match(const char* what, const nn::TrainResult& gpu, const nn::TrainResult& cpu) {
  for (const char* name : {"train_loss", "test_loss", "c2"}) {
    const auto& a = gpu.table(name).values;
    const auto& b = cpu.table(name).values;
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j) {
      if (std::isnan(b[j])) continue;
      worst = std::max(worst, std::abs(a[j] - b[j]) / std::abs(b[j]));
    }
    std::printf("[%s] %-10s worst relative difference to the CPU %.3e (tolerance 1e-3)\n", what, name, worst);
    CHECK(worst <= 1e-3);
  }
  const auto& a = gpu.table("test_accuracy").values;
  const auto& b = cpu.table("test_accuracy").values;
  REQUIRE(a.size() == b.size());
  double flips = 0.0;
  for (std::size_t j = 0; j < a.size(); ++j) flips = std::max(flips, std::abs(a[j] - b[j]) * 200.0);
  std::printf("[%s] test_accuracy worst difference %.0f samples (tolerance 3)\n", what, flips);
  CHECK(flips <= 3.0);
}

}  // namespace sgds::test
