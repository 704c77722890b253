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
#include "sim/nn/landscape.hpp"
#include "sim/nn/optimizer_kind.hpp"
#include "sim/nn/training_trace.hpp"
#include "theory/schedules.hpp"

namespace sgds::nn {

struct MeasureSpec {
  int every = 1;                 // per-epoch measurements every this many epochs (and the last)
  int noise_samples = 1024;      // per-sample gradients for C^2 (0 = skip)
  int tail_block = 16;           // samples per block of the tail-index estimator (core/tail_index.hpp)
  bool full_gradient = false;    // ||grad f|| over every training sample (a third of an epoch's work)
  bool curvature = true;         // Hessian top eigenvalue and trace at the end
  int curvature_samples = 1024;  // training samples the Hessian is taken over
  int power_iterations = 20;
  int hutchinson_probes = 8;
  bool sharpness = true;  // worst-case and average-case sharpness at the end
  double sharpness_rho = 2e-4;
  int sharpness_steps = 20;
  int sharpness_samples = 1024;  // in batches of sharpness_batch, one worst case per batch
  int sharpness_batch = 128;
  double average_rho = 2e-2;          // average-case perturbations are rho |w| z, z ~ N(0, I)
  int average_draws = 8;              // per batch
  std::vector<int> curvature_epochs;  // rows (0 = the start) that also get the curvature and sharpness measures
  LandscapeSpec landscape;            // loss slices around the final weights with the trajectory (off by default)
  TraceSpec trace;                    // f(w) and ||grad f(w)|| every so many samples, first-reach costs (CPU only)
};

struct TrainSpec {
  std::string name;
  OptimizerKind optimizer = OptimizerKind::sgd;
  double momentum = 0.9;
  ScheduleSpec schedule;  // ticks are epochs
  int epochs = 1;
  int replicas = 8;
  bool drop_last = false;  // skip each epoch's last batch when it is not full (n mod b samples)
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
  std::vector<Table> per_epoch;       // train_loss, test_accuracy, c2, delta, ...
  std::vector<Table> final;           // 1 x replicas: hessian_top_eigenvalue, sharpness_worst_linf, ...
  std::vector<Landscape> landscapes;  // measure_landscapes: one per replica 0 .. landscape.replicas - 1
  TrainingTrace trace;                // measure.trace: planned by prepare_result, recorded by the CPU trainer
  // measure.landscape: the weights of replicas 0 .. landscape.replicas - 1 at every row,
  // [replica][row][P], kept by the trainers for measure_landscapes (which frees them).
  std::vector<std::vector<std::vector<float>>> landscape_iterates;
  double seconds = 0.0;

  const Table& table(const std::string& table_name) const;        // a per-epoch table, else a final one
  const Table& final_table(const std::string& table_name) const;  // a final one (curvature names are both)
};

// `progress(done, total)` is called from one thread at a time with the training samples processed
// so far over all replicas and their total (training_samples): samples, not updates, so that a
// growing batch (fewer, larger updates) does not skew the estimate of the time left.
TrainResult train_replicas(const TrainSpec& spec, const Architecture& architecture, const Dataset& train,
                           const Dataset& test, std::uint32_t seed,
                           const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// A run's bookkeeping before any training, shared by the CPU and GPU trainers: per row eta,
// batch, Smith's g and cumulative updates (throws std::invalid_argument on eta <= 0 or b < 1),
// and every per-epoch and final table of the CPU trainer, filled with NaN.
TrainResult prepare_result(const TrainSpec& spec, const Architecture& architecture, std::size_t train_samples);
// The mini-batch size of epoch `epoch` (0-based) in a prepared result.
std::int64_t epoch_batch(const TrainResult& result, int epoch);
// How many samples of an epoch's order its batches use: all n, or with drop_last the n - n mod b
// that fill whole batches (the CPU and GPU trainers and the progress count share this).
std::size_t epoch_samples_used(std::size_t n, std::int64_t batch, bool drop_last);
// The samples a prepared run trains on, all epochs and replicas: the progress total.
std::int64_t training_samples(const TrainSpec& spec, const TrainResult& prepared, std::size_t n);

// The measurements at given weights w of replica r (P floats), for the CPU trainer and for the
// GPU trainer's weights copied back to the host. measure_epoch_at, at a measured row: C^2, its SE,
// the gradient norms and delta (nothing when measure.noise_samples = 0), the full-gradient norm
// when measure.full_gradient asks, and at the rows of measure.curvature_epochs the curvature and
// sharpness measures into the per-epoch tables of their names. measure_final_at: the Hessian and
// sharpness measures into the final tables (as measure.curvature / measure.sharpness ask), taken
// from the last row when measure.curvature_epochs ends with it (the same weights and streams). Each
// depends only on (seed, r, row) and w, never on the thread.
void measure_epoch_at(const TrainSpec& spec, const Architecture& architecture, const Dataset& train, std::uint32_t seed,
                      int r, int row, const float* w, TrainResult& result);
// Whether measure_epoch_at has anything to measure at `row` (the GPU trainer copies the weights
// back only then).
bool epoch_measured_at(const MeasureSpec& measure, int row);
void measure_final_at(const TrainSpec& spec, const Architecture& architecture, const Dataset& train, std::uint32_t seed,
                      int r, const float* w, TrainResult& result);

// Divergence, shared by the CPU and GPU trainers: the final table diverged_epoch holds, per
// replica, the first epoch whose train loss is not finite (0 = never). Training goes on for the
// others; a diverged replica's numbers stay in the tables (NaN) and are counted, never a crash.
void flag_divergence(TrainResult& result);

// measure.landscape, after train_replicas or train_replicas_cuda: the slices of the replicas whose
// weights the trainer kept (result.landscape_iterates, freed here) into result.landscapes, the
// time added to result.seconds. A diverged replica gets none (its weights are NaN); the others
// still do. `progress(points done, points total)` as the trainers' progress, from one thread at a
// time. The total: landscape_points.
void measure_landscapes(const TrainSpec& spec, const Architecture& architecture, const Dataset& train,
                        std::uint32_t seed, TrainResult& result,
                        const std::function<void(std::int64_t, std::int64_t)>& progress = {});
std::int64_t landscape_points(const TrainResult& result, const TrainSpec& spec);
int diverged_replicas(const TrainResult& result);

// One SGD / SHB / NSHB update: v = beta v + c g (c = 1 for SHB, 1 - beta for NSHB), w -= eta v;
// plain SGD uses w -= eta g.
void apply_update(OptimizerKind kind, double eta, double beta, float* w, float* velocity, const float* gradient,
                  std::size_t count);

std::string optimizer_name(OptimizerKind kind);

}  // namespace sgds::nn
