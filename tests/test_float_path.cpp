// The float32 engine path (precision = "float32"): its elementary functions against double
// libm, its normals' moments, the lane form against the scalar definition bit for bit on every
// instruction-set level, thread counts, the quadratic oracle in single precision, and the
// config's refusals.
#include <omp.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "sim/experiment.hpp"
#include "sim/float_lanes.hpp"
#include "sim/float_step.hpp"

using namespace sgds;
using namespace sgds::floatpath;

namespace {

constexpr double kTwoPi = 6.283185307179586476925;

// Deterministic float arguments: fractional parts of a golden-ratio sequence.
float golden_fraction(long i) {
  const double v = static_cast<double>(i) * 0.7548776662466927;
  return static_cast<float>(v - std::floor(v));
}

ExperimentResult run_config(const std::string& text, int threads, std::uint32_t seed = 5) {
  toml::table table = parse_config_text(text, "test");
  ConfigTable config_table(table, "test");
  const ExperimentConfig config = parse_experiment(config_table);
  omp_set_num_threads(threads);
  ExperimentResult r = run_experiment(config, seed, true);
  omp_set_num_threads(2);
  return r;
}

std::string config_error(const std::string& text) {
  try {
    const toml::table document = parse_config_text(text, "test.toml");
    parse_run_config(document);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool same_float(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

}  // namespace

// The error bounds stated in sim/float_math.hpp; a wrong coefficient or reduction breaks them.
TEST_CASE("float32 sine, sine-cosine and log2 are within their stated error of double libm") {
  double sin_error = 0.0, sincos_error = 0.0, log_error = 0.0;
  for (long i = 0; i < 2000000; ++i) {
    const float t = golden_fraction(i);
    const float large = t * 2048.0f * (i % 2 ? 1.0f : -1.0f) + static_cast<float>(i % 4096) * 256.0f;  // |t| < 2^20
    for (const float arg : {t, -t, large})
      sin_error = std::max(sin_error, std::fabs(sin_turns_f(arg) - std::sin(kTwoPi * static_cast<double>(arg))));
    float s = 0.0f, c = 0.0f;
    sincos_turns_f(t, s, c);
    sincos_error = std::max(sincos_error, std::fabs(s - std::sin(kTwoPi * static_cast<double>(t))));
    sincos_error = std::max(sincos_error, std::fabs(c - std::cos(kTwoPi * static_cast<double>(t))));
    const float u = uniform_from_word_f(static_cast<std::uint32_t>(i) * 2654435761u);
    const double exact = std::log2(static_cast<double>(u));
    log_error = std::max(log_error, std::fabs((log2_unit_f(u) - exact) / std::fabs(exact)));
  }
  INFO("max |sin error| " << sin_error << ", sincos " << sincos_error << ", log2 relative " << log_error);
  CHECK(sin_error <= 2e-7);
  CHECK(sincos_error <= 1e-7);
  CHECK(log_error <= 2e-7);
  // Quarter turns land on the right signs: sin(2 pi t) at t = 1/4, 1/2, 3/4, -1/4.
  CHECK(sin_turns_f(0.25f) == Approx(1.0).margin(2e-7));
  CHECK(std::fabs(sin_turns_f(0.5f)) <= 2e-7);
  CHECK(sin_turns_f(0.75f) == Approx(-1.0).margin(2e-7));
  CHECK(sin_turns_f(-0.25f) == Approx(-1.0).margin(2e-7));
}

TEST_CASE("float32 uniforms are uniform_open01f's values, built from bits") {
  for (std::uint32_t w : {0u, 1u, 511u, 512u, 0x80000000u, 0xFFFFFE00u, 0xFFFFFFFFu})
    CHECK(same_float(uniform_from_word_f(w), uniform_open01f(w)));
  std::size_t mismatches = 0;
  for (std::uint64_t i = 0; i < 1000000; ++i) {
    const std::uint32_t w = static_cast<std::uint32_t>(i * 2654435761u + 12345u);
    mismatches += !same_float(uniform_from_word_f(w), uniform_open01f(w));
  }
  CHECK(mismatches == 0);
}

// Box-Muller in float against the same formula in double from the same uniforms (a few float
// ulp apart), and the moments of 2^21 normals of the packed stream within z = 5 standard errors.
TEST_CASE("float32 packed normals: Box-Muller to float accuracy, mean 0, variance 1, tails") {
  double max_difference = 0.0;
  for (std::uint32_t i = 0; i < 200000; ++i) {
    const std::uint32_t w1 = i * 2654435761u + 7u, w2 = i * 2246822519u + 3u;
    float z0 = 0.0f, z1 = 0.0f;
    normal_pair_f(w1, w2, z0, z1);
    const double u1 = uniform_open01f(w1), u2 = uniform_open01f(w2);
    const double radius = std::sqrt(-2.0 * std::log(u1));
    max_difference = std::max(max_difference, std::fabs(z0 - radius * std::cos(kTwoPi * u2)) / std::max(1.0, radius));
    max_difference = std::max(max_difference, std::fabs(z1 - radius * std::sin(kTwoPi * u2)) / std::max(1.0, radius));
  }
  INFO("max |float - double| / max(1, radius) = " << max_difference);
  CHECK(max_difference <= 2e-6);  // sqrt and log2 error amplified by at most ~6 in the radius

  const std::uint32_t trajectories = 4096, blocks = 128;  // 2^21 normals
  double sum = 0.0, sum2 = 0.0, sum4 = 0.0, beyond3 = 0.0;
  for (std::uint32_t i = 0; i < trajectories; ++i)
    for (std::uint64_t m = 0; m < blocks; ++m) {
      float z[4];
      packed_normals(11, i, m, z);
      for (float value : z) {
        const double v = value;
        sum += v;
        sum2 += v * v;
        sum4 += v * v * v * v;
        beyond3 += std::fabs(v) > 3.0 ? 1.0 : 0.0;
      }
    }
  const double n = static_cast<double>(trajectories) * blocks * 4;
  const double mean = sum / n, variance = sum2 / n, kurtosis = sum4 / n;
  const double tail = 0.0026997960632601866;  // P(|Z| > 3)
  CHECK(std::fabs(mean) <= 5.0 / std::sqrt(n));
  CHECK(std::fabs(variance - 1.0) <= 5.0 * std::sqrt(2.0 / n));
  CHECK(std::fabs(kurtosis - 3.0) <= 5.0 * std::sqrt(96.0 / n));  // Var Z^4 = 105 - 9
  CHECK(std::fabs(beyond3 / n - tail) <= 5.0 * std::sqrt(tail * (1.0 - tail) / n));
}

// The lane form against floatpath::advance_trajectory, lane by lane, byte for byte: dimensions
// whose steps straddle Philox blocks (1, 2, 3, 10), momentum, checkpoints inside a block, a
// diverging lane, and every instruction-set level this CPU has.
TEST_CASE("float32 lanes equal the scalar definition bit for bit on every instruction-set level") {
  constexpr int L = lanes::kLanes;
  const std::int64_t steps = 37;
  std::vector<float> eta(steps), factor(steps);
  for (std::int64_t t = 0; t < steps; ++t) {
    eta[t] = static_cast<float>(0.02 / (1.0 + 0.05 * static_cast<double>(t)));
    factor[t] = static_cast<float>(1.0 / std::sqrt(t % 3 == 0 ? 1.0 : 8.0));
  }
  std::vector<LaneIsa> levels{LaneIsa::baseline};
  if (detect_lane_isa() >= LaneIsa::avx2) levels.push_back(LaneIsa::avx2);
  if (detect_lane_isa() >= LaneIsa::avx512) levels.push_back(LaneIsa::avx512);

  const auto compare = [&](const auto& gradient, int dim, bool momentum, bool noise, float bound) {
    FloatStepParams p;
    p.seed = 9;
    p.dim = dim;
    p.noise = noise;
    p.momentum = momentum;
    p.beta = 0.7f;
    p.gradient_weight = momentum ? 0.3f : 1.0f;
    p.divergence_bound = bound;
    const std::uint32_t first = 32;
    std::vector<float> x0(static_cast<std::size_t>(dim) * L);
    for (int j = 0; j < dim; ++j)
      for (int l = 0; l < L; ++l) x0[j * L + l] = (golden_fraction(j * L + l) - 0.5f) * 6.0f;
    // Scalar reference with the same segments (0-5, 5-22, 22-37: 5 d and 22 d not multiples of 4).
    std::vector<float> expect_x(x0.size()), expect_v(x0.size(), 0.0f);
    std::vector<float> expect_alive(L, 1.0f);
    for (int l = 0; l < L; ++l) {
      std::vector<float> xs(dim), vs(dim, 0.0f);
      for (int j = 0; j < dim; ++j) xs[j] = x0[j * L + l];
      bool live = true;
      for (const auto& [t0, t1] : {std::pair<int, int>{0, 5}, {5, 22}, {22, 37}})
        if (live)
          live = advance_trajectory(gradient, p, first + l, t0, t1, eta.data(), factor.data(), xs.data(), vs.data());
      for (int j = 0; j < dim; ++j) {
        expect_x[j * L + l] = xs[j];
        expect_v[j * L + l] = vs[j];
      }
      expect_alive[l] = live ? 1.0f : 0.0f;
    }
    for (const LaneIsa isa : levels) {
      INFO("dim " << dim << " momentum " << momentum << " noise " << noise << " bound " << bound << " isa "
                  << static_cast<int>(isa));
      std::vector<float> x = x0, v(x0.size(), 0.0f), alive(L, 1.0f);
      for (const auto& [t0, t1] : {std::pair<int, int>{0, 5}, {5, 22}, {22, 37}})
        advance_float_lanes(isa, gradient, p, first, t0, t1, eta.data(), factor.data(), x.data(), v.data(),
                            alive.data());
      std::size_t mismatches = 0;
      for (std::size_t e = 0; e < x.size(); ++e) {
        mismatches += !same_float(x[e], expect_x[e]);
        if (momentum) mismatches += !same_float(v[e], expect_v[e]);
      }
      CHECK(mismatches == 0);
      CHECK(alive == expect_alive);
    }
    return expect_alive;
  };
  for (const int dim : {1, 2, 3, 10}) {
    Quadratic quadratic;
    quadratic.dim = dim;
    quadratic.a = 1.5;
    quadratic.condition = 4.0;
    for (const bool momentum : {false, true}) {
      compare(FloatGradient<Rastrigin>(Rastrigin{dim}), dim, momentum, true, kMaxTurnArgument);
      compare(FloatGradient<Sphere>(Sphere{dim}), dim, momentum, true, kMaxTurnArgument);
      compare(FloatGradient<Quadratic>(quadratic), dim, momentum, true, kMaxTurnArgument);
    }
    compare(FloatGradient<Rastrigin>(Rastrigin{dim}), dim, false, false, kMaxTurnArgument);
  }
  // A tight bound freezes some lanes and not others (the comparison covers where they froze).
  const auto alive = compare(FloatGradient<Rastrigin>(Rastrigin{2}), 2, false, true, 3.5f);
  int frozen = 0;
  for (float a : alive) frozen += a == 0.0f;
  CHECK(frozen > 0);
  CHECK(frozen < L);
}

TEST_CASE("float32 runs give identical bytes on one and two threads") {
  const std::string text = R"(name = "f32"
precision = "float32"
trajectories = 3001
steps = 45
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "lr_decay", eta = 0.01, every = 15 }
optimizer = { kind = "nshb", beta = 0.5 }
init = { x0 = 2.0, spread = 2.0 }
record = { checkpoints = 7, per_trajectory = true }
)";
  const ExperimentResult one = run_config(text, 1), two = run_config(text, 2);
  CHECK(same_bytes(one.final_x, two.final_x));
  CHECK(same_bytes(one.trajectory_f, two.trajectory_f));
  REQUIRE(one.series.size() == two.series.size());
  for (std::size_t s = 0; s < one.series.size(); ++s) CHECK(same_bytes(one.series[s].mean, two.series[s].mean));
  // Every final coordinate is a float value (the state never leaves single precision).
  std::size_t not_float = 0;
  for (double value : one.final_x) not_float += static_cast<double>(static_cast<float>(value)) != value;
  CHECK(not_float == 0);
}

// Oracle 2 of docs/THEORY.md in single precision: SGD on (a/2)|x|^2 with noise C / sqrt(b) has
// E x_t^2 = V + (x0^2 - V) rho^2t per coordinate, rho = 1 - eta a, V = eta C^2 / (b a (2 - eta a)).
// The run's mean of x_i^2 at every checkpoint within z = 4.5 SE; the variance without its
// (2 - eta a), the oracle's mutant, is rejected by the same data.
TEST_CASE("float32 SGD on a quadratic meets the exact variance oracle, and the mutant fails") {
  const std::string text = R"(name = "oracle"
precision = "float32"
trajectories = 40000
steps = 120
problem = { name = "quadratic", dim = 2, a = 1.0 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.2, batch = 4 }
init = { x0 = 1.0 }
record = { checkpoints = 7 }
)";
  const ExperimentResult r = run_config(text, 2);
  const ObservableSeries& x2 = r.observable("x2");
  const double eta = static_cast<double>(0.2f), a = 1.0, c2_over_b = 1.0 / 4.0;
  const double rho = 1.0 - eta * a, stationary = eta * c2_over_b / (a * (2.0 - eta * a));
  const double wrong_stationary = eta * c2_over_b / a;
  double worst_mutant_z = 0.0;
  for (std::size_t k = 1; k < r.steps.size(); ++k) {
    const double t = static_cast<double>(r.steps[k]);
    const double decay = std::pow(rho, 2.0 * t);
    for (int j = 0; j < 2; ++j) {
      const std::size_t at = k * 2 + static_cast<std::size_t>(j);
      const double se = x2.standard_error[at];
      INFO("step " << t << " coordinate " << j << " mean x^2 " << x2.mean[at] << " se " << se);
      CHECK(std::fabs(x2.mean[at] - (stationary + (1.0 - stationary) * decay)) <= 4.5 * se);
      worst_mutant_z =
          std::max(worst_mutant_z, std::fabs(x2.mean[at] - (wrong_stationary + (1.0 - wrong_stationary) * decay)) / se);
    }
  }
  CHECK(worst_mutant_z > 4.5);
}

