#pragma once
// Step graphs must be keyed on everything a captured step bakes in, eta among it (the GEMMs'
// alpha): a graph captured at eta a and replayed at eta b takes the wrong step. A schedule that
// only decays never meets a captured batch size again with another eta, so this drives
// ReplicaTrainer directly with eta a, b, a, b in runs of four full batches, graphs on and off,
// and demands the same bits. For test_nn_cuda (on a GPU) and tests/cuda_emulation.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/replica_trainer_cuda.hpp"
#include "sim/nn/sample_order.hpp"

namespace sgds::test {

inline void check_graphs_follow_eta(const Dataset& train, const Dataset& test) {
  const nn::Architecture arch = nn::Architecture::mlp(1, 28, 28, {40}, 10);
  constexpr int kReplicas = 2, kBatch = 16;
  std::vector<float> weights(kReplicas * arch.parameter_count);
  std::vector<std::uint32_t> order;
  for (int r = 0; r < kReplicas; ++r) {
    nn::initialise_parameters(arch, 5, static_cast<std::uint32_t>(r), weights.data() + r * arch.parameter_count);
    const std::vector<std::uint32_t> o = nn::epoch_order(5, static_cast<std::uint32_t>(r), 0, train.size());
    order.insert(order.end(), o.begin(), o.end());
  }
  std::vector<std::vector<float>> results;
  std::vector<std::vector<double>> losses;
  int captured = 0;
  for (const bool graphs : {false, true}) {
    nn::cuda::ReplicaTrainerOptions options;
    options.replicas = kReplicas;
    options.max_batch = kBatch;
    options.step_graphs = graphs;
    nn::cuda::ReplicaTrainer trainer(arch, train, test, options);
    trainer.upload_parameters(weights);
    trainer.upload_order(order);
    trainer.reset_train_sums();
    std::size_t begin = 0;
    for (int run = 0; run < 6; ++run)
      for (int s = 0; s < 4; ++s, begin += kBatch) trainer.step(begin, kBatch, run % 2 == 0 ? 0.05 : 0.02);
    std::vector<double> loss;
    std::vector<std::int64_t> correct;
    trainer.train_sums(loss, correct);
    results.push_back(trainer.download_parameters());
    losses.push_back(loss);
    if (graphs) captured = trainer.step_graphs_captured();
  }
  int differing = 0;
  for (std::size_t j = 0; j < results[0].size(); ++j)
    if (std::memcmp(&results[0][j], &results[1][j], sizeof(float)) != 0) ++differing;
  std::printf("[graphs, eta a b a b] %d graphs captured; %d of %zu weights not bit-equal to eager execution\n",
              captured, differing, results[0].size());
  CHECK(captured > 0);
  CHECK(differing == 0);
  CHECK(std::memcmp(losses[0].data(), losses[1].data(), losses[0].size() * sizeof(double)) == 0);
}

}  // namespace sgds::test
