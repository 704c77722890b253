#pragma once
// A GPU trainer's result against the CPU trainer's (test_nn_cuda, tests/cuda_emulation): the same
// entries measured (NaN where one is NaN), losses and C^2 within relative 1e-3 (rounding
// differences grow along a few epochs), train and test accuracies within 3 samples; each
// comparison printed with its worst difference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "sim/nn/trainer.hpp"

namespace sgds::test {

// A few epochs of plain SGD with batch b, C^2 from 64 samples each epoch, no curvature or
// sharpness. decay: eta 0.05 cut by 0.7 every epoch (so held first-layer steps of one eta meet
// steps of the next), else a constant 0.2.
inline nn::TrainSpec few_epochs_spec(const char* name, int replicas, int epochs, int batch, bool decay) {
  nn::TrainSpec spec;
  spec.name = name;
  spec.replicas = replicas;
  spec.epochs = epochs;
  spec.schedule.eta = decay ? 0.05 : 0.2;
  if (decay) {
    spec.schedule.kind = ScheduleKind::lr_decay;
    spec.schedule.eta_factor = 0.7;
    spec.schedule.every = 1;
  }
  spec.schedule.batch = batch;
  spec.schedule.per_epoch = true;
  spec.measure.every = 1;
  spec.measure.noise_samples = 64;
  spec.measure.curvature = spec.measure.sharpness = false;
  return spec;
}

inline void check_trajectories_match(const char* what, const nn::TrainResult& gpu, const nn::TrainResult& cpu,
                                     double test_samples = 200.0, double train_samples = 600.0) {
  for (const char* name : {"train_loss", "test_loss", "c2"}) {
    const auto& a = gpu.table(name).values;
    const auto& b = cpu.table(name).values;
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j) {
      INFO(name << " entry " << j << ": GPU " << a[j] << " CPU " << b[j]);
      REQUIRE(std::isnan(a[j]) == std::isnan(b[j]));
      if (std::isnan(b[j])) continue;
      worst = std::max(worst, std::abs(a[j] - b[j]) / std::abs(b[j]));
    }
    std::printf("[%s] %-14s worst relative difference to the CPU %.3e (tolerance 1e-3)\n", what, name, worst);
    CHECK(worst <= 1e-3);
  }
  for (const char* name : {"train_accuracy", "test_accuracy"}) {
    const auto& a = gpu.table(name).values;
    const auto& b = cpu.table(name).values;
    REQUIRE(a.size() == b.size());
    const double samples = std::string(name) == "test_accuracy" ? test_samples : train_samples;
    double flips = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j)
      if (!std::isnan(b[j])) flips = std::max(flips, std::abs(a[j] - b[j]) * samples);
    std::printf("[%s] %-14s worst difference %.0f samples (tolerance 3)\n", what, name, flips);
    CHECK(flips <= 3.0);
  }
}

}  // namespace sgds::test
