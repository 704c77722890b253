#pragma once
// K independent SGD trajectories of one network on one data set ("replicas"), each with its own
// initialisation and mini-batch stream, and the per-epoch and final measurements of issue 7.
// Replica r's numbers depend only on (seed, r) and the spec, never on K or the thread count:
// replicas run in parallel, each one sequentially.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "theory/schedules.hpp"

namespace sgds::nn {

enum class OptimizerKind { sgd, shb, nshb };

struct MeasureSpec {
  int every = 1;                 // per-epoch measurements every this many epochs (and the last)
  int noise_samples = 1024;      // per-sample gradients for C^2 (0 = skip)
  bool curvature = true;         // Hessian top eigenvalue and trace at the end
  int curvature_samples = 1024;  // training samples the Hessian is taken over
  int power_iterations = 20;
  int hutchinson_probes = 8;
  bool sharpness = true;         // worst-case and average-case sharpness at the end
  double sharpness_rho = 2e-4;
  int sharpness_steps = 20;
  int sharpness_samples = 1024;  // in batches of sharpness_batch, one worst case per batch
  int sharpness_batch = 128;
  double average_rho = 2e-2;     // average-case perturbations are rho |w| z, z ~ N(0, I)
  int average_draws = 8;         // per batch
};

struct TrainSpec {
  std::string name;
  OptimizerKind optimizer = OptimizerKind::sgd;
  double momentum = 0.9;
  ScheduleSpec schedule;  // ticks are epochs
  int epochs = 1;
  int replicas = 8;
  MeasureSpec measure;
};

// Row-major [row][replica] tables; row 0 is the initial point, row e the end of epoch e, and a
// row without per-epoch measurements holds NaN there.
struct TrainResult {
  std::string name, architecture, optimizer;
  int replicas = 0, epochs = 0;
  std::size_t parameters = 0, train_samples = 0;
  std::vector<double> eta, batch, smith_g;  // per row: the setting of the epoch that ends there
  std::vector<std::int64_t> steps;          // per row: cumulative parameter updates
  struct Table {
    std::string name, description;
    std::vector<double> values;  // rows x replicas
  };
  std::vector<Table> per_epoch;  // train_loss, test_accuracy, c2, delta, ...
  std::vector<Table> final;      // 1 x replicas: hessian_top_eigenvalue, sharpness_worst_linf, ...
  double seconds = 0.0;

  const Table& table(const std::string& table_name) const;
};

// `progress(done, total)` is called from one thread with work units done so far.
TrainResult train_replicas(const TrainSpec& spec, const Architecture& architecture, const Dataset& train,
                           const Dataset& test, std::uint32_t seed,
                           const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// One SGD / SHB / NSHB update: v = beta v + c g (c = 1 for SHB, 1 - beta for NSHB), w -= eta v;
// plain SGD uses w -= eta g.
void apply_update(OptimizerKind kind, double eta, double beta, float* w, float* velocity, const float* gradient,
                  std::size_t count);

std::string optimizer_name(OptimizerKind kind);

}  // namespace sgds::nn
