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
  else
    return LaneGradient<Problem>::applies(problem) && !record.noise &&
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

// One run of the CPU engine: the trajectories' state in tiles (x[tile][coordinate][lane]), the
// recorder and the result being filled. run_cpu_engine drives it checkpoint by checkpoint:
// advance every tile to the checkpoint, observe every alive trajectory, record the statistics.
template <class Problem>
class CpuEngineRun {
  static constexpr std::size_t L = kLanes;  // trajectories per tile

 public:
  CpuEngineRun(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
               const StepSchedule& schedule, const InitialPoint& init, const EngineSettings& settings)
      : problem_(problem), noise_(noise), optimizer_(optimizer), schedule_(schedule), settings_(settings),
        record_(settings.record), dim_(problem.dim), n_(static_cast<std::size_t>(settings.trajectories)),
        d_(static_cast<std::size_t>(dim_)), tiles_((n_ + L - 1) / L), tile_size_(d_ * L),
        lanes_path_(lane_path_applies(problem, noise, optimizer, record_)),
        gradopt_(optimizer.kind == OptimizerKind::gradopt), needs_v_(optimizer.momentum() || gradopt_),
        isa_(detect_lane_isa()), checkpoints_(settings.checkpoint_steps.size()),
        recorder_(engine_observables(dim_, record_.noise), checkpoints_),
        cols_(static_cast<std::size_t>(recorder_.columns())) {
    // The momentum / suffix-sum buffer exists only for the optimizers that use it.
    x_.assign(tiles_ * tile_size_, 0.0);
    v_.assign(needs_v_ ? tiles_ * tile_size_ : 0, 0.0);
    centre_.resize(gradopt_ ? tiles_ * tile_size_ : 0);
    stage_state_.resize(optimizer.accuracy_rule() ? n_ : 0);
    alive_lane_.assign(tiles_ * L, 0.0);  // 1.0 alive, 0.0 frozen or padding
    omega_.assign(record_.noise ? n_ * d_ : 0, 0.0);
    initialise(init);
    minimiser_.resize(d_);
    problem_minimiser(problem, minimiser_.data());
    minimum_ = problem.minimum_value();
    // A formula given without its minimiser (sim/expression_function.hpp): no distance, gap or
    // success rate can be measured, so they are NaN rather than "0 of n".
    known_minimiser_ = std::all_of(minimiser_.begin(), minimiser_.end(), [](double m) { return std::isfinite(m); });
    observations_.resize(n_ * cols_);
    alive_.assign(n_, 1);
    add_result_series();
    if (settings.float32) prepare_float_path();
  }

  // Every tile from step `current` to `target`, in parallel over tiles.
  void advance(std::int64_t current, std::int64_t target) {
    if (target == current) return;
#pragma omp parallel
    {
      TileScratch scratch(*this);
#pragma omp for schedule(static)
      for (std::size_t tile = 0; tile < tiles_; ++tile) advance_tile(tile, current, target, scratch);
    }
  }

