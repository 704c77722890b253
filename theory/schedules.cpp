#include "theory/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "core/catalogue.hpp"

namespace sgds {
namespace {

struct ScheduleInfo {
  ScheduleKind kind;
  const char* name;
  const char* summary;
  const char* details;
};

const ScheduleInfo kSchedules[] = {
    {ScheduleKind::constant, "constant", "eta_t = eta, b_t = batch", "keys: eta (> 0), batch (1), unit (step)"},
    {ScheduleKind::lr_decay, "lr_decay", "eta *= factor every `every` ticks (b fixed)",
     "keys: eta, batch, every, factor (0.70710678: delta / sqrt 2 per stage), unit"},
    {ScheduleKind::batch_increase, "batch_increase", "b = int(b * factor) every `every` ticks (eta fixed)",
     "keys: eta, batch, every, factor (2.0), max_batch, unit"},
    {ScheduleKind::hybrid, "hybrid", "eta *= eta_factor, b = int(b * batch_factor) every `every` ticks",
     "keys: eta, batch, every, eta_factor (0.86602540), batch_factor (1.5) (32, 48, 72, 108, 162), max_batch, unit"},
    {ScheduleKind::polynomial, "polynomial", "eta_m = eta ((M - m + 1)/M)^p for stages m = 1..M, then held",
     "keys: eta, batch, every, stages = M, power = p (1.0); gamma_m = ((M-m)/(M-m+1))^p"},
    {ScheduleKind::cosine, "cosine", "eta_t = eta_min + (eta - eta_min)(1 + cos(pi t/length))/2",
     "keys: eta, batch, length, eta_min (0), unit"},
    {ScheduleKind::exponential, "exponential", "eta_t = eta gamma^t", "keys: eta, batch, gamma (in (0, 1]), unit"},
    {ScheduleKind::linear, "linear", "eta_t = eta (1 - (1 - end_factor) t/length)",
     "keys: eta, batch, length, end_factor (0), unit"},
    {ScheduleKind::explicit_go, "explicit_go",
     "explicit GO: delta_m = delta (M + 1 - m)/(M + 1), m = 1..M, then final_delta; step eta * delta_m",
     "keys: eta = l0, every (20 steps per stage), stages (50), delta (1.0), final_delta (0.01)"},
    {ScheduleKind::geometric, "geometric", "eta_m = eta gamma^{m-1}: delta shrinks by gamma per stage (b fixed)",
     "keys: eta, batch, every, gamma (0.5, Hazan; new sigma-nice allows [1/2, 1)), stages (0 = unbounded)"},
    {ScheduleKind::piecewise, "piecewise", "stage m: eta = etas[m], b = batches[m] for lengths[m] ticks, the last held",
     "keys: etas, batches (or batch), lengths (arrays of one length per stage), unit; e.g. stages of equal "
     "physical time sum eta: lengths proportional to 1/etas"},
};

const bool registered = [] {
  for (const auto& s : kSchedules)
    RegisterCatalogueEntry({"schedules", s.name, s.summary,
                            std::string(s.details) +
                                "; warm-up (any kind): warmup_steps (0 = none), warmup_start (0.1): eta ramps "
                                "linearly from warmup_start x eta over the first warmup_steps updates"});
  return true;
}();

// b after `stages` stages of b = int(b * factor), capped at max_batch.
double grown_batch(double batch, double factor, std::int64_t stages, double max_batch) {
  for (std::int64_t m = 0; m < stages && batch < max_batch; ++m) batch = std::floor(batch * factor);
  return std::min(batch, max_batch);
}

}  // namespace

std::vector<std::string> schedule_kind_names() {
  std::vector<std::string> names;
  for (const auto& s : kSchedules) names.emplace_back(s.name);
  return names;
}

std::string schedule_kind_name(ScheduleKind kind) { return kSchedules[static_cast<int>(kind)].name; }

ScheduleState schedule_at(const ScheduleSpec& s, std::int64_t tick) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::int64_t stage = s.every > 0 ? tick / s.every : 0;
  const double t = static_cast<double>(tick);
  switch (s.kind) {
    case ScheduleKind::constant:
      return {s.eta, s.batch, 0, nan};
    case ScheduleKind::lr_decay:
      return {s.eta * std::pow(s.eta_factor, static_cast<double>(stage)), s.batch, stage, nan};
    case ScheduleKind::batch_increase:
      return {s.eta, grown_batch(s.batch, s.batch_factor, stage, s.max_batch), stage, nan};
    case ScheduleKind::hybrid:
      return {s.eta * std::pow(s.eta_factor, static_cast<double>(stage)),
              grown_batch(s.batch, s.batch_factor, stage, s.max_batch), stage, nan};
    case ScheduleKind::polynomial: {
      const std::int64_t m = std::min(stage, s.stages - 1) + 1;  // 1..M
      const double ratio = static_cast<double>(s.stages - m + 1) / static_cast<double>(s.stages);
      return {s.eta * std::pow(ratio, s.power), s.batch, m - 1, nan};
    }
    case ScheduleKind::cosine: {
      const double u = std::min(t, static_cast<double>(s.length)) / static_cast<double>(s.length);
      return {s.eta_min + (s.eta - s.eta_min) * 0.5 * (1.0 + std::cos(std::numbers::pi * u)), s.batch, 0, nan};
    }
    case ScheduleKind::exponential:
      return {s.eta * std::pow(s.gamma, t), s.batch, 0, nan};
    case ScheduleKind::linear: {
      const double u = std::min(t, static_cast<double>(s.length)) / static_cast<double>(s.length);
      return {s.eta * (1.0 - (1.0 - s.end_factor) * u), s.batch, 0, nan};
    }
    case ScheduleKind::explicit_go: {
      const std::int64_t m = std::min(stage, s.stages) + 1;  // 1..M, M + 1 = the final stage
      const double delta = m <= s.stages
                               ? s.delta * static_cast<double>(s.stages + 1 - m) / static_cast<double>(s.stages + 1)
                               : s.final_delta;
      return {s.eta * delta, s.batch, m - 1, delta};
    }
    case ScheduleKind::geometric: {
      const std::int64_t m = s.stages > 0 ? std::min(stage, s.stages - 1) : stage;
      return {s.eta * std::pow(s.gamma, static_cast<double>(m)), s.batch, m, nan};
    }
    case ScheduleKind::piecewise: {
      const auto end = std::upper_bound(s.stage_end.begin(), s.stage_end.end(), tick);
      const auto m = std::min<std::size_t>(static_cast<std::size_t>(end - s.stage_end.begin()), s.stage_end.size() - 1);
      return {s.stage_eta[m], s.stage_batch[m], static_cast<std::int64_t>(m), nan};
    }
  }
  return {s.eta, s.batch, 0, nan};
}

