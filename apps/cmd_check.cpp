// sgdsmooth check [NAME...]: run the validation checks, print the verdict table, store results.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/check_problem.hpp"
#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "core/config_table.hpp"
#include "sim/progress.hpp"

namespace sgds::app {
namespace {

struct CheckCommandOptions {
  std::vector<std::string> names;
  bool quick = false, mutants = false, quiet = false;
  std::string output, expect, write_expected, problem;
  int threads = 0;
  std::string seed = "20231115";
};

std::string shorten(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

std::string row_name(const CheckResult& r) { return r.mutant.empty() ? r.name : r.name + "[" + r.mutant + "]"; }

std::string verdict_text(const CheckResult& r) {
  std::string verdict = verdict_name(r.verdict);
  if (!r.mutant.empty()) verdict += r.verdict == Verdict::fail ? " (expected)" : " (MUTANT NOT CAUGHT)";
  return verdict;
}

// An exact check: its worst comparison (largest |z|), the z SE interval around it and the oracle.
void print_exact_row(const CheckResult& r) {
  if (r.comparisons.empty()) {
    fmt::print("{:<48} {:>6} {:>13} {:>27} {:>13} {:>8} {}\n", shorten(row_name(r), 48), 0, "-", "-", "-", "-",
               verdict_text(r));
    return;
  }
  const Comparison& w = r.worst();
  const double half = r.z_threshold * w.standard_error;
  fmt::print("{:<48} {:>6} {:>13.6g} {:>27} {:>13.6g} {:>8.2f} {}\n", shorten(row_name(r), 48), r.comparisons.size(),
             w.estimate, fmt::format("[{:.6g}, {:.6g}]", w.estimate - half, w.estimate + half), w.oracle, r.max_abs_z(),
             verdict_text(r));
}

// A trend check: the comparison that decided its verdict, with the interval its rule used.
void print_trend_row(const CheckResult& r) {
  if (r.comparisons.empty()) {
    fmt::print("{:<48} {:>13} {:>27} {:<44} {}\n", shorten(row_name(r), 48), "-", "-", "-", verdict_text(r));
    return;
  }
  const Comparison& d = r.deciding();
  fmt::print("{:<48} {:>13.6g} {:>27} {:<44} {}\n", shorten(row_name(r), 48), d.estimate,
             fmt::format("[{:.6g}, {:.6g}]", d.interval_low, d.interval_high), shorten(d.label, 44), verdict_text(r));
}

void print_tables(const std::vector<CheckResult>& results) {
  bool exact = false, trend = false;
  for (const auto& r : results) (r.kind == CheckKind::exact ? exact : trend) = true;
  if (exact) {
    fmt::print(
        "Exact checks: PASS iff every comparison is within z SE of its oracle; the row shows the comparison with "
        "the largest |z|\n");
    fmt::print("{:<48} {:>6} {:>13} {:>27} {:>13} {:>8} {}\n", "check", "rows", "estimate", "interval (z SE)", "oracle",
               "max|z|", "verdict");
    for (const auto& r : results)
      if (r.kind == CheckKind::exact) print_exact_row(r);
  }
  if (trend) {
    fmt::print(
        "{}Trend checks: a verdict per row by the rule stated up front (95 % intervals); the row shows the "
        "comparison that decided the verdict\n",
        exact ? "\n" : "");
    fmt::print("{:<48} {:>13} {:>27} {:<44} {}\n", "check", "effect", "interval the rule used", "decided by",
               "verdict");
    for (const auto& r : results)
      if (r.kind == CheckKind::trend) print_trend_row(r);
  }
}

// The Monte Carlo comparisons of the exact checks pooled: mean z^2 is 1 when the SEs are right.
// Comparisons of one experiment (checkpoints, coordinates) are correlated, so the spread of this
// mean is wider than chi-square's: a diagnostic; se_calibration is the check that decides.
void print_calibration(const std::vector<CheckResult>& results) {
  double sum = 0.0;
  std::size_t count = 0;
  for (const auto& r : results) {
    if (!r.mutant.empty() || r.kind != CheckKind::exact) continue;
    for (const auto& c : r.comparisons) {
      const double z = c.z();
      if (c.evidence == Evidence::monte_carlo && std::isfinite(z)) sum += z * z, ++count;
    }
  }
  if (count > 0)
    fmt::print(
        "\nThe {} Monte Carlo comparisons of the exact checks: mean z^2 = {:.3f} (1 when the SEs are calibrated; "
        "correlated within an experiment, so a diagnostic: se_calibration decides)\n",
        count, sum / static_cast<double>(count));
}

// The baseline of `check --expect`: the seed and sample size it was made with and every verdict.
struct ExpectedVerdicts {
  std::uint32_t seed = 0;
  bool quick = false;
  std::map<std::string, std::string> verdicts;  // NAME or NAME[MUTANT] -> verdict
};

ExpectedVerdicts read_expected(const std::string& filename) {
  toml::table document = parse_config_file(filename);
  ConfigTable top(document, "");
  ExpectedVerdicts expected;
  expected.seed = static_cast<std::uint32_t>(top.integer("seed", 0, 0xFFFFFFFFll));
  expected.quick = top.boolean("quick");
  const toml::node* verdicts = document.get("verdicts");
  if (!verdicts || !verdicts->is_table()) top.fail("verdicts", "(missing)", "a table of check name = verdict");
  for (const auto& [name, value] : *verdicts->as_table()) {
    if (!value.is_string())
      throw ConfigError(
          fmt::format("config: key 'verdicts.{}' in '{}': expected a verdict string", name.str(), filename));
    expected.verdicts[std::string(name.str())] = value.as_string()->get();
  }
  top.table("verdicts");  // known
  top.finish();
  return expected;
}

constexpr const char* kBaselineHeader = "# The verdict of every check and mutant of `sgdsmooth check";

// --write-expected may create a file or replace an earlier baseline (its first line says so), nothing else.
void check_baseline_output(const std::string& filename) {
  struct stat info {};
  if (::lstat(filename.c_str(), &info) != 0) return;
  std::ifstream in(filename, std::ios::binary);
  std::string first;
  std::getline(in, first);
  if (!S_ISREG(info.st_mode) || first.rfind(kBaselineHeader, 0) != 0)
    throw PathError(
        fmt::format("--write-expected '{}' exists and is not a verdict baseline: refusing to replace it", filename));
}

void write_expected(const std::string& filename, const std::vector<CheckResult>& results, std::uint32_t seed,
                    bool quick) {
  toml::table verdicts;
  for (const auto& r : results) verdicts.insert(row_name(r), verdict_name(r.verdict));
  toml::table document{{"seed", static_cast<std::int64_t>(seed)}, {"quick", quick}, {"verdicts", verdicts}};
  const std::string temporary = temporary_name(filename, ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << kBaselineHeader << (quick ? " --quick" : "")
        << " --mutants` at this seed: `check --expect` exits 1 when a verdict differs.\n"
           "# A change that moves a verdict updates this file in the same commit and says why in the commit message.\n"
        << document << "\n";
    if (!out) {
      std::remove(temporary.c_str());
      throw UsageError(fmt::format("--write-expected: cannot write '{}'", filename));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, filename, error);
  if (error) throw UsageError(fmt::format("--write-expected: cannot write '{}': {}", filename, error.message()));
}

// 0 differences: every verdict of this run is the baseline's.
int compare_with_expected(const ExpectedVerdicts& expected, const std::vector<CheckResult>& results, bool all_checks) {
  int differences = 0;
  std::set<std::string> seen;
  for (const auto& r : results) {
    const std::string name = row_name(r);
    seen.insert(name);
    const auto found = expected.verdicts.find(name);
    if (found == expected.verdicts.end()) {
      fmt::print("verdict not in the baseline: {} = {} (add it, with the reason, if it is right)\n", name,
                 verdict_name(r.verdict));
      ++differences;
    } else if (found->second != verdict_name(r.verdict)) {
      fmt::print("VERDICT CHANGED: {} is {}, the baseline says {}\n", name, verdict_name(r.verdict), found->second);
      ++differences;
    }
  }
  if (all_checks) {
    bool ran_mutants = false;
    for (const auto& r : results) ran_mutants |= !r.mutant.empty();
    for (const auto& [name, verdict] : expected.verdicts) {
      const bool is_mutant = name.find('[') != std::string::npos;
      if (seen.count(name) || (is_mutant && !ran_mutants)) continue;
      fmt::print("in the baseline but not run: {} = {}\n", name, verdict);
      ++differences;
    }
  }
  return differences;
}

void check_command(const CheckCommandOptions& options) {
  std::vector<const CheckDefinition*> selected;
  std::set<std::string> all;
  for (const auto& c : check_registry()) all.insert(c.name);
  std::vector<std::string> accepting;
  for (const auto& c : check_registry())
    if (c.accepts_problem) accepting.push_back(c.name);
  if (options.names.empty()) {
    for (const auto& c : check_registry())
      if (options.problem.empty() || c.accepts_problem) selected.push_back(&c);
  } else {
    for (const auto& name : options.names) {
      const CheckDefinition* check = find_check(name);
      if (!check) {
        const std::string guess = did_you_mean(name, all);
        throw UsageError(fmt::format("check: unknown check '{}': expected one of {}{}", name, fmt::join(all, ", "),
                                     guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
      }
      if (!options.problem.empty() && !check->accepts_problem)
        throw UsageError(fmt::format("check: --problem: '{}' cannot be pointed at a function: expected one of {}", name,
                                     fmt::join(accepting, ", ")));
      selected.push_back(check);
    }
  }
  std::string problem_table;  // the --problem table as written to the result file's config
  if (!options.problem.empty()) {
    if (!options.expect.empty() || !options.write_expected.empty())
      throw UsageError(
          "check: --problem with --expect or --write-expected: a verdict baseline holds the checks' own "
          "cases, not a function of yours");
    problem_table = parse_check_problem(options.problem).table_text;  // a wrong table is refused before any check runs
  }
  const std::uint32_t seed = *parse_seed_option(options.seed.empty() ? std::string("x") : options.seed);
  if (!options.write_expected.empty()) check_baseline_output(options.write_expected);
  std::optional<ExpectedVerdicts> expected;
  if (!options.expect.empty()) {
    expected = read_expected(options.expect);
    if (expected->seed != seed || expected->quick != options.quick)
      throw UsageError(fmt::format("--expect '{}': the baseline is for seed {}{}, this run is seed {}{}",
                                   options.expect, expected->seed, expected->quick ? " --quick" : "", seed,
                                   options.quick ? " --quick" : ""));
  }
  const int threads = apply_thread_count(options.threads);
  std::unique_ptr<OutputClaim> claim;
  if (!options.output.empty()) {
    check_output_file(options.output, kind_name(ResultKind::check), {});
    clear_stale_temporaries(options.output);
    claim = std::make_unique<OutputClaim>(options.output);
  }

  std::unique_ptr<ResultWriter> writer;
  if (!options.output.empty()) {
    std::vector<std::string> quoted;
    for (const auto* c : selected) quoted.push_back("\"" + c->name + "\"");
    std::string config = fmt::format("# sgdsmooth check\nquick = {}\nmutants = {}\nseed = {}\nchecks = [{}]\n",
                                     options.quick, options.mutants, seed, fmt::join(quoted, ", "));
    if (!problem_table.empty()) config += "problem = " + problem_table + "\n";
    writer = std::make_unique<ResultWriter>(options.output, ResultKind::check,
                                            Provenance{command_line(), config, seed, cpu_device_description(threads)});
  }

  std::int64_t runs = 0;
  for (const auto* c : selected) runs += 1 + (options.mutants ? static_cast<std::int64_t>(c->mutants.size()) : 0);
  Progress progress("checks", runs, options.quiet);
  Progress::set_global_quiet(true);  // the experiments inside checks stay quiet; one bar for all

  std::vector<CheckResult> results;
  bool ok = true;
  for (const auto* c : selected) {
    std::vector<std::string> variants{""};
    if (options.mutants) variants.insert(variants.end(), c->mutants.begin(), c->mutants.end());
    for (const auto& mutant : variants) {
      const auto start = std::chrono::steady_clock::now();
      CheckResult r = c->run(CheckOptions{options.quick, mutant, seed, options.problem});
      r.mutant = mutant;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (mutant.empty() ? (r.verdict == Verdict::fail) : (r.verdict != Verdict::fail)) ok = false;
      if (writer) writer->write_check(r);
      results.push_back(std::move(r));
      progress.advance();
    }
  }
  progress.finish();
  Progress::set_global_quiet(false);

  print_tables(results);
  print_calibration(results);
  if (writer) {
    writer->commit();
    interruption::set_kept_message(options.output + " is complete");
    fmt::print("wrote {}\n", options.output);
  }
  if (!options.write_expected.empty()) {
    write_expected(options.write_expected, results, seed, options.quick);
    fmt::print("wrote the verdict baseline {}\n", options.write_expected);
  }
  if (expected) {
    const int differences = compare_with_expected(*expected, results, options.names.empty());
    if (differences > 0) {
      fmt::print("{} verdict(s) differ from the baseline {}\n", differences, options.expect);
      throw CLI::RuntimeError(1);
    }
    fmt::print("every verdict is the baseline's ({})\n", options.expect);
  }
  if (!ok) {
    if (!options.problem.empty() && options.mutants)
      fmt::print(
          "on your function a mutant that is not caught is a wrong theory the function cannot tell apart (e.g. "
          "no_smoothing on a quadratic, whose grad f_hat is grad f): its rows say how close they came\n");
    fmt::print("some checks failed{}\n", options.mutants ? " or a mutant was not caught" : "");
    throw CLI::RuntimeError(1);
  }
}

const RegisterCommand registered(20, [](CLI::App& cli) {
  auto options = std::make_shared<CheckCommandOptions>();
  CLI::App* check =
      cli.add_subcommand("check", "Run the validation checks: each claim of the theory becomes a verdict");
  check->add_option("names", options->names, "Checks to run (default: all; see sgdsmooth list checks)");
  check->add_flag("--quick", options->quick, "Smaller samples (the whole suite in minutes), same decision rules");
  check->add_flag("--mutants", options->mutants, "Also run each check against deliberately wrong theory: must FAIL");
  check->add_option("-o,--output", options->output, "Write every number and verdict to this HDF5 file");
  check->add_option("--threads", options->threads, "OpenMP threads (0 = all cores)");
  check->add_option("--seed", options->seed, "Base seed of the checks' experiments");
  check->add_option("--problem", options->problem,
                    "Point the checks that can (one_step_identity, smoothing_gradient_identity) at your function: "
                    "one inline TOML table, e.g. '{ name = \"expression\", dim = 2, f = \"x1^2 + sin(3*x2)\" }'");
  check->add_option("--expect", options->expect,
                    "A verdict baseline (e.g. analysis/checks/expected_quick.toml): exit 1 if any verdict differs");
  check->add_option("--write-expected", options->write_expected, "Write this run's verdicts as a baseline file");
  check->add_flag("-q,--quiet", options->quiet, "No progress output");
  check->footer(
      "Example: sgdsmooth check --quick --mutants -o check.h5\n"
      "         sgdsmooth check one_step_identity --problem '{ name = \"expression\", dim = 2, f = \"x1^4 - x1*x2\" "
      "}'");
  check->callback([options] { check_command(*options); });
});

}  // namespace
}  // namespace sgds::app
