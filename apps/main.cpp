// sgdsmooth: Monte Carlo checks of the theory that SGD smooths nonconvex functions.
#include <algorithm>
#include <cstdio>
#include <thread>

#include <omp.h>
#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/h5.hpp"
#include "data/interruption.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "core/config_table.hpp"

namespace sgds::app {

std::vector<CommandRegistration>& command_registry() {
  static std::vector<CommandRegistration> registry;
  return registry;
}

RegisterCommand::RegisterCommand(int order, std::function<void(CLI::App&)> add) {
  command_registry().push_back({order, std::move(add)});
}

namespace {
std::string typed_command_line;
}

const std::string& command_line() { return typed_command_line; }

int apply_thread_count(int threads) {
  const int cores = std::max(1, omp_get_num_procs());
  if (threads < 0 || threads > kThreadsPerCore * cores)
    throw UsageError(fmt::format("--threads {}: expected an integer in [0, {}] (0 = all {} cores; at most {} per core)",
                                 threads, kThreadsPerCore * cores, cores, kThreadsPerCore));
  if (threads > 0) omp_set_num_threads(threads);
  return omp_get_max_threads();
}

std::optional<std::uint32_t> parse_seed_option(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const bool digits = text.size() <= 10 && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoull(text) > 0xFFFFFFFFull)
    throw UsageError(fmt::format("--seed {}: expected an integer in [0, 4294967295]", text));
  return static_cast<std::uint32_t>(std::stoull(text));
}

}  // namespace sgds::app

int main(int argc, char** argv) {
  using namespace sgds;
  interruption::install_handlers();
  for (int i = 0; i < argc; ++i) app::typed_command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App cli{
      "sgdsmooth: Monte Carlo checks, with error bars, of the theory that SGD with learning rate eta and batch "
      "size b behaves like gradient descent on a smoothed function with delta = eta C / sqrt(b)."};
  cli.set_version_flag("--version", fmt::format("sgdsmooth {} ({})", tool_version(), git_revision()));
  cli.require_subcommand(1);
  cli.footer(R"(Examples:
  sgdsmooth check --quick -o results/check_quick.h5   run the validation checks (small samples)
  sgdsmooth run configs/tracer.toml -o tracer.h5        run the experiments of a config
  sgdsmooth run configs/tracer.toml --set experiment.0.schedule.eta=0.05 --threads 2
  sgdsmooth inspect tracer.h5                           provenance, groups, parameters, shapes
  sgdsmooth list functions                              what a config can name (also kernels, schedules, checks, ...)
  sgdsmooth smooth --function rastrigin --dim 1 --kernel gaussian --delta 0.5 --points "0;0.5"
  sgdsmooth sweep configs/sweep_example.toml -o runs/example && sgdsmooth merge runs/example -o example.h5
  sgdsmooth train configs/nn_sanity_mlp.toml -o mlp.h5  K network replicas on Fashion-MNIST
  sgdsmooth report tracer.h5 -o figures/                every figure as PNG plus report.md
Exit status: 0 success, 1 a failed check or internal error, 2 bad input (one line names it).)");

  auto& registry = app::command_registry();
  std::sort(registry.begin(), registry.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& command : registry) command.add(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand's chosen exit status (e.g. 1 for a failed check)
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s (see sgdsmooth --help)\n", e.what());
    return 2;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s\n", e.what());
    return 2;
  } catch (const app::UsageError& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s\n", e.what());
    return 2;
  } catch (const ResultFileError& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s\n", e.what());
    return 2;
  } catch (const PathError& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s\n", e.what());
    return 2;
  } catch (const h5::H5Error& e) {
    std::fprintf(stderr, "sgdsmooth: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgdsmooth: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
