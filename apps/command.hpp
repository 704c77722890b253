#pragma once
// Subcommands register themselves: each apps/cmd_*.cpp holds one RegisterCommand that adds its
// CLI11 subcommand, so adding a command never touches main.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sgds::app {

// Bad input from the user (not a config key): one line, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandRegistration {
  int order;  // position in --help
  std::function<void(CLI::App&)> add;
};

std::vector<CommandRegistration>& command_registry();

struct RegisterCommand {
  RegisterCommand(int order, std::function<void(CLI::App&)> add);
};

// The command line as typed, for provenance.
const std::string& command_line();

// Apply --threads (0 = OpenMP default) and return the thread count in effect. Refuses more than
// kThreadsPerCore threads per core (UsageError).
inline constexpr int kThreadsPerCore = 4;
int apply_thread_count(int threads);

// --seed TEXT: an integer in [0, 2^32), else UsageError; empty TEXT (not given): nullopt.
std::optional<std::uint32_t> parse_seed_option(const std::string& text);

}  // namespace sgds::app
