#pragma once
// The CPU engine: N independent trajectories of SGD (or heavy ball, NSHB, explicit graduated
// optimisation, GradOpt) advanced with OpenMP, statistics recorded at checkpoints. State is kept
// in tiles of kLanes trajectories, structure of arrays (x[tile][coordinate][lane]): the common
// case (additive Gaussian noise, SGD/SHB/NSHB, a problem with a lane gradient) runs vectorised
// across lanes (sim/lane_step.hpp); everything else runs the general per-trajectory update
// (sim/trajectory_step.hpp) on the same layout. Memory grows with N x d, never with the number of
// steps. Every random variate comes from the (seed, trajectory, step, purpose) Philox stream and
// every reduction runs over fixed blocks, so the bytes are the same for any thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/checkpoint_recorder.hpp"
#include "sim/engine_output.hpp"
#include "sim/engine_spec.hpp"
#include "data/experiment_result.hpp"
#include "sim/float_lanes.hpp"
#include "sim/lane_step.hpp"
#include "sim/progress.hpp"
#include "core/rng.hpp"
#include "sim/trajectory_step.hpp"

namespace sgds {

template <class Problem>
void problem_minimiser(const Problem& problem, double* x) {
  if constexpr (requires { problem.minimiser(x); }) problem.minimiser(x);
  else
    for (int j = 0; j < problem.dim; ++j) x[j] = problem.minimiser_coordinate(j);
}

template <class Problem>
constexpr bool has_basins = requires(const Problem& p, const double* x) {
  { p.basin_of(x) } -> std::convertible_to<int>;
};

template <class Problem>
int basin_count(const Problem& problem) {
  if constexpr (requires { problem.basin_count(); }) return problem.basin_count();
  else return 2;  // the two-basin landscapes of theory/functions/landscapes.hpp
}

inline void draw_initial_point(const InitialPoint& init, std::uint32_t seed, std::uint32_t trajectory, int dim,
                               double* x) {
  RandomStream rng(seed, trajectory, 0, StreamPurpose::initial_point);
  for (int i = 0; i < dim; ++i) {
    x[i] = init.x0[static_cast<std::size_t>(i)];
    if (init.spread > 0.0) x[i] += init.spread * (2.0 * rng.uniform() - 1.0);
  }
}

// The per-trajectory observables, in column order: f, f - f*, ||x - x*||, ||grad f||, x_i,
// x_i^2, and with record.noise omega_i and ||omega||^2 of the step before the checkpoint.
inline std::vector<ObservableSpec> engine_observables(int dim, bool noise) {
  std::vector<ObservableSpec> specs = {{"f", "objective value f(x)", 1},
                                       {"f_gap", "optimality gap f(x) - f*", 1},
                                       {"dist", "distance to the global minimiser ||x - x*||", 1},
                                       {"grad_norm", "gradient norm ||grad f(x)||", 1},
                                       {"x", "coordinates x_i", dim},
                                       {"x2", "squared coordinates x_i^2", dim}};
  if (noise) {
    specs.push_back({"omega", "realised gradient noise omega_i = (g - grad f)_i of the last step", dim});
    specs.push_back({"omega2", "realised ||omega||^2 of the last step", 1});
  }
  return specs;
}

template <class Problem>
bool lane_path_applies(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                       const RecordSpec& record) {
  if constexpr (!LaneGradient<Problem>::available) return false;
  else return LaneGradient<Problem>::applies(problem) && !record.noise &&
         (noise.kind == NoiseKind::none || noise.kind == NoiseKind::gaussian) &&
         (optimizer.kind == OptimizerKind::sgd || optimizer.momentum());
}

inline void round_to_float(std::vector<double>& x) {
  for (double& value : x) value = static_cast<double>(static_cast<float>(value));
}

// The float32 path on one tile of the SoA layout (x[coordinate][lane]): the tile converted to
// float (exact: the float path's state is float throughout), advanced by
// floatpath::advance_float_lanes, converted back. v is null for SGD.
template <class Gradient>
void advance_float_tile(LaneIsa isa, const Gradient& gradient, const floatpath::FloatStepParams& p,
                        std::uint32_t first_trajectory, std::int64_t t0, std::int64_t t1, const float* eta,
                        const float* factor, double* x, double* v, double* alive) {
  const std::size_t size = static_cast<std::size_t>(p.dim) * kLanes;
  float xs[floatpath::kMaxFloatDim * kLanes], vs[floatpath::kMaxFloatDim * kLanes], alive_f[kLanes];
  for (std::size_t e = 0; e < size; ++e) {
    xs[e] = static_cast<float>(x[e]);
    vs[e] = v ? static_cast<float>(v[e]) : 0.0f;
  }
  for (int l = 0; l < kLanes; ++l) alive_f[l] = static_cast<float>(alive[l]);
  floatpath::advance_float_lanes(isa, gradient, p, first_trajectory, t0, t1, eta, factor, xs, vs, alive_f);
  for (std::size_t e = 0; e < size; ++e) {
    x[e] = xs[e];
    if (v) v[e] = vs[e];
  }
  for (int l = 0; l < kLanes; ++l) alive[l] = alive_f[l];  // frozen lanes: counted, excluded from statistics
}

template <class Problem>
ExperimentResult run_cpu_engine(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                                const StepSchedule& schedule, const InitialPoint& init, const EngineSettings& settings,
                                Progress& progress) {
  const RecordSpec& record = settings.record;
  const int dim = problem.dim;
  const std::size_t n = static_cast<std::size_t>(settings.trajectories);
  const std::size_t d = static_cast<std::size_t>(dim);
  const std::size_t L = static_cast<std::size_t>(kLanes);
  const std::size_t tiles = (n + L - 1) / L;
  const std::size_t tile_size = d * L;
  const bool lanes_path = lane_path_applies(problem, noise, optimizer, record);
  const bool gradopt = optimizer.kind == OptimizerKind::gradopt;
  const LaneIsa isa = detect_lane_isa();

  // The momentum / suffix-sum buffer exists only for the optimizers that use it.
  const bool needs_v = optimizer.momentum() || gradopt;
  std::vector<double> x(tiles * tile_size, 0.0), v(needs_v ? tiles * tile_size : 0, 0.0);
  std::vector<double> centre(gradopt ? tiles * tile_size : 0);
  std::vector<GradOptState> stage_state(optimizer.accuracy_rule() ? n : 0);
  std::vector<double> alive_lane(tiles * L, 0.0);  // 1.0 alive, 0.0 frozen or padding
  std::vector<double> omega(record.noise ? n * d : 0, 0.0);
  auto at = [&](std::size_t i, std::size_t j) { return (i / L) * tile_size + j * L + i % L; };

  {
    std::vector<double> x0(d);
    for (std::size_t i = 0; i < n; ++i) {
      draw_initial_point(init, settings.seed, static_cast<std::uint32_t>(i), dim, x0.data());
      if (settings.float32) round_to_float(x0);
      for (std::size_t j = 0; j < d; ++j) x[at(i, j)] = x0[j];
      alive_lane[i] = 1.0;
    }
  }

  std::vector<double> minimiser(d);
  problem_minimiser(problem, minimiser.data());
  const double minimum = problem.minimum_value();
  // A formula given without its minimiser (sim/expression_function.hpp): no distance, gap or
  // success rate can be measured, so they are NaN rather than "0 of n".
  const bool known_minimiser = std::all_of(minimiser.begin(), minimiser.end(), [](double m) { return std::isfinite(m); });

  const std::size_t checkpoints = settings.checkpoint_steps.size();
  CheckpointRecorder recorder(engine_observables(dim, record.noise), checkpoints);
  const std::size_t cols = static_cast<std::size_t>(recorder.columns());
  std::vector<double> observations(n * cols);
  std::vector<std::uint8_t> alive(n, 1);

  ExperimentResult out;
  out.trajectories = settings.trajectories;
  out.dim = dim;
  add_quantile_series(out, record.quantiles, checkpoints);
  add_schedule_series(out, checkpoints);
  auto add_series = [&](const char* name, const char* description, int width) -> CheckpointSeries& {
    out.checkpoint_series.push_back({name, description, width, std::vector<double>(checkpoints * static_cast<std::size_t>(width))});
    return out.checkpoint_series.back();
  };
  const int basins = has_basins<Problem> ? basin_count(problem) : 0;
  if (basins > 0) add_series("basin_share", "share of alive trajectories in each basin (problem's basin_of)", basins);
  const std::size_t stage_series = out.checkpoint_series.size();
  if (optimizer.accuracy_rule()) {
    add_series("stages_done", "GradOpt accuracy rule: mean number of completed stages over alive trajectories", 1);
    add_series("stages_capped", "GradOpt accuracy rule: stages ended at the step cap, summed over all trajectories", 1);
  }
  if (record.per_trajectory) out.trajectory_f.assign(n * checkpoints, NAN);
  out.diverged.reserve(checkpoints);

  // The float32 path (sim/float_step.hpp): per-step eta and noise factor C / sqrt(b) rounded once.
  floatpath::FloatStepParams float_params;
  std::vector<float> eta_f, factor_f;
  if (settings.float32) {
    const double noise_scale = noise.kind == NoiseKind::gaussian ? noise.scale : 0.0;
    float_params = floatpath::make_float_step_params(settings.seed, dim, noise_scale, optimizer.momentum(),
                                                     optimizer.beta, optimizer.gradient_weight,
                                                     settings.divergence_bound);
    floatpath::make_float_step_series(schedule.eta, schedule.batch, noise_scale, eta_f, factor_f);
  }

  std::int64_t current = 0;
  for (std::size_t k = 0; k < checkpoints; ++k) {
    const std::int64_t target = settings.checkpoint_steps[k];
#pragma omp parallel
    {
      TrajectoryStepper<Problem> stepper(problem, noise, optimizer, schedule, settings.seed);
      std::vector<double> xs(d), vs(d), cs(d), g(tile_size), unused_v(needs_v ? 0 : tile_size, 0.0);
      LaneStepInputs in;
      in.seed = settings.seed;
      in.noise_scale = noise.kind == NoiseKind::gaussian ? noise.scale : 0.0;
      in.momentum = optimizer.momentum();
      in.beta = optimizer.beta;
      in.gradient_weight = optimizer.gradient_weight;
      in.divergence_bound = settings.divergence_bound;
      in.eta = schedule.eta.data();
      in.batch = schedule.batch.data();
#pragma omp for schedule(static)
      for (std::size_t tile = 0; tile < tiles; ++tile) {
        double* xt = &x[tile * tile_size];
        double* vt = needs_v ? &v[tile * tile_size] : unused_v.data();
        double* alive_t = &alive_lane[tile * L];
        if (target == current) continue;
        if constexpr (floatpath::float_path_supported<Problem>) {
          if (settings.float32) {
            const floatpath::FloatGradient<Problem> float_gradient(problem);
            advance_float_tile(isa, float_gradient, float_params, static_cast<std::uint32_t>(tile * L), current,
                               target, eta_f.data(), factor_f.data(), xt, needs_v ? vt : nullptr, alive_t);
            continue;
          }
        }
        if constexpr (LaneGradient<Problem>::available) {
          if (lanes_path) {
            in.first_trajectory = static_cast<std::uint32_t>(tile * L);
            advance_lanes(isa, problem, in, xt, vt, alive_t, g.data(), current, target);
            continue;
          }
        }
        for (std::size_t l = 0; l < L; ++l) {
          const std::size_t i = tile * L + l;
          if (i >= n || alive_t[l] == 0.0) continue;
          for (std::size_t j = 0; j < d; ++j) {
            xs[j] = xt[j * L + l];
            vs[j] = vt[j * L + l];
            if (gradopt) cs[j] = centre[tile * tile_size + j * L + l];
          }
          for (std::int64_t t = current; t < target; ++t) {
            double* omega_i = record.noise && t == target - 1 ? &omega[i * d] : nullptr;
            stepper.step(static_cast<std::uint32_t>(i), t, xs.data(), vs.data(), cs.data(), omega_i,
                         stage_state.empty() ? nullptr : &stage_state[i]);
            bool finite = true;
            for (std::size_t j = 0; j < d; ++j) finite &= std::fabs(xs[j]) <= settings.divergence_bound;
            if (!finite) {
              alive_t[l] = 0.0;  // frozen where it broke; counted, excluded from statistics
              break;
            }
          }
          for (std::size_t j = 0; j < d; ++j) {
            xt[j * L + l] = xs[j];
            vt[j * L + l] = vs[j];
            if (gradopt) centre[tile * tile_size + j * L + l] = cs[j];
          }
        }
      }
    }
    current = target;

    // Observe every alive trajectory.
    std::int64_t dead = 0;
    for (std::size_t i = 0; i < n; ++i) {
      alive[i] = alive_lane[i] != 0.0 ? 1 : 0;
      dead += alive[i] ? 0 : 1;
    }
#pragma omp parallel
    {
      std::vector<double> xs(d), g(d);
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < n; ++i) {
        double* row = &observations[i * cols];
        if (!alive[i]) continue;
        for (std::size_t j = 0; j < d; ++j) xs[j] = x[at(i, j)];
        problem.gradient(xs.data(), g.data());
        double dist2 = 0.0, grad2 = 0.0;
        for (std::size_t j = 0; j < d; ++j) {
          dist2 += (xs[j] - minimiser[j]) * (xs[j] - minimiser[j]);
          grad2 += g[j] * g[j];
        }
        row[0] = problem.value(xs.data());
        row[1] = row[0] - minimum;
        row[2] = std::sqrt(dist2);
        row[3] = std::sqrt(grad2);
        for (std::size_t j = 0; j < d; ++j) {
          row[4 + j] = xs[j];
          row[4 + d + j] = xs[j] * xs[j];
        }
        if (record.noise) {
          double w2 = 0.0;
          for (std::size_t j = 0; j < d; ++j) {
            row[4 + 2 * d + j] = omega[i * d + j];
            w2 += omega[i * d + j] * omega[i * d + j];
          }
          row[4 + 3 * d] = w2;
        }
      }
    }
    recorder.record(k, observations, alive);
    for (int c = 0; c < kQuantileColumns; ++c) {
      const std::vector<double> q = column_quantiles(observations, recorder.columns(), c, alive, record.quantiles);
      std::copy(q.begin(), q.end(), out.quantiles[static_cast<std::size_t>(c)].values.begin() +
                                        static_cast<std::ptrdiff_t>(k * record.quantiles.size()));
    }

    // Schedule quantities at the step taken from this checkpoint on (the last step at the end).
    const std::size_t s = recorded_step(schedule, target);
    const double eta = schedule.steps() > 0 ? schedule.eta[s] : NAN;
    const double b = schedule.steps() > 0 ? schedule.batch[s] : NAN;
    double delta = recorded_delta(noise, settings, eta, b);
    if (optimizer.accuracy_rule()) {
      // Stages end at different steps: the mean current delta over alive trajectories.
      double sum = 0.0, counted = 0.0;
      const std::size_t last = optimizer.stage_delta.size() - 1;
      for (std::size_t i = 0; i < n; ++i) {
        if (!alive[i]) continue;
        sum += optimizer.stage_delta[std::min(static_cast<std::size_t>(stage_state[i].stage), last)];
        counted += 1.0;
      }
      delta = counted > 0 ? sum / counted : NAN;
    } else if (optimizer.graduated()) {
      delta = optimizer.delta_at(static_cast<std::int64_t>(s));
    }
    record_schedule(out, k, eta, b, delta, settings);

    std::int64_t alive_count = 0, successes = 0;
    std::vector<std::int64_t> basin_counts(static_cast<std::size_t>(basins), 0);
    std::vector<double> xs(d);
    for (std::size_t i = 0; i < n; ++i) {
      if (!alive[i]) continue;
      ++alive_count;
      successes += observations[i * cols + 2] <= record.success_radius ? 1 : 0;
      if constexpr (has_basins<Problem>) {
        for (std::size_t j = 0; j < d; ++j) xs[j] = x[at(i, j)];
        const int basin = problem.basin_of(xs.data());
        if (basin >= 0 && basin < basins) ++basin_counts[static_cast<std::size_t>(basin)];
      }
      if (record.per_trajectory) out.trajectory_f[i * checkpoints + k] = observations[i * cols];
    }
    record_success(out, k, known_minimiser ? alive_count : 0, successes);
    for (int c = 0; c < basins; ++c)
      out.checkpoint_series[kScheduleSeriesCount].values[k * static_cast<std::size_t>(basins) + static_cast<std::size_t>(c)] =
          alive_count > 0 ? static_cast<double>(basin_counts[static_cast<std::size_t>(c)]) / static_cast<double>(alive_count) : NAN;

    if (optimizer.accuracy_rule()) {
      double done = 0.0, counted = 0.0, capped = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        capped += static_cast<double>(stage_state[i].capped);
        if (!alive[i]) continue;
        done += static_cast<double>(stage_state[i].stage);
        counted += 1.0;
      }
      out.checkpoint_series[stage_series].values[k] = counted > 0 ? done / counted : NAN;
      out.checkpoint_series[stage_series + 1].values[k] = capped;
    }
    out.diverged.push_back(dead);
    progress.set(current);
  }
  if (record.per_trajectory) {
    out.final_x.resize(n * d);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j) out.final_x[i * d + j] = x[at(i, j)];
  }
  out.steps = settings.checkpoint_steps;
  out.series = recorder.take_series();
  return out;
}

}  // namespace sgds