double warmup_factor(const ScheduleSpec& spec, std::int64_t update) {
  if (spec.warmup_steps <= 0 || update >= spec.warmup_steps) return 1.0;
  return spec.warmup_start +
         (1.0 - spec.warmup_start) * static_cast<double>(update) / static_cast<double>(spec.warmup_steps);
}

std::vector<double> StepTrace::delta(double noise_scale) const {
  std::vector<double> out(eta.size());
  for (std::size_t t = 0; t < eta.size(); ++t)
    out[t] = std::isnan(explicit_delta[t]) ? smoothing_delta(eta[t], batch[t], noise_scale) : explicit_delta[t];
  return out;
}

StepTrace expand_steps(const ScheduleSpec& spec, std::int64_t steps) {
  if (spec.per_epoch)
    throw std::invalid_argument("expand_steps: the schedule counts epochs (unit = epoch); use expand_epochs");
  StepTrace trace;
  const auto n = static_cast<std::size_t>(steps);
  trace.eta.resize(n), trace.batch.resize(n), trace.explicit_delta.resize(n), trace.stage.resize(n);
  for (std::int64_t t = 0; t < steps; ++t) {
    const ScheduleState s = schedule_at(spec, t);
    const auto i = static_cast<std::size_t>(t);
    trace.eta[i] = s.eta * warmup_factor(spec, t), trace.batch[i] = s.batch, trace.explicit_delta[i] = s.explicit_delta,
    trace.stage[i] = s.stage;
  }
  return trace;
}