  // Checkpoint k (at step `target`): observe every alive trajectory and record the statistics.
  void observe(std::size_t k, std::int64_t target) {
    std::int64_t dead = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      alive_[i] = alive_lane_[i] != 0.0 ? 1 : 0;
      dead += alive_[i] ? 0 : 1;
    }
    observe_trajectories();
    recorder_.record(k, observations_, alive_);
    for (int c = 0; c < kQuantileColumns; ++c) {
      const std::vector<double> q = column_quantiles(observations_, recorder_.columns(), c, alive_, record_.quantiles);
      std::copy(q.begin(), q.end(),
                out_.quantiles[static_cast<std::size_t>(c)].values.begin() +
                    static_cast<std::ptrdiff_t>(k * record_.quantiles.size()));
    }
    record_schedule_at(k, target);
    record_counts(k);
    out_.diverged.push_back(dead);
  }

  ExperimentResult finish() {
    if (record_.per_trajectory) {
      out_.final_x.resize(n_ * d_);
      for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < d_; ++j) out_.final_x[i * d_ + j] = x_[at(i, j)];
    }
    out_.steps = settings_.checkpoint_steps;
    out_.series = recorder_.take_series();
    return std::move(out_);
  }

 private:
  // One thread's stepper and buffers for the tiles it advances.
  struct TileScratch {
    explicit TileScratch(const CpuEngineRun& run)
        : stepper(run.problem_, run.noise_, run.optimizer_, run.schedule_, run.settings_.seed), xs(run.d_), vs(run.d_),
          cs(run.d_), g(run.tile_size_), unused_v(run.needs_v_ ? 0 : run.tile_size_, 0.0) {
      in.seed = run.settings_.seed;
      in.noise_scale = run.noise_.kind == NoiseKind::gaussian ? run.noise_.scale : 0.0;
      in.momentum = run.optimizer_.momentum();
      in.beta = run.optimizer_.beta;
      in.gradient_weight = run.optimizer_.gradient_weight;
      in.divergence_bound = run.settings_.divergence_bound;
      in.eta = run.schedule_.eta.data();
      in.batch = run.schedule_.batch.data();
    }
    TrajectoryStepper<Problem> stepper;
    std::vector<double> xs, vs, cs, g, unused_v;
    LaneStepInputs in;
  };

  std::size_t at(std::size_t i, std::size_t j) const { return (i / L) * tile_size_ + j * L + i % L; }

  void initialise(const InitialPoint& init) {
    std::vector<double> x0(d_);
    for (std::size_t i = 0; i < n_; ++i) {
      draw_initial_point(init, settings_.seed, static_cast<std::uint32_t>(i), dim_, x0.data());
      if (settings_.float32) round_to_float(x0);
      for (std::size_t j = 0; j < d_; ++j) x_[at(i, j)] = x0[j];
      alive_lane_[i] = 1.0;
    }
  }

  void add_result_series() {
    out_.trajectories = settings_.trajectories;
    out_.dim = dim_;
    add_quantile_series(out_, record_.quantiles, checkpoints_);
    add_schedule_series(out_, checkpoints_);
    const auto add_series = [&](const char* name, const char* description, int width) {
      out_.checkpoint_series.push_back(
          {name, description, width, std::vector<double>(checkpoints_ * static_cast<std::size_t>(width))});
    };
    basins_ = has_basins<Problem> ? basin_count(problem_) : 0;
    if (basins_ > 0)
      add_series("basin_share", "share of alive trajectories in each basin (problem's basin_of)", basins_);
    stage_series_ = out_.checkpoint_series.size();
    if (optimizer_.accuracy_rule()) {
      add_series("stages_done", "GradOpt accuracy rule: mean number of completed stages over alive trajectories", 1);
      add_series("stages_capped", "GradOpt accuracy rule: stages ended at the step cap, summed over all trajectories",
                 1);
    }
    if (record_.per_trajectory) out_.trajectory_f.assign(n_ * checkpoints_, NAN);
    out_.diverged.reserve(checkpoints_);
  }

  // The float32 path (sim/float_step.hpp): per-step eta and noise factor C / sqrt(b) rounded once.
  void prepare_float_path() {
    const double noise_scale = noise_.kind == NoiseKind::gaussian ? noise_.scale : 0.0;
    float_params_ =
        floatpath::make_float_step_params(settings_.seed, dim_, noise_scale, optimizer_.momentum(), optimizer_.beta,
                                          optimizer_.gradient_weight, settings_.divergence_bound);
    floatpath::make_float_step_series(schedule_.eta, schedule_.batch, noise_scale, eta_f_, factor_f_);
  }

  // One tile on whichever path applies: float32, the vectorised lanes, or per trajectory.
  void advance_tile(std::size_t tile, std::int64_t current, std::int64_t target, TileScratch& s) {
    double* xt = &x_[tile * tile_size_];
    double* vt = needs_v_ ? &v_[tile * tile_size_] : s.unused_v.data();
    double* alive_t = &alive_lane_[tile * L];
    if constexpr (floatpath::float_path_supported<Problem>) {
      if (settings_.float32) {
        const floatpath::FloatGradient<Problem> float_gradient(problem_);
        advance_float_tile(isa_, float_gradient, float_params_, static_cast<std::uint32_t>(tile * L), current, target,
                           eta_f_.data(), factor_f_.data(), xt, needs_v_ ? vt : nullptr, alive_t);
        return;
      }
    }
    if constexpr (LaneGradient<Problem>::available) {
      if (lanes_path_) {
        s.in.first_trajectory = static_cast<std::uint32_t>(tile * L);
        advance_lanes(isa_, problem_, s.in, xt, vt, alive_t, s.g.data(), current, target);
        return;
      }
    }
    for (std::size_t l = 0; l < L; ++l) {
      const std::size_t i = tile * L + l;
      if (i >= n_ || alive_t[l] == 0.0) continue;
      for (std::size_t j = 0; j < d_; ++j) {
        s.xs[j] = xt[j * L + l];
        s.vs[j] = vt[j * L + l];
        if (gradopt_) s.cs[j] = centre_[tile * tile_size_ + j * L + l];
      }
      for (std::int64_t t = current; t < target; ++t) {
        double* omega_i = record_.noise && t == target - 1 ? &omega_[i * d_] : nullptr;
        s.stepper.step(static_cast<std::uint32_t>(i), t, s.xs.data(), s.vs.data(), s.cs.data(), omega_i,
                       stage_state_.empty() ? nullptr : &stage_state_[i]);
        bool finite = true;
        for (std::size_t j = 0; j < d_; ++j) finite &= std::fabs(s.xs[j]) <= settings_.divergence_bound;
        if (!finite) {
          alive_t[l] = 0.0;  // frozen where it broke; counted, excluded from statistics
          break;
        }
      }
      for (std::size_t j = 0; j < d_; ++j) {
        xt[j * L + l] = s.xs[j];
        vt[j * L + l] = s.vs[j];
        if (gradopt_) centre_[tile * tile_size_ + j * L + l] = s.cs[j];
      }
    }
  }

  // The observables of every alive trajectory into its row (engine_observables' columns).
  void observe_trajectories() {
#pragma omp parallel
    {
      std::vector<double> xs(d_), g(d_);
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < n_; ++i) {
        double* row = &observations_[i * cols_];
        if (!alive_[i]) continue;
        for (std::size_t j = 0; j < d_; ++j) xs[j] = x_[at(i, j)];
        problem_.gradient(xs.data(), g.data());
        double dist2 = 0.0, grad2 = 0.0;
        for (std::size_t j = 0; j < d_; ++j) {
          dist2 += (xs[j] - minimiser_[j]) * (xs[j] - minimiser_[j]);
          grad2 += g[j] * g[j];
        }
        row[0] = problem_.value(xs.data());
        row[1] = row[0] - minimum_;
        row[2] = std::sqrt(dist2);
        row[3] = std::sqrt(grad2);
        for (std::size_t j = 0; j < d_; ++j) {
          row[4 + j] = xs[j];
          row[4 + d_ + j] = xs[j] * xs[j];
        }
        if (record_.noise) {
          double w2 = 0.0;
          for (std::size_t j = 0; j < d_; ++j) {
            row[4 + 2 * d_ + j] = omega_[i * d_ + j];
            w2 += omega_[i * d_ + j] * omega_[i * d_ + j];
          }
          row[4 + 3 * d_] = w2;
        }
      }
    }
  }

  // Schedule quantities at the step taken from this checkpoint on (the last step at the end).
  void record_schedule_at(std::size_t k, std::int64_t target) {
    const std::size_t s = recorded_step(schedule_, target);
    const double eta = schedule_.steps() > 0 ? schedule_.eta[s] : NAN;
    const double b = schedule_.steps() > 0 ? schedule_.batch[s] : NAN;
    double delta = recorded_delta(noise_, settings_, eta, b);
    if (optimizer_.accuracy_rule()) {
      // Stages end at different steps: the mean current delta over alive trajectories.
      double sum = 0.0, counted = 0.0;
      const std::size_t last = optimizer_.stage_delta.size() - 1;
      for (std::size_t i = 0; i < n_; ++i) {
        if (!alive_[i]) continue;
        sum += optimizer_.stage_delta[std::min(static_cast<std::size_t>(stage_state_[i].stage), last)];
        counted += 1.0;
      }
      delta = counted > 0 ? sum / counted : NAN;
    } else if (optimizer_.graduated()) {
      delta = optimizer_.delta_at(static_cast<std::int64_t>(s));
    }
    record_schedule(out_, k, eta, b, delta, settings_);
  }

  // Success rate, basin shares, GradOpt's stage counts and per-trajectory f at checkpoint k.
  void record_counts(std::size_t k) {
    std::int64_t alive_count = 0, successes = 0;
    std::vector<std::int64_t> basin_counts(static_cast<std::size_t>(basins_), 0);
    std::vector<double> xs(d_);
    for (std::size_t i = 0; i < n_; ++i) {
      if (!alive_[i]) continue;
      ++alive_count;
      successes += observations_[i * cols_ + 2] <= record_.success_radius ? 1 : 0;
      if constexpr (has_basins<Problem>) {
        for (std::size_t j = 0; j < d_; ++j) xs[j] = x_[at(i, j)];
        const int basin = problem_.basin_of(xs.data());
        if (basin >= 0 && basin < basins_) ++basin_counts[static_cast<std::size_t>(basin)];
      }
      if (record_.per_trajectory) out_.trajectory_f[i * checkpoints_ + k] = observations_[i * cols_];
    }
    record_success(out_, k, known_minimiser_ ? alive_count : 0, successes);
    for (int c = 0; c < basins_; ++c)
      out_.checkpoint_series[kScheduleSeriesCount]
          .values[k * static_cast<std::size_t>(basins_) + static_cast<std::size_t>(c)] =
          alive_count > 0
              ? static_cast<double>(basin_counts[static_cast<std::size_t>(c)]) / static_cast<double>(alive_count)
              : NAN;
    if (optimizer_.accuracy_rule()) {
      double done = 0.0, counted = 0.0, capped = 0.0;
      for (std::size_t i = 0; i < n_; ++i) {
        capped += static_cast<double>(stage_state_[i].capped);
        if (!alive_[i]) continue;
        done += static_cast<double>(stage_state_[i].stage);
        counted += 1.0;
      }
      out_.checkpoint_series[stage_series_].values[k] = counted > 0 ? done / counted : NAN;
      out_.checkpoint_series[stage_series_ + 1].values[k] = capped;
    }
  }

  const Problem& problem_;
  const NoiseModel& noise_;
  const OptimizerSpec& optimizer_;
  const StepSchedule& schedule_;
  const EngineSettings& settings_;
  const RecordSpec& record_;
  const int dim_;
  const std::size_t n_, d_, tiles_, tile_size_;
  const bool lanes_path_, gradopt_, needs_v_;
  const LaneIsa isa_;
  const std::size_t checkpoints_;
  CheckpointRecorder recorder_;
  const std::size_t cols_;

  std::vector<double> x_, v_, centre_, alive_lane_, omega_;
  std::vector<GradOptState> stage_state_;
  std::vector<double> minimiser_;
  double minimum_ = 0.0;
  bool known_minimiser_ = true;
  std::vector<double> observations_;
  std::vector<std::uint8_t> alive_;
  int basins_ = 0;
  std::size_t stage_series_ = 0;
  floatpath::FloatStepParams float_params_;
  std::vector<float> eta_f_, factor_f_;
  ExperimentResult out_;
};

template <class Problem>
ExperimentResult run_cpu_engine(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                                const StepSchedule& schedule, const InitialPoint& init, const EngineSettings& settings,
                                Progress& progress) {
  CpuEngineRun<Problem> run(problem, noise, optimizer, schedule, init, settings);
  std::int64_t current = 0;
  for (std::size_t k = 0; k < settings.checkpoint_steps.size(); ++k) {
    const std::int64_t target = settings.checkpoint_steps[k];
    run.advance(current, target);
    current = target;
    run.observe(k, target);
    progress.set(current);
  }
  return run.finish();
}

}  // namespace sgds
