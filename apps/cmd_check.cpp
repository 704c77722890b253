// sgdsmooth check [NAME...]: run the validation checks, print the verdict table, store results.
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "sim/config_table.hpp"
#include "sim/progress.hpp"

namespace sgds::app {
namespace {

struct CheckCommandOptions {
  std::vector<std::string> names;
  bool quick = false, mutants = false, quiet = false;
  std::string output;
  int threads = 0;
  std::string seed = "20231115";
};

std::string shorten(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

void print_row(const CheckResult& r, bool expect_fail) {
  const std::string name = r.mutant.empty() ? r.name : r.name + "[" + r.mutant + "]";
  std::string verdict = verdict_name(r.verdict);
  if (expect_fail) verdict += r.verdict == Verdict::fail ? " (expected)" : " (MUTANT NOT CAUGHT)";
  if (r.comparisons.empty()) {
    fmt::print("{:<44} {:<40} {:>12} {:>25} {:>12} {:>7} {}\n", shorten(name, 44), shorten(r.claim, 40), "-", "-", "-",
               "-", verdict);
    return;
  }
  const Comparison& w = r.worst();
  const double half = r.z_threshold * w.standard_error;
  fmt::print("{:<44} {:<40} {:>12.6g} {:>25} {:>12.6g} {:>7.2f} {}\n", shorten(name, 44), shorten(r.claim, 40),
             w.estimate, fmt::format("[{:.6g}, {:.6g}]", w.estimate - half, w.estimate + half), w.oracle,
             r.max_abs_z(), verdict);
}

void check_command(const CheckCommandOptions& options) {
  std::vector<const CheckDefinition*> selected;
  std::set<std::string> all;
  for (const auto& c : check_registry()) all.insert(c.name);
  if (options.names.empty()) {
    for (const auto& c : check_registry()) selected.push_back(&c);
  } else {
    for (const auto& name : options.names) {
      const CheckDefinition* check = find_check(name);
      if (!check) {
        const std::string guess = did_you_mean(name, all);
        throw UsageError(fmt::format("check: unknown check '{}': expected one of {}{}", name, fmt::join(all, ", "),
                                     guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
      }
      selected.push_back(check);
    }
  }
  const std::uint32_t seed = *parse_seed_option(options.seed.empty() ? std::string("x") : options.seed);
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
    const std::string config = fmt::format("# sgdsmooth check\nquick = {}\nmutants = {}\nseed = {}\nchecks = [{}]\n", options.quick,
                         options.mutants, seed, fmt::join(quoted, ", "));
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
      CheckResult r = c->run(CheckOptions{options.quick, mutant, seed});
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

  fmt::print("{:<44} {:<40} {:>12} {:>25} {:>12} {:>7} {}\n", "check", "claim", "estimate", "CI (z SE)", "oracle",
             "max|z|", "verdict");
  for (const auto& r : results) print_row(r, !r.mutant.empty());
  if (writer) {
    writer->commit();
    interruption::set_kept_message(options.output + " is complete");
    fmt::print("wrote {}\n", options.output);
  }
  if (!ok) {
    fmt::print("some checks failed{}\n", options.mutants ? " or a mutant was not caught" : "");
    throw CLI::RuntimeError(1);
  }
}

const RegisterCommand registered(20, [](CLI::App& cli) {
  auto options = std::make_shared<CheckCommandOptions>();
  CLI::App* check = cli.add_subcommand("check", "Run the validation checks: each claim of the theory becomes a verdict");
  check->add_option("names", options->names, "Checks to run (default: all; see sgdsmooth list checks)");
  check->add_flag("--quick", options->quick, "Smaller samples (the whole suite in minutes), same decision rules");
  check->add_flag("--mutants", options->mutants, "Also run each check against deliberately wrong theory: must FAIL");
  check->add_option("-o,--output", options->output, "Write every number and verdict to this HDF5 file");
  check->add_option("--threads", options->threads, "OpenMP threads (0 = all cores)");
  check->add_option("--seed", options->seed, "Base seed of the checks' experiments");
  check->add_flag("-q,--quiet", options->quiet, "No progress output");
  check->footer("Example: sgdsmooth check --quick --mutants -o check.h5");
  check->callback([options] { check_command(*options); });
});

}  // namespace
}  // namespace sgds::app