EpochTrace expand_epochs(const ScheduleSpec& spec, std::int64_t epochs, std::int64_t samples) {
  if (!spec.per_epoch)
    throw std::invalid_argument("expand_epochs: the schedule counts steps (unit = step); use expand_steps");
  EpochTrace trace;
  for (std::int64_t e = 0; e < epochs; ++e) {
    const ScheduleState s = schedule_at(spec, e);
    const auto b = static_cast<std::int64_t>(std::min(s.batch, static_cast<double>(samples)));
    const std::int64_t steps = (samples + b - 1) / b;
    trace.eta.push_back(s.eta), trace.batch.push_back(s.batch), trace.explicit_delta.push_back(s.explicit_delta);
    trace.steps_per_epoch.push_back(steps);
    for (std::int64_t k = 0; k < steps; ++k) {
      trace.steps.eta.push_back(s.eta * warmup_factor(spec, static_cast<std::int64_t>(trace.steps.eta.size())));
      trace.steps.batch.push_back(static_cast<double>(k + 1 < steps ? b : samples - (steps - 1) * b));
      trace.steps.explicit_delta.push_back(s.explicit_delta);
      trace.steps.stage.push_back(s.stage);
      trace.epoch_of_step.push_back(e);
    }
  }
  return trace;
}

namespace {

void read_warmup(ConfigTable& table, ScheduleSpec& s) {
  s.warmup_steps = table.integer("warmup_steps", 0, std::int64_t{1} << 50, 0);
  if (table.has("warmup_start") && s.warmup_steps == 0)
    table.fail("warmup_start", fmt::format("{}", table.number("warmup_start", NumberRange::any())),
               "no warmup_start while warmup_steps = 0 (no warm-up to start)");
  s.warmup_start = table.number("warmup_start", NumberRange::half_open(0.0, 1.0), 0.1);
}

}  // namespace

ScheduleSpec parse_schedule_spec(ConfigTable& table) {
  ScheduleSpec s;
  const std::string kind = table.choice("kind", schedule_kind_names(), "constant");
  for (const auto& info : kSchedules)
    if (kind == info.name) s.kind = info.kind;
  if (s.kind == ScheduleKind::piecewise) {
    // One eta, b and length per stage; eta and batch are the first stage's.
    s.stage_eta = table.numbers("etas", NumberRange::positive());
    const std::vector<double> lengths = table.numbers("lengths", NumberRange::closed(1.0, 1e15), s.stage_eta.size());
    s.stage_batch = table.has("batches")
                        ? table.numbers("batches", NumberRange::closed(1.0, 1e12), s.stage_eta.size())
                        : std::vector<double>(s.stage_eta.size(),
                                              static_cast<double>(table.integer("batch", 1, std::int64_t{1} << 40, 1)));
    if (lengths.size() != s.stage_eta.size())
      table.fail("lengths", fmt::format("{} values", lengths.size()),
                 fmt::format("one per stage: {}", s.stage_eta.size()));
    if (s.stage_batch.size() != s.stage_eta.size())
      table.fail("batches", fmt::format("{} values", s.stage_batch.size()),
                 fmt::format("one per stage: {}", s.stage_eta.size()));
    std::int64_t end = 0;
    for (std::size_t m = 0; m < lengths.size(); ++m) {
      if (lengths[m] != std::floor(lengths[m]))
        table.fail("lengths", fmt::format("{}", lengths[m]), "whole numbers of ticks");
      if (s.stage_batch[m] != std::floor(s.stage_batch[m]))
        table.fail("batches", fmt::format("{}", s.stage_batch[m]), "whole batch sizes");
      end += static_cast<std::int64_t>(lengths[m]);
      s.stage_end.push_back(end);
    }
    s.eta = s.stage_eta.front();
    s.batch = s.stage_batch.front();
    s.per_epoch = table.choice("unit", {"step", "epoch"}, "step") == "epoch";
    read_warmup(table, s);
    return s;
  }
  s.eta = table.number("eta", NumberRange::positive());
  s.batch = static_cast<double>(table.integer("batch", 1, std::int64_t{1} << 40, 1));
  s.per_epoch = table.choice("unit", {"step", "epoch"}, "step") == "epoch";
  const auto every = [&](std::optional<std::int64_t> fallback = std::nullopt) {
    return table.integer("every", 1, std::int64_t{1} << 50, fallback);
  };
  const double max_batch_default = 1e15;
  switch (s.kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::lr_decay:
      s.every = every();
      s.eta_factor = table.number("factor", NumberRange::half_open(0.0, 1.0), 0.70710678);
      break;
    case ScheduleKind::batch_increase:
      s.every = every();
      s.batch_factor = table.number("factor", NumberRange::at_least(1.0), 2.0);
      s.max_batch = table.number("max_batch", NumberRange::at_least(s.batch), max_batch_default);
      break;
    case ScheduleKind::hybrid:
      s.every = every();
      s.eta_factor = table.number("eta_factor", NumberRange::half_open(0.0, 1.0), 0.86602540);
      s.batch_factor = table.number("batch_factor", NumberRange::at_least(1.0), 1.5);
      s.max_batch = table.number("max_batch", NumberRange::at_least(s.batch), max_batch_default);
      break;
    case ScheduleKind::polynomial:
      s.every = every();
      s.stages = table.integer("stages", 1, std::int64_t{1} << 40);
      s.power = table.number("power", NumberRange::positive(), 1.0);
      break;
    case ScheduleKind::cosine:
      s.length = table.integer("length", 1, std::int64_t{1} << 50);
      s.eta_min = table.number("eta_min", NumberRange::closed(0.0, s.eta), 0.0);
      break;
    case ScheduleKind::exponential:
      s.gamma = table.number("gamma", NumberRange::half_open(0.0, 1.0));
      break;
    case ScheduleKind::linear:
      s.length = table.integer("length", 1, std::int64_t{1} << 50);
      s.end_factor = table.number("end_factor", NumberRange::closed(0.0, 1.0), 0.0);
      break;
    case ScheduleKind::explicit_go:
      s.every = every(20);
      s.stages = table.integer("stages", 1, std::int64_t{1} << 40, 50);
      s.delta = table.number("delta", NumberRange::positive(), 1.0);
      s.final_delta = table.number("final_delta", NumberRange::positive(), 0.01);
      break;
    case ScheduleKind::geometric:
      s.every = every();
      s.gamma = table.number("gamma", NumberRange::open(0.0, 1.0), 0.5);
      s.stages = table.integer("stages", 0, std::int64_t{1} << 40, 0);
      break;
    case ScheduleKind::piecewise:
      break;  // read above
  }
  read_warmup(table, s);
  return s;
}

