#include "sim/sweep/sweep_merge.hpp"

#include <fmt/format.h>

#include "data/result_file.hpp"
#include "sim/sweep/point_file.hpp"
#include "sim/sweep/sweep_directory.hpp"
#include "sim/sweep/sweep_error.hpp"

namespace sgds {

namespace {

// The values of one axis key over all points, typed: int64 if all are integers, float64 if all
// are numbers, else their TOML text.
void write_coordinate(const h5::Group& sweep, const std::string& name, const std::string& key,
                      const std::vector<std::string>& texts) {
  std::vector<std::int64_t> integers;
  std::vector<double> numbers;
  bool all_integer = true, all_number = true;
  for (const auto& text : texts) {
    const toml::table parsed = parse_config_text("v = " + text, "coordinate");
    const toml::node& v = *parsed.get("v");
    if (auto i = v.as_integer()) {
      integers.push_back(i->get());
      numbers.push_back(static_cast<double>(i->get()));
    } else if (auto f = v.as_floating_point()) {
      all_integer = false;
      numbers.push_back(f->get());
    } else {
      all_integer = all_number = false;
    }
  }
  const std::uint64_t n = texts.size();
  if (all_integer) sweep.write(name, integers, {n});
  else if (all_number) sweep.write(name, numbers, {n});
  else sweep.write_strings(name, texts);
  sweep.set_dataset_attribute(name, "key", key);
  sweep.attach_dimension_scale(name, "point", 0);
}

void write_merged(const SweepDirectory& folder, const SweepSpec& spec, const std::vector<std::int64_t>& completed,
                  const SweepMergeSummary& summary, const std::string& output, const std::string& command_line);

}  // namespace

SweepMergeSummary merge_sweep(const std::string& directory, const std::string& output, bool allow_incomplete,
                              const std::string& command_line) {
  const SweepDirectory folder(directory);
  const SweepSpec spec = folder.read_manifest();
  const std::int64_t points = spec.points();

  SweepMergeSummary summary;
  summary.points = points;
  std::vector<std::int64_t> completed(static_cast<std::size_t>(points), 0);
  std::int64_t first_missing = -1;
  for (std::int64_t p = 0; p < points; ++p) {
    completed[static_cast<std::size_t>(p)] = folder.point_complete(p) ? 1 : 0;
    summary.complete += completed[static_cast<std::size_t>(p)];
    if (!completed[static_cast<std::size_t>(p)] && first_missing < 0) first_missing = p;
  }
  if (summary.complete < points && !allow_incomplete)
    throw SweepError(fmt::format(
        "sweep folder '{}' is incomplete: {} of {} points missing (first: point {}); run the missing shards or "
        "sgdsmooth sweep --resume, or merge with --allow-incomplete",
        directory, points - summary.complete, points, first_missing));

  // Every point is checked (seal, sweep, index, seed, config) before anything is written.
  for (std::int64_t p = 0; p < points; ++p)
    if (completed[static_cast<std::size_t>(p)]) verify_sweep_point(folder.point_path(p), spec, p);

  try {
    write_merged(folder, spec, completed, summary, output, command_line);
  } catch (const h5::H5Error& e) {  // the writer is gone by now, and its partial file with it
    throw SweepError(fmt::format("cannot write '{}': {}; nothing was written", output, e.what()));
  }
  return summary;
}

namespace {

void write_merged(const SweepDirectory& folder, const SweepSpec& spec, const std::vector<std::int64_t>& completed,
                  const SweepMergeSummary& summary, const std::string& output, const std::string& command_line) {
  const std::int64_t points = spec.points();
  ResultWriter writer(output, ResultKind::sweep,
                      Provenance{command_line, spec.canonical_text(), spec.seed(),
                                 "merged from per-point files (each point's device: /points/PNAME@device)"});

  // /sweep: one row per point, complete or not.
  const h5::Group sweep = writer.top_group("sweep");
  sweep.set_attribute("points", points);
  sweep.set_attribute("cells", spec.cells());
  sweep.set_attribute("replicates", spec.replicates());
  sweep.set_attribute("complete_points", summary.complete);
  std::vector<std::int64_t> index(static_cast<std::size_t>(points)), cell(index.size()), replicate(index.size()),
      seed(index.size()), done = completed;
  const std::vector<std::string> keys = spec.axis_keys();
  std::vector<std::vector<std::string>> coordinates(keys.size());
  for (std::int64_t p = 0; p < points; ++p) {
    const SweepPoint point = spec.point(p);
    const auto i = static_cast<std::size_t>(p);
    index[i] = p;
    cell[i] = point.cell;
    replicate[i] = point.replicate;
    seed[i] = point.seed;
    for (std::size_t k = 0; k < keys.size(); ++k)
      coordinates[k].push_back(point.assignments[k].substr(keys[k].size() + 1));  // "key=value" -> value
  }
  const std::uint64_t n = index.size();
  sweep.write("point", index, {n});
  sweep.make_dimension_scale("point", "point");
  for (const auto& [name, values] : {std::pair{"cell", &cell}, std::pair{"replicate", &replicate},
                                     std::pair{"seed", &seed}, std::pair{"completed", &done}}) {
    sweep.write(name, *values, {n});
    sweep.attach_dimension_scale(name, "point", 0);
  }
  if (!keys.empty()) {
    sweep.write_strings("axis_key", keys);
    sweep.make_dimension_scale("axis_key", "axis");  // xarray and netCDF name the axis
  }
  for (std::size_t k = 0; k < keys.size(); ++k)
    write_coordinate(sweep, fmt::format("coordinate{}", k), keys[k], coordinates[k]);

  // /points/PNAME: each complete point as its file holds it: every experiment group copied whole
  // (datasets, attributes, checksums and dimension scales as written), and the file's root and
  // /sweep_point attributes on the point's group.
  const h5::Group groups = writer.top_group("points");
  for (std::int64_t p = 0; p < points; ++p) {
    if (!completed[static_cast<std::size_t>(p)]) continue;
    const ResultReader point(folder.point_path(p));
    const h5::Group root = point.root();
    const h5::Group group = groups.create_group(fmt::format("p{:07d}", p));
    root.copy_attributes_to(group, {"filetype", "schema_version", "result_kind"});
    root.open_group("sweep_point").copy_attributes_to(group);
    const h5::Group experiments = root.open_group("experiments");
    for (const auto& name : experiments.children()) group.copy_from(experiments, name, name);
  }
  writer.commit();
}

}  // namespace

}  // namespace sgds
