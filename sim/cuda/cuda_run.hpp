#pragma once
// An experiment on the CUDA engine, returned as the CPU engine's ExperimentResult (same series,
// quantiles, schedule series and success rate), for sim/experiment.cpp when device = "cuda".
// Host code only; the kernels are in sim/cuda/cuda_engine.cu.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/cpu_engine.hpp"
#include "sim/cuda/cuda_engine.hpp"

namespace sgds::cuda {

// Why the CUDA engine cannot run this experiment, or "" when it can.
template <class Problem>
std::string refusal(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                    const RecordSpec& record) {
  if (!cuda_problem_supported<Problem>)
    return "a problem the CUDA engine runs (rastrigin, sphere, quadratic, ellipsoid, ackley, styblinski_tang)";
  if (problem.dim > kMaxDim) return "problem.dim <= " + std::to_string(kMaxDim) + " on the CUDA engine";
  if (noise.kind != NoiseKind::none && noise.kind != NoiseKind::gaussian)
    return "noise.kind \"gaussian\" or \"none\" on the CUDA engine";
  if (optimizer.kind != OptimizerKind::sgd && !optimizer.momentum())
    return "optimizer.kind \"sgd\", \"shb\" or \"nshb\" on the CUDA engine";
  if (record.noise) return "record.noise = false on the CUDA engine";
  if constexpr (has_basins<Problem>) return "a problem without basins on the CUDA engine";
  return "";
}

template <class Problem>
ExperimentResult run_engine(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                            const StepSchedule& schedule, const InitialPoint& init, const EngineSettings& settings,
                            Progress& progress) {
  if constexpr (!cuda_problem_supported<Problem>) {
    throw std::runtime_error("CUDA engine: " + refusal(problem, noise, optimizer, settings.record));
  } else {
    const RecordSpec& record = settings.record;
    const int dim = problem.dim;
    const std::size_t n = static_cast<std::size_t>(settings.trajectories), d = static_cast<std::size_t>(dim);
    RunInputs in;
    in.seed = settings.seed;
    in.trajectories = settings.trajectories;
    in.dim = dim;
    in.noise_scale = noise.kind == NoiseKind::gaussian ? noise.scale : 0.0;
    in.momentum = optimizer.momentum();
    in.beta = optimizer.beta;
    in.gradient_weight = optimizer.gradient_weight;
    in.divergence_bound = settings.divergence_bound;
    in.eta = schedule.eta;
    in.batch = schedule.batch;
    in.checkpoint_steps = settings.checkpoint_steps;
    in.initial_x.resize(n * d);
    for (std::size_t i = 0; i < n; ++i)
      draw_initial_point(init, settings.seed, static_cast<std::uint32_t>(i), dim, &in.initial_x[i * d]);
    in.float32 = settings.float32;
    if (in.float32) round_to_float(in.initial_x);  // as the CPU engine's float32 path
    in.minimiser.resize(d);
    problem_minimiser(problem, in.minimiser.data());
    in.minimum = problem.minimum_value();
    in.success_radius = record.success_radius;
    in.keep_scalar_columns = !record.quantiles.empty() || record.per_trajectory;
    in.keep_final_x = record.per_trajectory;
    const RunOutput run = run_trajectories(problem, in);

    const std::size_t checkpoints = settings.checkpoint_steps.size();
    const std::size_t cols = static_cast<std::size_t>(run.columns), blocks = static_cast<std::size_t>(run.blocks);
    ExperimentResult out;
    out.trajectories = settings.trajectories;
    out.dim = dim;
    out.steps = settings.checkpoint_steps;
    // Mean and SE: the device's block partials merged in block order, as CheckpointRecorder does.
    std::size_t column = 0;
    for (const ObservableSpec& spec : engine_observables(dim, false)) {
      ObservableSeries s{spec.name, spec.description, spec.width, {}, {}, {}};
      s.mean.assign(checkpoints * static_cast<std::size_t>(spec.width), NAN);
      s.standard_error.assign(s.mean.size(), NAN);
      s.count.assign(checkpoints, 0);
      for (int w = 0; w < spec.width; ++w, ++column)
        for (std::size_t k = 0; k < checkpoints; ++k) {
          RunningStats total;
          for (std::size_t b = 0; b < blocks; ++b) total.merge(run.partial[(k * blocks + b) * cols + column]);
          const std::size_t at = k * static_cast<std::size_t>(spec.width) + static_cast<std::size_t>(w);
          s.mean[at] = total.count > 0 ? total.mean : NAN;
          s.standard_error[at] = total.standard_error();
          s.count[k] = total.count;
        }
      out.series.push_back(std::move(s));
    }
    add_quantile_series(out, record.quantiles, checkpoints);
    if (record.per_trajectory) {
      out.trajectory_f.assign(n * checkpoints, NAN);
      out.final_x = run.final_x;
    }
    if (in.keep_scalar_columns) {
      std::vector<double> rows(n * kQuantileColumns);
      std::vector<std::uint8_t> alive(n);
      for (std::size_t k = 0; k < checkpoints; ++k) {
        const double* columns = &run.scalar_columns[k * kScalarColumns * n];
        for (std::size_t i = 0; i < n; ++i) {
          alive[i] = run.alive_flags[k * n + i];
          for (std::size_t c = 0; c < kQuantileColumns; ++c) rows[i * kQuantileColumns + c] = columns[c * n + i];
          if (record.per_trajectory && alive[i]) out.trajectory_f[i * checkpoints + k] = columns[i];
        }
        for (int c = 0; c < kQuantileColumns; ++c) {
          const std::vector<double> q = column_quantiles(rows, kQuantileColumns, c, alive, record.quantiles);
          std::copy(q.begin(), q.end(),
                    out.quantiles[static_cast<std::size_t>(c)].values.begin() +
                        static_cast<std::ptrdiff_t>(k * record.quantiles.size()));
        }
      }
    }

    // Schedule series and success rate: the CPU engine's definitions (sim/engine_output.hpp).
    add_schedule_series(out, checkpoints);
    for (std::size_t k = 0; k < checkpoints; ++k) {
      const std::size_t s = recorded_step(schedule, settings.checkpoint_steps[k]);
      const double eta = schedule.steps() > 0 ? schedule.eta[s] : NAN;
      const double b = schedule.steps() > 0 ? schedule.batch[s] : NAN;
      record_schedule(out, k, eta, b, recorded_delta(noise, settings, eta, b), settings);
      record_success(out, k, run.alive[k], run.successes[k]);
      out.diverged.push_back(settings.trajectories - run.alive[k]);
    }
    progress.set(settings.checkpoint_steps.empty() ? 0 : settings.checkpoint_steps.back());
    return out;
  }
}

}  // namespace sgds::cuda