double shb_beta_hat(double beta) { return beta * (beta * beta - beta + 1.0) / ((1.0 - beta) * (1.0 - beta)); }

double shb_delta(double eta, double beta, double c2, double batch, double k2) {
  return eta * std::sqrt(c2 / batch + shb_beta_hat(beta) * (c2 / batch + k2));
}

double nshb_delta(double eta, double beta, double c2, double batch, double k2) {
  return eta * std::sqrt(c2 / batch + 4.0 * beta * beta * (c2 / batch + k2));
}

double shb_eta_for_delta(double delta, double beta, double c2, double batch, double k2) {
  return delta / shb_delta(1.0, beta, c2, batch, k2);
}

double nshb_eta_for_delta(double delta, double beta, double c2, double batch, double k2) {
  return delta / nshb_delta(1.0, beta, c2, batch, k2);
}

// beta_hat is strictly increasing on [0, 1) (numerator increasing, denominator decreasing), so
// bisection on beta finds the unique solution.
double shb_beta_for_delta(double delta, double eta, double c2, double batch, double k2) {
  const double target = ((delta / eta) * (delta / eta) - c2 / batch) / (c2 / batch + k2);
  if (!(target >= 0.0) || std::isinf(target)) return std::numeric_limits<double>::quiet_NaN();
  double lo = 0.0, hi = 1.0;
  for (int k = 0; k < 200; ++k) {
    const double mid = 0.5 * (lo + hi);
    (shb_beta_hat(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double nshb_beta_for_delta(double delta, double eta, double c2, double batch, double k2) {
  const double target = ((delta / eta) * (delta / eta) - c2 / batch) / (c2 / batch + k2);
  const double beta = std::sqrt(target / 4.0);
  return target >= 0.0 && beta < 1.0 ? beta : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace sgds
