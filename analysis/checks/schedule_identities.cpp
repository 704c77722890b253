// Check (docs/THEORY.md section 5, oracle 6; section 4): deterministic identities of the schedules in
// theory/schedules, read from config text with the authors' default constants.
//   - The three 1/sqrt(2) schedules (lr x 0.70710678; b x 2; lr x 0.86602540 and b = int(1.5 b))
//     give the same delta_m = eta_m C / sqrt(b_m) = delta_1 2^{-m/2} at every stage.
//   - The polynomial schedule: delta_m = delta_1 ((M - m + 1)/M)^p equals delta_1 prod gamma_k,
//     gamma_k = ((M - k)/(M - k + 1))^p.
//   - The momentum-delta inversions (eta or beta for a target delta) reproduce their target.
// Tolerance: these are exact up to the authors' 8-digit constants (relative error <= 3e-8 over
// 4 stages), so "SE" is 1e-8 |oracle| and PASS needs |estimate - oracle| <= 4.5e-8 |oracle|.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "core/config_table.hpp"
#include "theory/schedules.hpp"

namespace sgds {
namespace {

constexpr double kRelativeScale = 1e-8;

ScheduleSpec schedule_from_text(const std::string& text) {
  toml::table table = parse_config_text(text, "schedule_identities");
  ConfigTable config(table, "schedule");
  ScheduleSpec spec = parse_schedule_spec(config);
  config.finish();
  return spec;
}

// delta as the theory states it, or the mutant's eta C / b.
double delta_of(double eta, double batch, double c, const std::string& mutant) {
  return mutant == "delta_eta_c_over_b" ? eta * c / batch : smoothing_delta(eta, batch, c);
}

Comparison exact(std::string label, double estimate, double oracle) {
  return Comparison{std::move(label), estimate, kRelativeScale * std::fabs(oracle), oracle};
}

CheckResult run_schedule_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "schedule_identities";
  result.claim = "Equal-delta schedules agree, the polynomial closed form telescopes, momentum inversions hit target";
  result.provenance = "code";
  result.z_threshold = 4.5;
  result.decision_rule =
      "PASS iff every identity holds to 4.5e-8 relative (the authors' 8-digit constants): delta_m of lr_decay, "
      "batch_increase and hybrid (b0 = 32, every 40 epochs, stages 0..4) all equal delta_1 2^{-m/2}; polynomial "
      "delta_m (M = 5, p in {0.25, 0.5, 1}) equals the telescoped product of gamma_k; SHB/NSHB eta- and "
      "beta-inversions reproduce the target delta";
  result.mutant = options.mutant;
  const std::string& mutant = options.mutant;
  const double c = 1.7;
  const ScheduleSpec lr =
      schedule_from_text("kind = \"lr_decay\"\neta = 0.1\nbatch = 32\nevery = 40\nunit = \"epoch\"\n");
  const ScheduleSpec batch =
      schedule_from_text("kind = \"batch_increase\"\neta = 0.1\nbatch = 32\nevery = 40\nunit = \"epoch\"\n");
  const ScheduleSpec hybrid =
      schedule_from_text("kind = \"hybrid\"\neta = 0.1\nbatch = 32\nevery = 40\nunit = \"epoch\"\n");
  for (std::int64_t stage = 0; stage <= 4; ++stage) {
    const double oracle = delta_of(0.1, 32, c, "") * std::pow(2.0, -0.5 * static_cast<double>(stage));
    for (const auto& [name, spec] :
         {std::pair{"lr_decay", &lr}, std::pair{"batch_increase", &batch}, std::pair{"hybrid", &hybrid}}) {
      const ScheduleState s = schedule_at(*spec, stage * 40 + 17);  // mid-stage epoch
      result.comparisons.push_back(
          exact(fmt::format("{} stage {} (eta {:.6g}, b {}) delta", name, stage, s.eta, s.batch),
                delta_of(s.eta, s.batch, c, mutant), oracle));
    }
  }
  for (double p : {0.25, 0.5, 1.0}) {
    const ScheduleSpec poly = schedule_from_text(
        fmt::format("kind = \"polynomial\"\neta = 0.2\nbatch = 8\nevery = 10\nstages = 5\npower = {}\n", p));
    const double claimed_p = mutant == "polynomial_inverse_power" ? 1.0 / p : p;
    double telescoped = delta_of(0.2, 8, c, "");
    for (int m = 1; m <= 5; ++m) {
      const ScheduleState s = schedule_at(poly, (m - 1) * 10 + 3);
      const double closed = delta_of(0.2, 8, c, "") * std::pow((5.0 - m + 1) / 5.0, claimed_p);
      const double delta = delta_of(s.eta, s.batch, c, mutant);
      result.comparisons.push_back(
          exact(fmt::format("polynomial p={} stage {} delta vs closed form", p, m), delta, closed));
      result.comparisons.push_back(
          exact(fmt::format("polynomial p={} stage {} delta vs prod gamma", p, m), delta, telescoped));
      if (m < 5) telescoped *= std::pow((5.0 - m) / (5.0 - m + 1), claimed_p);
    }
  }
  // Momentum inversions: the mutant evaluates the recovered setting with the other optimizer's formula.
  const bool swap = mutant == "swapped_momentum_formulas";
  for (const auto& [beta, b, c2, k2] :
       {std::tuple{0.9, 32.0, 4.0, 1.0}, std::tuple{0.5, 1.0, 0.25, 0.0}, std::tuple{0.7, 128.0, 9.0, 2.5}}) {
    const double eta = 0.05, target = 0.02;
    const double shb_eta = shb_eta_for_delta(target, beta, c2, b, k2);
    const double nshb_eta = nshb_eta_for_delta(target, beta, c2, b, k2);
    const double shb_reached = swap ? nshb_delta(shb_eta, beta, c2, b, k2) : shb_delta(shb_eta, beta, c2, b, k2);
    const double nshb_reached = swap ? shb_delta(nshb_eta, beta, c2, b, k2) : nshb_delta(nshb_eta, beta, c2, b, k2);
    const std::string where = fmt::format("beta={} b={} C2={} K2={}", beta, b, c2, k2);
    result.comparisons.push_back(exact("SHB eta for delta, " + where, shb_reached, target));
    result.comparisons.push_back(exact("NSHB eta for delta, " + where, nshb_reached, target));
    // beta for a target delta that some beta in [0, 1) reaches at this eta: the delta of beta/2.
    const double shb_target = shb_delta(eta, beta / 2, c2, b, k2), nshb_target = nshb_delta(eta, beta / 2, c2, b, k2);
    const double shb_beta = shb_beta_for_delta(shb_target, eta, c2, b, k2);
    const double nshb_beta = nshb_beta_for_delta(nshb_target, eta, c2, b, k2);
    result.comparisons.push_back(
        exact("SHB beta for delta, " + where,
              swap ? nshb_delta(eta, shb_beta, c2, b, k2) : shb_delta(eta, shb_beta, c2, b, k2), shb_target));
    result.comparisons.push_back(
        exact("NSHB beta for delta, " + where,
              swap ? shb_delta(eta, nshb_beta, c2, b, k2) : nshb_delta(eta, nshb_beta, c2, b, k2), nshb_target));
  }
  for (auto& row : result.comparisons) row.evidence = Evidence::deterministic;  // identities to a relative tolerance
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"schedule_identities",
                                "Equal-delta schedules, polynomial closed form, momentum inversions (oracle 6)",
                                "code",
                                {"delta_eta_c_over_b", "polynomial_inverse_power", "swapped_momentum_formulas"},
                                run_schedule_check});

}  // namespace
}  // namespace sgds