TEST_CASE("precision = \"float32\" is refused where the float path does not run, with one line naming the key") {
  const std::string head = "seed = 1\n[[experiment]]\nname = \"e\"\nsteps = 10\nprecision = \"float32\"\n";
  const std::string ok = head + "problem = { name = \"rastrigin\", dim = 2 }\nschedule = { eta = 0.01 }\n";
  CHECK(config_error(ok).empty());
  const std::string ackley =
      config_error(head + "problem = { name = \"ackley\", dim = 2 }\nschedule = { eta = 0.01 }\n");
  CHECK(ackley.find("precision") != std::string::npos);
  CHECK(ackley.find("rastrigin, sphere, quadratic") != std::string::npos);
  const std::string rotated =
      config_error(head + "problem = { name = \"quadratic\", dim = 2, rotated = true }\nschedule = { eta = 0.01 }\n");
  CHECK(rotated.find("rotated = false") != std::string::npos);
  const std::string gradopt = config_error(head +
                                           "problem = { name = \"rastrigin\", dim = 2 }\nschedule = { eta = 0.01 }\n"
                                           "optimizer = { kind = \"explicit_go\" }\n");
  CHECK(gradopt.find("precision") != std::string::npos);
  const std::string bound = config_error(head +
                                         "problem = { name = \"rastrigin\", dim = 2 }\nschedule = { eta = 0.01 }\n"
                                         "record = { divergence_bound = 1e7 }\n");
  CHECK(bound.find("divergence_bound") != std::string::npos);
  const std::string bad = config_error(
      "seed = 1\n[[experiment]]\nname = \"e\"\nsteps = 10\nprecision = \"half\"\n"
      "problem = { name = \"rastrigin\", dim = 2 }\nschedule = { eta = 0.01 }\n");
  CHECK(bad.find("precision") != std::string::npos);
  CHECK(bad.find("float32") != std::string::npos);
  for (const std::string& message : {ackley, rotated, gradopt, bound, bad})
    CHECK(message.find('\n') == std::string::npos);
}
