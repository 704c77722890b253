// sgdsmooth list [CATEGORY]: what a config can name, and the checks.
#include <set>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "apps/command.hpp"
#include "core/catalogue.hpp"
#include "core/config_table.hpp"

namespace sgds::app {
namespace {

void list_command(const std::string& category, bool details) {
  std::set<std::string> categories{"checks"};
  for (const auto& e : catalogue()) categories.insert(e.category);
  if (!category.empty() && !categories.count(category)) {
    const std::string guess = did_you_mean(category, categories);
    throw UsageError(fmt::format("list: unknown category '{}': expected one of {}{}", category,
                                 fmt::join(categories, ", "), guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
  }
  for (const auto& c : categories) {
    if (!category.empty() && c != category) continue;
    fmt::print("{}:\n", c);
    if (c == "checks") {
      for (const auto& check : check_registry())
        fmt::print("  {:<28} [{}] {}\n      mutants: {}{}\n", check.name, check.provenance, check.claim,
                   fmt::join(check.mutants, ", "),
                   check.accepts_problem ? "\n      --problem: can be pointed at your function" : "");
      continue;
    }
    for (const auto& e : catalogue()) {
      if (e.category != c) continue;
      fmt::print("  {:<28} {}\n", e.name, e.summary);
      if ((details || !category.empty()) && !e.details.empty()) fmt::print("      {}\n", e.details);
    }
  }
}

const RegisterCommand registered(40, [](CLI::App& cli) {
  auto category = std::make_shared<std::string>();
  auto details = std::make_shared<bool>(false);
  CLI::App* list = cli.add_subcommand("list", "List problems, noise models, schedules, optimizers and checks");
  list->add_option("category", *category, "Only this category (e.g. problems, checks)");
  list->add_flag("-d,--details", *details, "Show formulas and keys for every entry");
  list->callback([category, details] { list_command(*category, *details); });
});

}  // namespace
}  // namespace sgds::app
