// Workload B of /work/shared/peers/README.md on the GPU: K independent MLPs 784-256-10 (ReLU,
// softmax cross-entropy), plain SGD lr 0.1, each with its own mini-batches of size b from 60000
// MNIST-shaped samples, trained in lock-step by the real GPU path (train_replicas_cuda) with the
// measurements off. Figure: training samples per second summed over the K models, over the
// epochs' wall time (steps, per-epoch train sums, next epoch's sample orders drawn on the host
// meanwhile), after a one-epoch warm-up run; setup (data upload, initial weights) excluded.
//   bench_network_cuda [epochs=2]
// Cases: K = 64 with b = 128 and b = 32, K = 1 with b = 128, each with fp32 and tf32 GEMMs, each
// with the defaults (step graphs, the fused head for b <= 32), with the GEMM head, eagerly (no
// graphs), and at b = 128 with the fused head there too.
// Prints B_sgdsmooth_cuda_K<K>_b<b>_<precision>_samples_per_s: <value>. Exit 2 without a GPU.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "sim/nn/trainer_cuda.hpp"
#include "core/rng.hpp"

using namespace sgds;

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 2;
  // Optional second argument: run one case only, e.g. K64_b32_tf32 (for profiling under ncu).
  const std::string only = argc > 2 ? argv[2] : "";
  if (epochs < 1) {
    std::fprintf(stderr, "bench_network_cuda: epochs must be >= 1 (got '%s')\n", argv[1]);
    return 2;
  }
  const std::string why = nn::cuda_training_unavailable();
  if (!why.empty()) {
    std::printf("bench_network_cuda: no GPU run: %s\n", why.c_str());
    return 2;
  }
  try {
    // The data of bench/bench_network.cpp: sample i from its own stream (seed 0, i).
    Dataset train;
    train.height = train.width = 28;
    train.classes = 10;
    train.pixels.resize(60000 * 784);
    train.labels.resize(60000);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < 60000; ++i) {
      RandomStream s(0, static_cast<std::uint32_t>(i), 0, StreamPurpose::user);
      for (std::size_t j = 0; j < 784; ++j)
        train.pixels[static_cast<std::size_t>(i) * 784 + j] = static_cast<float>(s.normal());
      train.labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(s.below(10));
    }
    const Dataset test = slice(train, 0, 1);
    const nn::Architecture mlp = nn::Architecture::mlp(1, 28, 28, {256}, 10);
    std::printf(
        "device: %s; workload B: mlp 784-256-10, SGD lr 0.1, 60000 samples, %d timed epochs after a "
        "1-epoch warm-up, sample orders: per-epoch permutations (Philox)\n",
        nn::cuda_training_device().c_str(), epochs);

    struct Case {
      int K, b;
    };
    for (const nn::MatmulPrecision precision : {nn::MatmulPrecision::fp32, nn::MatmulPrecision::tf32}) {
      for (const Case c : {Case{64, 128}, Case{64, 32}, Case{1, 128}}) {
        // The defaults, then each choice of CudaTrainerChoices turned off (or, for the fused head's
        // batch limit, raised to 128) on its own.
        struct Variant {
          const char* suffix;
          nn::CudaTrainerChoices choices;
        };
        nn::CudaTrainerChoices gemm_head, eager, head_128;
        gemm_head.fused_head = false;
        eager.step_graphs = false;
        head_128.fused_head_max_batch = 128;
        for (const Variant& v : {Variant{"", {}}, Variant{"_gemmhead", gemm_head}, Variant{"_eager", eager},
                                 Variant{"_fh128", head_128}}) {
          if (v.choices.fused_head_max_batch > 32 && c.b <= 32) continue;  // the same as the default there
          const nn::CudaTrainerChoices& choices = v.choices;
          const std::string suffix = v.suffix;
          char label[64];
          std::snprintf(label, sizeof label, "K%d_b%d_%s%s", c.K, c.b, nn::matmul_precision_name(precision).c_str(),
                        suffix.c_str());
          if (!only.empty() && only != label) continue;
          nn::TrainSpec spec;
          spec.name = "bench";
          spec.replicas = c.K;
          spec.schedule.eta = 0.1;
          spec.schedule.batch = c.b;
          spec.schedule.per_epoch = true;
          spec.measure.every = 1 << 20;  // test evaluation at the start and end only (1 sample)
          spec.measure.noise_samples = 0;
          spec.measure.curvature = spec.measure.sharpness = false;
          spec.epochs = 1;
          // warm-up: kernels, cuBLAS heuristics
          (void)nn::train_replicas_cuda(spec, mlp, train, test, 1, precision, {}, nullptr, choices);
          spec.epochs = epochs;
          nn::CudaTrainTiming timing;
          const nn::TrainResult result =
              nn::train_replicas_cuda(spec, mlp, train, test, 1, precision, {}, &timing, choices);
          const double samples = static_cast<double>(c.K) * 60000.0 * epochs;
          std::printf(
              "K=%d b=%d %s, step graphs %d, %s: epochs %d, training %.3f s, setup %.3f s, final train "
              "loss (replica 0) %.6f\n",
              c.K, c.b, nn::matmul_precision_description(precision).c_str(), timing.step_graphs,
              !choices.fused_head                 ? "GEMM head"
              : choices.fused_head_max_batch > 32 ? "fused head for b <= 128"
                                                  : "fused head for b <= 32",
              epochs, timing.training_seconds, timing.setup_seconds,
              result.table("train_loss").values[static_cast<std::size_t>(epochs) * static_cast<std::size_t>(c.K)]);
          std::printf("B_sgdsmooth_cuda_%s_samples_per_s: %.4e\n", label, samples / timing.training_seconds);
          std::fflush(stdout);
        }
      }
    }

    // Not workload B: the CNN of experiment (a) (16-32 channels, 3x3) at K = 8, b = 32, fp32, with
    // the conv gradients as one GEMM per replica and split by sample (CudaTrainerChoices).
    const nn::Architecture cnn = nn::Architecture::cnn(1, 28, 28, {16, 32}, 3, 10);
    for (const bool split : {false, true}) {
      const char* label = split ? "CNN_K8_b32_fp32_split" : "CNN_K8_b32_fp32";
      if (!only.empty() && only != label) continue;
      nn::TrainSpec spec;
      spec.name = "bench_cnn";
      spec.replicas = 8;
      spec.schedule.eta = 0.05;
      spec.schedule.batch = 32;
      spec.schedule.per_epoch = true;
      spec.measure.every = 1 << 20;
      spec.measure.noise_samples = 0;
      spec.measure.curvature = spec.measure.sharpness = false;
      spec.epochs = 1;
      nn::CudaTrainTiming timing;
      nn::CudaTrainerChoices choices;
      choices.split_conv_gradients = split;
      const nn::TrainResult result =
          nn::train_replicas_cuda(spec, cnn, train, test, 1, nn::MatmulPrecision::fp32, {}, &timing, choices);
      std::printf(
          "CNN K=8 b=32 fp32, conv gradients %s: 1 epoch, training %.3f s (first epoch: includes cuBLAS "
          "heuristics), final train loss (replica 0) %.6f\n",
          split ? "split by sample" : "one GEMM per replica", timing.training_seconds,
          result.table("train_loss").values[8]);
      std::printf("B_sgdsmooth_cuda_%s_samples_per_s: %.4e\n", label, 8.0 * 60000.0 / timing.training_seconds);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_network_cuda: %s\n", e.what());
    return 1;
  }
  return 0;
}
