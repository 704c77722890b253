// sgdsmooth inspect FILE.h5: provenance, experiments with their parameters, checks, shapes.
#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/result_file.hpp"

namespace sgds::app {
namespace {

std::string shape_text(const h5::DatasetInfo& info) {
  std::vector<std::string> dims;
  for (auto d : info.shape) dims.push_back(std::to_string(d));
  return fmt::format("{} [{}]", info.type, fmt::join(dims, " x "));
}

void print_group(const h5::Group& group, const std::string& indent) {
  for (const auto& attribute : group.attribute_names()) {
    std::string value = group.attribute_as_text(attribute);
    if (value.find('\n') != std::string::npos || value.size() > 100) value = value.substr(0, value.find('\n')) + " ...";
    fmt::print("{}@{} = {}\n", indent, attribute, value);
  }
  for (const auto& child : group.children()) {
    if (group.is_group(child)) {
      fmt::print("{}{}/\n", indent, child);
      print_group(group.open_group(child), indent + "  ");
    } else {
      fmt::print("{}{}: {}\n", indent, child, shape_text(group.dataset_info(child)));
    }
  }
}

void inspect_command(const std::string& filename) {
  ResultReader reader(filename);
  const ResultFileSummary summary = reader.summary();
  fmt::print("{}: sgdsmooth result file, schema {}.{}\n", filename, summary.schema_major, summary.schema_minor);
  fmt::print("provenance:\n");
  for (const auto& [name, value] : summary.root_attributes) {
    if (name == "config") continue;
    fmt::print("  {} = {}\n", name, value);
  }
  fmt::print("config:\n");
  const h5::Group root = reader.root();
  std::string config = root.attribute_string("config");
  std::size_t start = 0;
  while (start < config.size()) {
    const std::size_t end = config.find('\n', start);
    fmt::print("  | {}\n", config.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (const auto& child : root.children()) {
    if (!root.is_group(child)) continue;
    fmt::print("{}/\n", child);
    print_group(root.open_group(child), "  ");
  }
}

const RegisterCommand registered(30, [](CLI::App& cli) {
  auto filename = std::make_shared<std::string>();
  CLI::App* inspect = cli.add_subcommand("inspect", "Print a result file's provenance, groups, parameters and shapes");
  inspect->add_option("file", *filename, "Result file (HDF5)")->required();
  inspect->callback([filename] { inspect_command(*filename); });
});

}  // namespace
}  // namespace sgds::app
