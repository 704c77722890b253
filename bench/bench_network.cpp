// Workload B of /work/shared/peers/README.md on the CPU: K independent MLPs 784-256-10 (ReLU,
// softmax cross-entropy), plain SGD lr 0.1, each with its own mini-batches of size b from 60000
// MNIST-shaped samples. Times the real training path (sim/nn/trainer) with measurements off.
// Figure: training samples per second summed over the K models.
//   bench_network [K=4] [b=128] [epochs=1] [threads=0]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <omp.h>

#include "sim/nn/trainer.hpp"
#include "core/rng.hpp"

using namespace sgds;

int main(int argc, char** argv) {
  const int K = argc > 1 ? std::atoi(argv[1]) : 4;
  const int b = argc > 2 ? std::atoi(argv[2]) : 128;
  const int epochs = argc > 3 ? std::atoi(argv[3]) : 1;
  if (argc > 4 && std::atoi(argv[4]) > 0) omp_set_num_threads(std::atoi(argv[4]));

  Dataset train;
  train.height = train.width = 28;
  train.classes = 10;
  train.pixels.resize(60000 * 784);
  for (std::size_t i = 0; i < 60000; ++i) {
    RandomStream s(0, static_cast<std::uint32_t>(i), 0, StreamPurpose::user);
    for (std::size_t j = 0; j < 784; ++j) train.pixels[i * 784 + j] = static_cast<float>(s.normal());
    train.labels.push_back(static_cast<std::int32_t>(s.below(10)));
  }
  const Dataset test = slice(train, 0, 1);

  nn::TrainSpec spec;
  spec.name = "bench";
  spec.replicas = K;
  spec.epochs = epochs;
  spec.schedule.eta = 0.1;
  spec.schedule.batch = b;
  spec.schedule.per_epoch = true;
  spec.measure.noise_samples = 0;
  spec.measure.curvature = spec.measure.sharpness = false;
  const nn::Architecture mlp = nn::Architecture::mlp(1, 28, 28, {256}, 10);

  const auto start = std::chrono::steady_clock::now();
  const nn::TrainResult result = nn::train_replicas(spec, mlp, train, test, 1);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double samples = static_cast<double>(K) * 60000.0 * epochs;
  std::printf("threads=%d K=%d b=%d epochs=%d float32 seconds=%.3f\n", omp_get_max_threads(), K, b, epochs, seconds);
  std::printf("B_sgdsmooth_cpu_K%d_b%d_samples_per_s: %.3e\n", K, b, samples / seconds);
  std::printf("final train loss (replica 0): %.4f\n",
              result.table("train_loss").values[static_cast<std::size_t>(epochs * K)]);
  return 0;
}
