#include "sim/sweep/sweep_spec.hpp"

#include <set>
#include <sstream>

#include <fmt/format.h>

#include "sim/resource_estimate.hpp"

#include "core/rng.hpp"

namespace sgds {

namespace {

// A value as TOML text that parses back to the same bits. Floats in their shortest round-trip
// form (0.05, not toml++'s 0.050000000000000003), so progress lines and coordinates read well.
std::string toml_text(const toml::node& node) {
  if (const auto* f = node.as_floating_point()) {
    std::string text = fmt::format("{}", f->get());
    if (text.find_first_of(".eEna") == std::string::npos) text += ".0";  // 2 -> 2.0; nan, inf stay
    return text;
  }
  std::ostringstream out;
  node.visit([&](const auto& value) { out << value; });
  return out.str();
}

// One axis per key of `table` (grid) or one axis holding all its keys (zip).
std::vector<SweepAxis> read_axes(const toml::table& raw, ConfigTable& checked, bool zipped) {
  if (raw.empty())
    throw ConfigError(fmt::format("config: key '{}' = {{}}: expected a table of at least one \"dotted.key\" = [values]",
                                  checked.path()));
  std::vector<SweepAxis> axes;
  std::string first_key;
  for (const auto& [key_view, node] : raw) {
    const std::string key(key_view.str());
    if (key == "seed" || key.rfind("seed.", 0) == 0)
      checked.fail(key, describe_value(node),
                   "a key of the run config other than seed (each point's seed comes from seed, cell and replicate; "
                   "use sweep.replicates)");
    if (key.rfind("sweep", 0) == 0) checked.fail(key, describe_value(node), "a key of the run config, not of [sweep]");
    const toml::array* values = node.as_array();
    if (!values || values->empty()) checked.fail(key, describe_value(node), "a non-empty array of values");
    std::vector<std::string> texts;
    for (const auto& value : *values) texts.push_back(toml_text(value));
    if (zipped) {
      if (axes.empty()) {
        axes.emplace_back();
        first_key = key;
      } else if (texts.size() != axes.front().length()) {
        checked.fail(key, fmt::format("{} ({} values)", describe_value(node), texts.size()),
                     fmt::format("{} values, as many as '{}' (zipped lists vary together)", axes.front().length(),
                                 checked.key_path(first_key)));
      }
      axes.front().keys.push_back(key);
      axes.front().values.push_back(std::move(texts));
    } else {
      axes.push_back(SweepAxis{{key}, {std::move(texts)}});
    }
  }
  return axes;
}

}  // namespace

std::uint32_t sweep_point_seed(std::uint32_t sweep_seed, std::int64_t cell, std::int64_t replicate) {
  return philox_block(sweep_seed, static_cast<std::uint32_t>(cell), static_cast<std::uint64_t>(replicate), 0,
                      StreamPurpose::sweep_point_seed)
      .v[0];
}

SweepSpec SweepSpec::parse(const toml::table& document) {
  SweepSpec spec;
  ConfigTable top(document, "");
  spec.seed_ = static_cast<std::uint32_t>(top.integer("seed", 0, 0xFFFFFFFFll, 1));
  ConfigTable sweep = top.table("sweep", true);
  spec.replicates_ = sweep.integer("replicates", 1, 100000, 1);
  const toml::table& raw_sweep = *document.get("sweep")->as_table();

  std::set<std::string> grid_keys;
  if (sweep.has("grid")) {
    ConfigTable grid = sweep.table("grid");
    spec.axes_ = read_axes(*raw_sweep.get("grid")->as_table(), grid, false);
    for (const auto& axis : spec.axes_) grid_keys.insert(axis.keys.front());
  }
  if (sweep.has("zip")) {
    ConfigTable zip = sweep.table("zip");
    const toml::table& raw_zip = *raw_sweep.get("zip")->as_table();
    for (const auto& [key, node] : raw_zip)
      if (grid_keys.count(std::string(key.str())))
        zip.fail(std::string(key.str()), describe_value(node), "a key not also in sweep.grid (duplicate axis)");
    for (auto& axis : read_axes(raw_zip, zip, true)) spec.axes_.push_back(std::move(axis));
  }
  sweep.finish();
  if (spec.axes_.empty() && spec.replicates_ == 1)
    sweep.fail("grid", "(missing)", "sweep.grid or sweep.zip with at least one key, or sweep.replicates > 1");

  double cells = 1.0;  // in floating point first, so a huge grid cannot overflow the check
  for (const auto& axis : spec.axes_) cells *= static_cast<double>(axis.length());
  if (cells * static_cast<double>(spec.replicates_) > static_cast<double>(kMaxSweepPoints))
    sweep.fail("replicates",
               fmt::format("{} (x {:.0f} cells = {:.0f} points)", spec.replicates_, cells,
                           cells * static_cast<double>(spec.replicates_)),
               fmt::format("at most {} points in one sweep", kMaxSweepPoints));
  spec.cells_ = static_cast<std::int64_t>(cells);

  spec.base_ = document;
  spec.base_.erase("sweep");
  spec.canonical_text_ = to_toml_text(document);

  // Validate every cell's run config now: no point runs unless all of them are valid.
  for (std::int64_t cell = 0; cell < spec.cells_; ++cell) {
    const SweepPoint point = spec.point(cell * spec.replicates_);
    try {
      refuse_beyond_resources(spec.point_config(point));  // memory: each point runs in one process
    } catch (const ConfigError& e) {
      throw ConfigError(
          fmt::format("sweep point {} ({}): {}", point.index, fmt::join(point.assignments, ", "), e.what()));
    }
  }
  return spec;
}

std::vector<std::string> SweepSpec::axis_keys() const {
  std::vector<std::string> keys;
  for (const auto& axis : axes_) keys.insert(keys.end(), axis.keys.begin(), axis.keys.end());
  return keys;
}

SweepPoint SweepSpec::point(std::int64_t index) const {
  if (index < 0 || index >= points())
    throw std::out_of_range(fmt::format("sweep point {} out of range [0, {})", index, points()));
  SweepPoint point;
  point.index = index;
  point.cell = index / replicates_;
  point.replicate = index % replicates_;
  point.seed = sweep_point_seed(seed_, point.cell, point.replicate);
  // Row-major: the last axis varies fastest.
  std::vector<std::size_t> position(axes_.size());
  std::int64_t rest = point.cell;
  for (std::size_t a = axes_.size(); a-- > 0;) {
    const auto length = static_cast<std::int64_t>(axes_[a].length());
    position[a] = static_cast<std::size_t>(rest % length);
    rest /= length;
  }
  for (std::size_t a = 0; a < axes_.size(); ++a)
    for (std::size_t k = 0; k < axes_[a].keys.size(); ++k)
      point.assignments.push_back(axes_[a].keys[k] + "=" + axes_[a].values[k][position[a]]);
  return point;
}

toml::table SweepSpec::point_document(const SweepPoint& point) const {
  toml::table document = base_;
  for (const auto& assignment : point.assignments) apply_override(document, assignment);
  apply_override(document, fmt::format("seed={}", point.seed));
  return document;
}

RunConfig SweepSpec::point_config(const SweepPoint& point) const { return parse_run_config(point_document(point)); }

}  // namespace sgds
