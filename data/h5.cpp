#include "data/h5.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace sgds::h5 {

namespace {

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw H5Error("HDF5: " + what);
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw H5Error("HDF5: " + what);
}

Handle make_string_type() {
  Handle type(check(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
  check_status(H5Tset_size(type.id(), H5T_VARIABLE), "set string size");
  check_status(H5Tset_cset(type.id(), H5T_CSET_UTF8), "set string charset");
  return type;
}

Handle make_space(const std::vector<std::uint64_t>& shape) {
  if (shape.empty()) return Handle(check(H5Screate(H5S_SCALAR), "create scalar space"), H5Sclose);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return Handle(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "create space"),
                H5Sclose);
}

std::string join(const std::string& path, const std::string& name) {
  return path == "/" ? "/" + name : path + "/" + name;
}

void write_attribute(hid_t object, const std::string& object_path, const std::string& name, hid_t file_type,
                     hid_t memory_type, const std::vector<std::uint64_t>& shape, const void* data) {
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle space = make_space(shape);
  Handle attribute(check(H5Acreate2(object, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT),
                         "create attribute " + join(object_path, name)),
                   H5Aclose);
  check_status(H5Awrite(attribute.id(), memory_type, data), "write attribute " + join(object_path, name));
}

std::vector<std::uint64_t> space_shape(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

std::string type_label(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_FLOAT: return H5Tget_size(type) == 8 ? "float64" : "float32";
    case H5T_INTEGER:
      if (H5Tget_size(type) == 1) return "uint8";
      return H5Tget_sign(type) == H5T_SGN_NONE ? "uint" + std::to_string(8 * H5Tget_size(type))
                                               : "int" + std::to_string(8 * H5Tget_size(type));
    case H5T_STRING: return "string";
    default: return "other";
  }
}

}  // namespace

void silence_library_errors() {
  static const bool once = [] {
    // No library shutdown at exit: after a failed write (disk full) HDF5 1.10's exit handler
    // crashes closing the file it could not flush; the partial file is removed anyway.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = -1;
}

File File::create(const std::string& filename) {
  silence_library_errors();
  File file;
  file.filename_ = filename;
  // Track creation order off and no timestamps on objects: identical runs give identical bytes
  // apart from the attributes that record when and how the file was made.
  Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), "file creation properties"), H5Pclose);
  file.handle_ = Handle(check(H5Fcreate(filename.c_str(), H5F_ACC_TRUNC, fcpl.id(), H5P_DEFAULT),
                              "cannot create file '" + filename + "'"),
                        H5Fclose);
  return file;
}

File File::open_read(const std::string& filename) {
  silence_library_errors();
  if (H5Fis_hdf5(filename.c_str()) <= 0) throw H5Error(fmt::format("'{}' is not a readable HDF5 file", filename));
  File file;
  file.filename_ = filename;
  file.handle_ = Handle(check(H5Fopen(filename.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                              "cannot open file '" + filename + "'"),
                        H5Fclose);
  return file;
}

Group File::root() const {
  return Group(Handle(check(H5Gopen2(handle_.id(), "/", H5P_DEFAULT), "open root group"), H5Gclose), "/");
}

void File::flush() const { check_status(H5Fflush(handle_.id(), H5F_SCOPE_GLOBAL), "flush " + filename_); }

Group Group::create_group(const std::string& name) const {
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "group properties"), H5Pclose);
  hid_t id = H5Gcreate2(handle_.id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT);
  return Group(Handle(check(id, "create group " + join(path_, name)), H5Gclose), join(path_, name));
}

Group Group::open_group(const std::string& name) const {
  hid_t id = H5Gopen2(handle_.id(), name.c_str(), H5P_DEFAULT);
  return Group(Handle(check(id, "no group " + join(path_, name)), H5Gclose), join(path_, name));
}

bool Group::has(const std::string& name) const { return H5Lexists(handle_.id(), name.c_str(), H5P_DEFAULT) > 0; }

