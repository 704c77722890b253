#pragma once
// Learning-rate and batch-size schedules and the smoothing they imply (docs/THEORY.md sections 3-4).
//
// A schedule maps a tick (one step or one epoch, the schedule's `unit`) to (eta, b). The degree
// of smoothing is delta = eta C / sqrt(b) under the per-coordinate normalisation of
// sim/engine_spec.hpp (kDeltaNormalisation); Smith et al.'s noise scale is g = eta (n/b - 1).
// explicit_go is explicit graduated optimisation: there delta_m is the smoothing radius itself
// and the step is eta * delta_m (eta plays the role of the authors' l0).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_table.hpp"

namespace sgds {

inline constexpr const char* kDeltaNormalisation =
    "per-coordinate: delta = eta C / sqrt(b), C = per-sample gradient-noise std per coordinate, u ~ N(0, I_d)";

enum class ScheduleKind : int {
  constant = 0,
  lr_decay,        // eta *= factor every `every` ticks (authors: 1/sqrt 2 every 40 epochs)
  batch_increase,  // b = int(b * factor) every `every` ticks (authors: x 2)
  hybrid,          // eta *= eta_factor and b = int(b * batch_factor) (authors: 0.86602540, 1.5)
  polynomial,      // eta_m = eta ((M - m + 1)/M)^p, stage m = 1..M of `every` ticks, then held
  cosine,          // eta_t = eta_min + (eta - eta_min)(1 + cos(pi t / length))/2, held after length
  exponential,     // eta_t = eta gamma^t
  linear,          // eta_t = eta (1 - (1 - end_factor) t / length), held after length
  explicit_go,     // delta_m = delta (M + 1 - m)/(M + 1), m = 1..M, then final_delta; step eta delta_m
  geometric,       // eta_m = eta gamma^{m-1} (delta shrinks by gamma per stage), held after `stages`
  piecewise,       // stage m: etas[m], batches[m] for lengths[m] ticks; the last stage held after
};

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::constant;
  double eta = 0.1;         // initial learning rate (explicit_go: l0)
  double batch = 1.0;       // initial batch size
  bool per_epoch = false;   // unit: false = a tick is a step, true = an epoch
  std::int64_t every = 1;   // stage length in ticks
  std::int64_t stages = 0;  // M (polynomial, explicit_go; geometric: 0 = never held)
  double eta_factor = 1.0, batch_factor = 1.0;
  double max_batch = 1e300;
  double power = 1.0;                      // polynomial p
  double gamma = 1.0;                      // exponential (per tick), geometric (per stage)
  double eta_min = 0.0;                    // cosine
  double end_factor = 0.0;                 // linear
  std::int64_t length = 1;                 // cosine, linear horizon in ticks
  double delta = 1.0, final_delta = 0.01;  // explicit_go
  // piecewise: each stage's eta and b, and the tick at which it ends (cumulative lengths)
  std::vector<double> stage_eta, stage_batch;
  std::vector<std::int64_t> stage_end;
  // Linear warm-up over the first warmup_steps updates, whatever the unit: update t takes
  // eta(t) (warmup_start + (1 - warmup_start) t / warmup_steps); 0 = none.
  std::int64_t warmup_steps = 0;
  double warmup_start = 0.1;
};

struct ScheduleState {
  double eta;
  double batch;
  std::int64_t stage;     // 0-based stage index (0 for unstaged kinds)
  double explicit_delta;  // explicit_go: the smoothing radius; NaN otherwise
};

// The schedule at a tick, without the warm-up (which counts updates, not ticks).
ScheduleState schedule_at(const ScheduleSpec& spec, std::int64_t tick);
// The warm-up's factor on eta at update `update` (0-based): 1 once it is over, or with none.
double warmup_factor(const ScheduleSpec& spec, std::int64_t update);

inline double smoothing_delta(double eta, double batch, double noise_scale) {
  return eta * noise_scale / std::sqrt(batch);
}
// Smith, Kindermans & Le's noise scale g = eta (n/b - 1) for n training samples.
inline double smith_noise_scale(double eta, double n, double batch) { return eta * (n / batch - 1.0); }
// The same delta under the whole-vector convention E|u|^2 = 1 (u = z / sqrt d): sqrt(d) times larger.
inline double delta_unit_norm_convention(double delta_per_coordinate, int dim) {
  return delta_per_coordinate * std::sqrt(static_cast<double>(dim));
}

// Per-step arrays for T steps (unit = step); eta includes the warm-up.
struct StepTrace {
  std::vector<double> eta, batch, explicit_delta;
  std::vector<std::int64_t> stage;
  std::vector<double> delta(double noise_scale) const;  // explicit_delta where set, else eta C / sqrt(b)
};
StepTrace expand_steps(const ScheduleSpec& spec, std::int64_t steps);

// A finite sum of n samples for E epochs (unit = epoch): epoch e has eta_e, b_e and
// ceil(n / b_e) steps; in the per-step arrays the last step of an epoch has the remainder batch
// n - (steps - 1) b_e (all samples once per epoch, as a data loader without drop_last). The
// per-step eta includes the warm-up; the per-epoch eta is the schedule's.
struct EpochTrace {
  std::vector<double> eta, batch, explicit_delta;
  std::vector<std::int64_t> steps_per_epoch;
  StepTrace steps;  // flattened over epochs
  std::vector<std::int64_t> epoch_of_step;
};
EpochTrace expand_epochs(const ScheduleSpec& spec, std::int64_t epochs, std::int64_t samples);

// Reads kind (default constant), eta, batch (1), unit ("step" | "epoch") and the kind's keys:
//   lr_decay: every, factor (0.70710678); batch_increase: every, factor (2.0), max_batch;
//   hybrid: every, eta_factor (0.86602540), batch_factor (1.5), max_batch;
//   polynomial: every, stages, power (1.0); cosine: length, eta_min (0); exponential: gamma;
//   linear: length, end_factor (0); explicit_go: every (20), stages (50), delta (1.0),
//   final_delta (0.01); geometric: every, gamma (0.5), stages (0 = unbounded); every kind:
//   warmup_steps (0), warmup_start (0.1, in (0, 1]; only with warmup_steps).
// The caller calls finish().
ScheduleSpec parse_schedule_spec(ConfigTable& table);
std::vector<std::string> schedule_kind_names();
std::string schedule_kind_name(ScheduleKind kind);

// Momentum (docs/THEORY.md section 3, the companion code's bounds; C2 = C^2, K2 = gradient-norm bound^2):
//   SHB  (v = beta v + g):            delta = eta sqrt(C2/b + beta_hat (C2/b + K2)),
//                                     beta_hat = beta (beta^2 - beta + 1) / (1 - beta)^2
//   NSHB (v = beta v + (1 - beta) g): delta = eta sqrt(C2/b + 4 beta^2 (C2/b + K2))
// The inversions return NaN where no beta in [0, 1) (or no eta > 0) gives the target.
double shb_beta_hat(double beta);
double shb_delta(double eta, double beta, double c2, double batch, double k2);
double nshb_delta(double eta, double beta, double c2, double batch, double k2);
double shb_eta_for_delta(double delta, double beta, double c2, double batch, double k2);
double nshb_eta_for_delta(double delta, double beta, double c2, double batch, double k2);
double shb_beta_for_delta(double delta, double eta, double c2, double batch, double k2);
double nshb_beta_for_delta(double delta, double eta, double c2, double batch, double k2);

}  // namespace sgds
