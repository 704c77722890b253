#include "sim/sweep/point_file.hpp"

#include <fmt/format.h>

#include "data/result_file.hpp"
#include "sim/sweep/sweep_error.hpp"

namespace sgds {

namespace {

constexpr const char* kPointGroup = "sweep_point";
constexpr const char* kMeanPrefix = "mean over alive trajectories of ";  // as write_experiment_group words it

// Reads one attribute of an HDF5 object back into the ParameterValue it was written from.
// Booleans were stored as int64 and come back as int64; they are written identically.
ParameterValue read_parameter(const h5::Group& group, const std::string& name) {
  const hid_t attribute = H5Aopen(group.id(), name.c_str(), H5P_DEFAULT);
  if (attribute < 0) throw h5::H5Error(fmt::format("HDF5: cannot open attribute {}@{}", group.path(), name));
  const hid_t type = H5Aget_type(attribute);
  const hid_t space = H5Aget_space(attribute);
  const H5T_class_t type_class = H5Tget_class(type);
  const int rank = H5Sget_simple_extent_ndims(space);
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  ParameterValue value;
  herr_t status = 0;
  bool supported = count >= 1 && rank >= 0 && rank <= 1;
  if (supported && type_class == H5T_FLOAT) {
    std::vector<double> values(static_cast<std::size_t>(count));
    status = H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data());
    if (rank == 0) value = values.front();
    else value = std::move(values);
  } else if (supported && type_class == H5T_INTEGER && rank == 0) {
    std::int64_t v = 0;
    status = H5Aread(attribute, H5T_NATIVE_INT64, &v);
    value = v;
  } else if (!(supported && type_class == H5T_STRING && rank == 0)) {
    supported = false;
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(attribute);
  if (!supported) throw h5::H5Error(fmt::format("HDF5: attribute {}@{} is not a parameter value", group.path(), name));
  if (status < 0) throw h5::H5Error(fmt::format("HDF5: cannot read attribute {}@{}", group.path(), name));
  if (type_class == H5T_STRING) value = group.attribute_string(name);
  return value;
}

std::string dataset_description(const h5::Group& group, const std::string& dataset) {
  const hid_t id = H5Dopen2(group.id(), dataset.c_str(), H5P_DEFAULT);
  if (id < 0) throw h5::H5Error(fmt::format("HDF5: no dataset {}/{}", group.path(), dataset));
  // A dataset carries attributes like a group; reuse the group reader through a borrowed handle.
  const h5::Group view(h5::Handle(id, H5Dclose), group.path() + "/" + dataset);
  return view.attribute_string("description");
}

std::int64_t int_attribute(const h5::Group& group, const std::string& name) {
  const auto values = group.attribute_int64s(name);
  if (values.size() != 1) throw h5::H5Error(fmt::format("HDF5: {}@{} is not one integer", group.path(), name));
  return values.front();
}

}  // namespace

void write_point_file(const std::string& filename, const PointRecord& record, const std::string& command_line) {
  ResultWriter writer(filename, ResultKind::sweep_point,
                      Provenance{command_line, record.config_text, record.point.seed, record.device});
  const h5::Group info = writer.top_group(kPointGroup);
  info.set_attribute("point", record.point.index);
  info.set_attribute("cell", record.point.cell);
  info.set_attribute("replicate", record.point.replicate);
  info.set_attribute("seed", static_cast<std::int64_t>(record.point.seed));
  info.set_attribute("computed_by", record.computed_by);
  for (const auto& experiment : record.experiments) writer.write_experiment(experiment);
  writer.commit();
}

PointRecord read_point_file(const std::string& filename) {
  const ResultReader reader(filename);
  if (reader.seal().state != SealState::sealed)
    throw ResultFileError(
        fmt::format("'{}' has no seal (written by an older sgdsmooth, or not by sgdsmooth): a point "
                    "is trusted only sealed",
                    filename));
  if (reader.kind() != kind_name(ResultKind::sweep_point))
    throw ResultFileError(fmt::format("'{}' is an sgdsmooth {} result, not a sweep point", filename, reader.kind()));
  const h5::Group root = reader.root();
  PointRecord record;
  record.config_text = root.attribute_string("config");
  record.device = root.attribute_string("device");
  record.created = root.attribute_string("created");
  if (!root.has(kPointGroup))
    throw ResultFileError(
        fmt::format("'{}' is a result file but not a sweep point (no /{} group)", filename, kPointGroup));
  const h5::Group info = root.open_group(kPointGroup);
  record.point.index = int_attribute(info, "point");
  record.point.cell = int_attribute(info, "cell");
  record.point.replicate = int_attribute(info, "replicate");
  record.point.seed = static_cast<std::uint32_t>(int_attribute(info, "seed"));
  record.computed_by = info.attribute_string("computed_by");

  const h5::Group experiments = root.open_group("experiments");
  for (const auto& name : experiments.children()) {
    ExperimentResult result = reader.read_experiment(name);
    const h5::Group group = experiments.open_group(name);
    for (const auto& attribute : group.attribute_names())
      result.parameters[attribute] = read_parameter(group, attribute);
    for (auto& series : result.series) {
      const std::string description = dataset_description(group, series.name + "_mean");
      if (description.rfind(kMeanPrefix, 0) != 0)
        throw ResultFileError(
            fmt::format("'{}': {}/{}_mean has an unexpected description", filename, name, series.name));
      series.description = description.substr(std::string(kMeanPrefix).size());
    }
    record.experiments.push_back(std::move(result));
  }
  return record;
}

void verify_sweep_point(const std::string& filename, const SweepSpec& spec, std::int64_t index) {
  const SweepPoint point = spec.point(index);
  try {
    const ResultReader reader(filename);
    if (reader.seal().state != SealState::sealed || reader.kind() != kind_name(ResultKind::sweep_point))
      throw ResultFileError(reader.seal().state != SealState::sealed
                                ? "no seal: written by an older sgdsmooth, or not by sgdsmooth"
                                : "an sgdsmooth " + reader.kind() + " result, not a sweep point");
    const h5::Group root = reader.root();
    if (!root.has(kPointGroup)) throw ResultFileError("no /sweep_point group");
    const h5::Group info = root.open_group(kPointGroup);
    if (int_attribute(info, "point") != index || int_attribute(info, "cell") != point.cell ||
        int_attribute(info, "replicate") != point.replicate || int_attribute(info, "seed") != point.seed ||
        root.attribute_string("config") != to_toml_text(spec.point_document(point)))
      throw SweepError(
          fmt::format("sweep point file '{}' does not belong to this sweep (its point, seed or config "
                      "differ from point {} of the folder's sweep.toml)",
                      filename, index));
  } catch (const SweepError&) {
    throw;
  } catch (const std::exception& e) {
    // The reader's message names the file first: said once here.
    std::string why = e.what();
    const std::string named = "'" + filename + "'";
    if (why.rfind(named, 0) == 0) why = why.substr(named.size());
    while (!why.empty() && (why.front() == ':' || why.front() == ' ')) why.erase(0, 1);
    if (why.rfind("is ", 0) == 0) why.erase(0, 3);
    throw SweepError(
        fmt::format("sweep point file '{}' cannot be trusted ({}); delete it and run sgdsmooth sweep "
                    "--resume to compute it again",
                    filename, why));
  }
}

}  // namespace sgds