bool Group::is_group(const std::string& name) const {
  H5O_info_t info;
  if (H5Oget_info_by_name(handle_.id(), name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  check_status(H5Literate(handle_.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &names), "list " + path_);
  return names;
}

void Group::set_attribute(const std::string& name, const std::string& value) const {
  Handle type = make_string_type();
  const char* text = value.c_str();
  write_attribute(handle_.id(), path_, name, type.id(), type.id(), {}, &text);
}

void Group::set_attribute(const std::string& name, double value) const {
  write_attribute(handle_.id(), path_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
}

void Group::set_attribute(const std::string& name, std::int64_t value) const {
  write_attribute(handle_.id(), path_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &value);
}

void Group::set_attribute(const std::string& name, const std::vector<double>& values) const {
  write_attribute(handle_.id(), path_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {values.size()}, values.data());
}

void Group::set_attribute(const std::string& name, const std::vector<std::int64_t>& values) const {
  write_attribute(handle_.id(), path_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {values.size()}, values.data());
}

bool Group::has_attribute(const std::string& name) const { return H5Aexists(handle_.id(), name.c_str()) > 0; }

std::vector<std::string> Group::attribute_names() const {
  std::vector<std::string> names;
  auto visit = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  check_status(H5Aiterate2(handle_.id(), H5_INDEX_NAME, H5_ITER_INC, &index, visit, &names), "list attributes " + path_);
  return names;
}

std::string Group::attribute_string(const std::string& name) const {
  if (!has_attribute(name)) throw H5Error(fmt::format("HDF5: {} has no attribute '{}'", path_, name));
  Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  Handle file_type(check(H5Aget_type(attribute.id()), "attribute type"), H5Tclose);
  if (H5Tget_class(file_type.id()) != H5T_STRING)
    throw H5Error(fmt::format("HDF5: attribute {}@{} is not a string", path_, name));
  if (H5Tis_variable_str(file_type.id()) > 0) {
    Handle type = make_string_type();
    char* text = nullptr;
    check_status(H5Aread(attribute.id(), type.id(), &text), "read attribute " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(file_type.id());
  std::string value(size, '\0');
  check_status(H5Aread(attribute.id(), file_type.id(), value.data()), "read attribute " + name);
  value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
  return value;
}

double Group::attribute_double(const std::string& name) const {
  if (!has_attribute(name)) throw H5Error(fmt::format("HDF5: {} has no attribute '{}'", path_, name));
  Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  double value = 0.0;
  check_status(H5Aread(attribute.id(), H5T_NATIVE_DOUBLE, &value), "read attribute " + name);
  return value;
}

std::vector<std::int64_t> Group::attribute_int64s(const std::string& name) const {
  if (!has_attribute(name)) throw H5Error(fmt::format("HDF5: {} has no attribute '{}'", path_, name));
  Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  Handle space(check(H5Aget_space(attribute.id()), "attribute space"), H5Sclose);
  Handle file_type(check(H5Aget_type(attribute.id()), "attribute type"), H5Tclose);
  if (H5Tget_class(file_type.id()) != H5T_INTEGER)
    throw H5Error(fmt::format("HDF5: attribute {}@{} is not an integer array", path_, name));
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  std::vector<std::int64_t> values(static_cast<std::size_t>(std::max<hssize_t>(count, 0)));
  check_status(H5Aread(attribute.id(), H5T_NATIVE_INT64, values.data()), "read attribute " + name);
  return values;
}

std::string Group::attribute_as_text(const std::string& name) const {
  Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  Handle file_type(check(H5Aget_type(attribute.id()), "attribute type"), H5Tclose);
  Handle space(check(H5Aget_space(attribute.id()), "attribute space"), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  const bool scalar = H5Sget_simple_extent_ndims(space.id()) == 0;
  const H5T_class_t type_class = H5Tget_class(file_type.id());
  // A null dataspace (no value at all) also has rank 0: there is no values[0] to print.
  if (count <= 0 && (type_class == H5T_FLOAT || type_class == H5T_INTEGER)) return "[]";
  switch (type_class) {
    case H5T_STRING: return attribute_string(name);
    case H5T_FLOAT: {
      std::vector<double> values(static_cast<std::size_t>(count));
      check_status(H5Aread(attribute.id(), H5T_NATIVE_DOUBLE, values.data()), "read attribute " + name);
      return scalar ? fmt::format("{}", values[0]) : fmt::format("[{}]", fmt::join(values, ", "));
    }
    case H5T_INTEGER: {
      std::vector<std::int64_t> values(static_cast<std::size_t>(count));
      check_status(H5Aread(attribute.id(), H5T_NATIVE_INT64, values.data()), "read attribute " + name);
      return scalar ? fmt::format("{}", values[0]) : fmt::format("[{}]", fmt::join(values, ", "));
    }
    default: return "(unprintable)";
  }
}

namespace {

void write_dataset(hid_t group, const std::string& group_path, const std::string& name, hid_t file_type,
                   hid_t memory_type, const std::vector<std::uint64_t>& shape, std::size_t count, const void* data) {
  const std::uint64_t expected =
      std::accumulate(shape.begin(), shape.end(), std::uint64_t{1}, std::multiplies<std::uint64_t>());
  if (expected != count)
    throw H5Error(fmt::format("HDF5: dataset {} shape holds {} values, got {}", join(group_path, name), expected, count));
  Handle space = make_space(shape);
  Handle dataset(check(H5Dcreate2(group, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       "create dataset " + join(group_path, name)),
                 H5Dclose);
  if (count > 0)
    check_status(H5Dwrite(dataset.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                 "write dataset " + join(group_path, name));
}

Handle open_dataset(hid_t group, const std::string& group_path, const std::string& name) {
  return Handle(check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), "no dataset " + join(group_path, name)), H5Dclose);
}

}  // namespace

void Group::write(const std::string& name, const std::vector<double>& values,
                  const std::vector<std::uint64_t>& shape) const {
  write_dataset(handle_.id(), path_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, shape, values.size(), values.data());
}

void Group::write(const std::string& name, const std::vector<std::int64_t>& values,
                  const std::vector<std::uint64_t>& shape) const {
  write_dataset(handle_.id(), path_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, shape, values.size(), values.data());
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& values) const {
  Handle type = make_string_type();
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  write_dataset(handle_.id(), path_, name, type.id(), type.id(), {values.size()}, values.size(), pointers.data());
}

std::vector<double> Group::read_doubles(const std::string& name) const {
  Handle dataset = open_dataset(handle_.id(), path_, name);
  Handle space(check(H5Dget_space(dataset.id()), "dataset space"), H5Sclose);
  std::vector<double> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id())));
  if (!values.empty())
    check_status(H5Dread(dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                 "read dataset " + join(path_, name));
  return values;
}

std::vector<std::int64_t> Group::read_int64s(const std::string& name) const {
  Handle dataset = open_dataset(handle_.id(), path_, name);
  Handle space(check(H5Dget_space(dataset.id()), "dataset space"), H5Sclose);
  std::vector<std::int64_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id())));
  if (!values.empty())
    check_status(H5Dread(dataset.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                 "read dataset " + join(path_, name));
  return values;
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  Handle dataset = open_dataset(handle_.id(), path_, name);
  Handle space(check(H5Dget_space(dataset.id()), "dataset space"), H5Sclose);
  Handle type = make_string_type();
  std::vector<char*> pointers(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id())), nullptr);
  if (!pointers.empty())
    check_status(H5Dread(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                 "read dataset " + join(path_, name));
  std::vector<std::string> values;
  for (char* p : pointers) {
    values.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return values;
}

DatasetInfo Group::dataset_info(const std::string& name) const {
  Handle dataset = open_dataset(handle_.id(), path_, name);
  Handle space(check(H5Dget_space(dataset.id()), "dataset space"), H5Sclose);
  Handle type(check(H5Dget_type(dataset.id()), "dataset type"), H5Tclose);
  return DatasetInfo{space_shape(space.id()), type_label(type.id())};
}

void Group::set_dataset_attribute(const std::string& dataset_name, const std::string& name,
                                  const std::string& value) const {
  Handle dataset = open_dataset(handle_.id(), path_, dataset_name);
  Handle type = make_string_type();
  const char* text = value.c_str();
  write_attribute(dataset.id(), join(path_, dataset_name), name, type.id(), type.id(), {}, &text);
}

void Group::make_dimension_scale(const std::string& scale, const std::string& dimension_name) const {
  Handle dataset = open_dataset(handle_.id(), path_, scale);
  check_status(H5DSset_scale(dataset.id(), dimension_name.c_str()), "make dimension scale " + join(path_, scale));
}

void Group::attach_dimension_scale(const std::string& dataset_name, const std::string& scale, unsigned axis) const {
  Handle dataset = open_dataset(handle_.id(), path_, dataset_name);
  Handle scale_set = open_dataset(handle_.id(), path_, scale);
  check_status(H5DSattach_scale(dataset.id(), scale_set.id(), axis),
               fmt::format("attach scale {} to {} axis {}", scale, join(path_, dataset_name), axis));
}

}  // namespace sgds::h5
