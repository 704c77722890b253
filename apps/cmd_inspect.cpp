// sgdsmooth inspect FILE.h5: provenance, experiments with their parameters, checks, shapes.
#include <cstdio>
#include <system_error>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/isolated_read.hpp"
#include "data/output_path.hpp"
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

void print_file(const ResultReader& reader, const std::string& filename) {
  const ResultFileSummary summary = reader.summary();
  fmt::print("{}: sgdsmooth {} result file, schema {}.{}, {}\n", filename, summary.kind, summary.schema_major,
             summary.schema_minor, describe(reader.seal()));
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

void inspect_command(const std::string& filename) {
  SealCheck seal;
  try {
    require_regular_file(filename, "result file");
    seal = check_seal(filename);
  } catch (const std::system_error& e) {
    throw ResultFileError(fmt::format("cannot read '{}': {}", filename, e.code().message()));
  }
  if (seal.state != SealState::unsealed) {  // sealed: this program's own bytes; broken: refused by the reader
    const ResultReader reader(filename);
    print_file(reader, filename);
    return;
  }
  // A file this sgdsmooth did not seal is opened only in a child (data/isolated_read.hpp); what
  // it prints is shown once it has read everything without dying.
  const h5::IsolatedRun run = h5::run_isolated(
      [&] {
        try {
          const ResultReader reader(filename);
          print_file(reader, filename);
          return 0;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "%s", e.what());
          return 2;
        }
      },
      h5::trial_cpu_seconds(filename) * 4, h5::trial_wall_seconds(filename) * 4);
  if (!run.started)
    throw ResultFileError(fmt::format("'{}': cannot start a process to read it in; not read", filename));
  if (!run.exited || run.exit_status != 0)
    throw ResultFileError(
        run.exited && run.exit_status == 2 && !run.err.empty()
            ? run.err
            : fmt::format("'{}': corrupted HDF5 file (reading it {}); not read", filename, run.failure()));
  std::fwrite(run.out.data(), 1, run.out.size(), stdout);
}

const RegisterCommand registered(30, [](CLI::App& cli) {
  auto filename = std::make_shared<std::string>();
  CLI::App* inspect = cli.add_subcommand("inspect", "Print a result file's provenance, groups, parameters and shapes");
  inspect->add_option("file", *filename, "Result file (HDF5)")->required();
  inspect->callback([filename] { inspect_command(*filename); });
});

}  // namespace
}  // namespace sgds::app
