#include "data/h5.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
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

// A write that failed in the file driver leaves the system's reason in errno (libhdf5 clears
// nothing): "No space left on device" is the message a user needs, not HDF5's stack.
void check_write(herr_t status, const std::string& what) {
  if (status >= 0) return;
  const int error = errno;
  if (error != 0) throw H5Error(fmt::format("HDF5: {}: {}", what, std::strerror(error)));
  throw H5Error("HDF5: " + what);
}

// An object made while writing: its failure carries errno's reason too (see check_write).
hid_t check_created(hid_t id, const std::string& what) {
  if (id >= 0) return id;
  check_write(-1, what);
  return id;
}

// Chunks of at most about 1 MiB (Fletcher32 checksums each chunk): the leading axes are cut
// down first, the last axis only when one row alone is larger.
std::vector<hsize_t> chunk_shape(const std::vector<std::uint64_t>& shape, std::size_t element_bytes) {
  constexpr std::uint64_t kChunkBytes = 1 << 20;
  std::vector<hsize_t> chunk(shape.begin(), shape.end());
  std::uint64_t bytes = element_bytes;
  for (auto d : shape) bytes *= d;
  for (std::size_t axis = 0; axis < chunk.size() && bytes > kChunkBytes; ++axis) {
    const std::uint64_t rest = bytes / chunk[axis];  // bytes of one slice along this axis
    const std::uint64_t keep = std::max<std::uint64_t>(1, kChunkBytes / std::max<std::uint64_t>(rest, 1));
    if (keep < chunk[axis]) {
      chunk[axis] = keep;
      bytes = rest * keep;
    }
  }
  return chunk;
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
  return Handle(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "create space"), H5Sclose);
}

std::string join(const std::string& path, const std::string& name) {
  return path == "/" ? "/" + name : path + "/" + name;
}

void write_attribute(hid_t object, const std::string& object_path, const std::string& name, hid_t file_type,
                     hid_t memory_type, const std::vector<std::uint64_t>& shape, const void* data) {
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle space = make_space(shape);
  errno = 0;
  Handle attribute(check_created(H5Acreate2(object, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT),
                                 "create attribute " + join(object_path, name)),
                   H5Aclose);
  check_write(H5Awrite(attribute.id(), memory_type, data), "write attribute " + join(object_path, name));
}

std::vector<std::uint64_t> space_shape(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

std::string type_label(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return H5Tget_size(type) == 8 ? "float64" : "float32";
    case H5T_INTEGER:
      if (H5Tget_size(type) == 1) return "uint8";
      return H5Tget_sign(type) == H5T_SGN_NONE ? "uint" + std::to_string(8 * H5Tget_size(type))
                                               : "int" + std::to_string(8 * H5Tget_size(type));
    case H5T_STRING:
      return "string";
    default:
      return "other";
  }
}

}  // namespace

bool valid_group_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

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

namespace {

// The file format of HDF5 1.8 and later: superblock, object headers and B-trees carry checksums
// that libhdf5 verifies on every read. Closing the file closes every object still open in it
// (groups a caller still holds), so that after close the bytes on disk are final: the seal
// (data/file_seal.hpp) is taken then.
Handle checksummed_format() {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"), H5Pclose);
  check_status(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "set file format");
  check_status(H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG), "set close degree");
  return fapl;
}

}  // namespace

File File::create(const std::string& filename, std::uint64_t user_block) {
  silence_library_errors();
  File file;
  file.filename_ = filename;
  Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), "file creation properties"), H5Pclose);
  if (user_block > 0) check_status(H5Pset_userblock(fcpl.id(), user_block), "set user block");
  const Handle fapl = checksummed_format();
  errno = 0;
  file.handle_ = Handle(check_created(H5Fcreate(filename.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id()),
                                      "cannot create file '" + filename + "'"),
                        H5Fclose);
  return file;
}

File File::open_write(const std::string& filename) {
  silence_library_errors();
  File file;
  file.filename_ = filename;
  const Handle fapl = checksummed_format();
  file.handle_ = Handle(
      check(H5Fopen(filename.c_str(), H5F_ACC_RDWR, fapl.id()), "cannot open file '" + filename + "'"), H5Fclose);
  return file;
}

File File::open_read(const std::string& filename) {
  silence_library_errors();
  if (H5Fis_hdf5(filename.c_str()) <= 0) throw H5Error(fmt::format("'{}' is not a readable HDF5 file", filename));
  File file;
  file.filename_ = filename;
  file.handle_ = Handle(
      check(H5Fopen(filename.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open file '" + filename + "'"), H5Fclose);
  return file;
}

Group File::root() const {
  return Group(Handle(check(H5Gopen2(handle_.id(), "/", H5P_DEFAULT), "open root group"), H5Gclose), "/");
}

void File::flush() const {
  errno = 0;
  check_write(H5Fflush(handle_.id(), H5F_SCOPE_GLOBAL), "cannot write '" + filename_ + "'");
}

void File::close_checked() {
  if (!handle_.valid()) return;
  errno = 0;
  const herr_t status = H5Fclose(handle_.release());
  check_write(status, "cannot write '" + filename_ + "'");
}

Group Group::create_group(const std::string& name) const {
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "group properties"), H5Pclose);
  errno = 0;
  hid_t id = H5Gcreate2(handle_.id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT);
  return Group(Handle(check_created(id, "create group " + join(path_, name)), H5Gclose), join(path_, name));
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

void Group::delete_attribute(const std::string& name) const {
  if (has_attribute(name)) check_status(H5Adelete(handle_.id(), name.c_str()), "delete attribute " + join(path_, name));
}

void Group::copy_attributes_to(const Group& target, const std::vector<std::string>& skip) const {
  for (const auto& name : attribute_names()) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
    Handle type(check(H5Aget_type(attribute.id()), "attribute type"), H5Tclose);
    Handle space(check(H5Aget_space(attribute.id()), "attribute space"), H5Sclose);
    const bool scalar = H5Sget_simple_extent_ndims(space.id()) == 0;
    const hssize_t count = H5Sget_simple_extent_npoints(space.id());
    switch (H5Tget_class(type.id())) {
      case H5T_STRING:
        target.set_attribute(name, attribute_string(name));
        break;
      case H5T_FLOAT: {
        std::vector<double> values(static_cast<std::size_t>(std::max<hssize_t>(count, 0)));
        if (!values.empty())
          check_status(H5Aread(attribute.id(), H5T_NATIVE_DOUBLE, values.data()), "read attribute " + name);
        if (scalar && values.size() == 1) target.set_attribute(name, values[0]);
        else target.set_attribute(name, values);
        break;
      }
      case H5T_INTEGER: {
        std::vector<std::int64_t> values(static_cast<std::size_t>(std::max<hssize_t>(count, 0)));
        if (!values.empty())
          check_status(H5Aread(attribute.id(), H5T_NATIVE_INT64, values.data()), "read attribute " + name);
        if (scalar && values.size() == 1) target.set_attribute(name, values[0]);
        else target.set_attribute(name, values);
        break;
      }
      default:
        throw H5Error(fmt::format("HDF5: attribute {}@{} has a type sgdsmooth does not write", path_, name));
    }
  }
}

namespace {

// One attached dimension scale in a copied tree: dataset, axis and scale by their paths below the copy's root.
struct Attachment {
  std::string dataset, scale;
  unsigned axis;
};

std::string object_name(hid_t id) {
  const ssize_t size = H5Iget_name(id, nullptr, 0);
  if (size <= 0) return "";
  std::string name(static_cast<std::size_t>(size) + 1, '\0');
  H5Iget_name(id, name.data(), name.size());
  name.resize(static_cast<std::size_t>(size));
  return name;
}

// Every dataset under `id` (whose absolute path is `root`) with the scales attached to its axes.
void collect_attachments(hid_t id, const std::string& root, const std::string& relative, std::vector<Attachment>& out,
                         std::vector<std::string>& datasets) {
  H5O_info_t info;
  check_status(H5Oget_info(id, &info), "object info " + root + relative);
  if (info.type == H5O_TYPE_DATASET) {
    datasets.push_back(relative);
    Handle space(check(H5Dget_space(id), "dataset space"), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.id());
    for (int axis = 0; axis < rank; ++axis) {
      if (H5DSget_num_scales(id, static_cast<unsigned>(axis)) <= 0) continue;
      std::vector<std::string> scales;
      auto visit = [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(object_name(scale));
        return 0;
      };
      check_status(H5DSiterate_scales(id, static_cast<unsigned>(axis), nullptr, visit, &scales),
                   "list dimension scales of " + root + relative);
      for (const auto& scale : scales)
        if (scale.rfind(root + "/", 0) == 0)
          out.push_back({relative, scale.substr(root.size()), static_cast<unsigned>(axis)});
    }
    return;
  }
  if (info.type != H5O_TYPE_GROUP) return;
  std::vector<std::string> names;
  auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  check_status(H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &names), "list " + root + relative);
  for (const auto& name : names) {
    Handle child(check(H5Oopen(id, name.c_str(), H5P_DEFAULT), "open " + root + relative + "/" + name), H5Oclose);
    collect_attachments(child.id(), root, relative + "/" + name, out, datasets);
  }
}

}  // namespace

namespace {

constexpr const char* kScaleAttributes[] = {"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST"};

Group dataset_view(const Group& group, const std::string& name) {
  return Group(Handle(check(H5Dopen2(group.id(), name.c_str(), H5P_DEFAULT), "no dataset " + join(group.path(), name)),
                      H5Dclose),
               join(group.path(), name));
}

void copy_dataset(const Group& source, const std::string& name, const Group& target) {
  const DatasetInfo info = source.dataset_info(name);
  if (info.type == "float64" || info.type == "float32") target.write(name, source.read_doubles(name), info.shape);
  else if (info.type.rfind("int", 0) == 0 || info.type.rfind("uint", 0) == 0)
    target.write(name, source.read_int64s(name), info.shape);
  else if (info.type == "string" && info.shape.size() == 1) target.write_strings(name, source.read_strings(name));
  else
    throw H5Error(
        fmt::format("HDF5: dataset {} has a type or shape sgdsmooth does not write", join(source.path(), name)));
  const Group from = dataset_view(source, name), to = dataset_view(target, name);
  from.copy_attributes_to(to, {std::begin(kScaleAttributes), std::end(kScaleAttributes)});
  if (H5DSis_scale(from.id()) > 0) {
    const ssize_t size = H5DSget_scale_name(from.id(), nullptr, 0);
    std::string scale_name(static_cast<std::size_t>(std::max<ssize_t>(size, 0)) + 1, '\0');
    if (size > 0) H5DSget_scale_name(from.id(), scale_name.data(), scale_name.size());
    scale_name.resize(static_cast<std::size_t>(std::max<ssize_t>(size, 0)));
    target.make_dimension_scale(name, scale_name);
  }
}

void copy_tree(const Group& source, const Group& target) {
  source.copy_attributes_to(target);
  for (const auto& child : source.children()) {
    if (source.is_group(child)) copy_tree(source.open_group(child), target.create_group(child));
    else copy_dataset(source, child, target);
  }
}

}  // namespace

void Group::copy_from(const Group& source, const std::string& source_name, const std::string& name) const {
  // Copied by reading and writing each object, not by H5Ocopy: libhdf5 1.10's H5Ocopy crashes on
  // groups whose many string attributes are in dense storage, and leaves dimension scales copied
  // between files pointing nowhere. The copies are written as this writer writes everything.
  const std::string source_root = join(source.path(), source_name);
  std::vector<Attachment> attachments;
  std::vector<std::string> datasets;
  {
    Handle object(check(H5Oopen(source.id(), source_name.c_str(), H5P_DEFAULT), "open " + source_root), H5Oclose);
    collect_attachments(object.id(), source_root, "", attachments, datasets);
  }
  if (source.is_group(source_name)) copy_tree(source.open_group(source_name), create_group(name));
  else copy_dataset(source, source_name, *this);  // (a dataset copied under its own name)
  const std::string target_root = join(path_, name);
  for (const auto& a : attachments) {
    Handle dataset(check(H5Dopen2(handle_.id(), (name + a.dataset).c_str(), H5P_DEFAULT), "open " + a.dataset),
                   H5Dclose);
    Handle scale(check(H5Dopen2(handle_.id(), (name + a.scale).c_str(), H5P_DEFAULT), "open " + a.scale), H5Dclose);
    check_write(H5DSattach_scale(dataset.id(), scale.id(), a.axis),
                fmt::format("attach scale {} to {} axis {}", target_root + a.scale, target_root + a.dataset, a.axis));
  }
}

std::vector<std::string> Group::attribute_names() const {
  std::vector<std::string> names;
  auto visit = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  check_status(H5Aiterate2(handle_.id(), H5_INDEX_NAME, H5_ITER_INC, &index, visit, &names),
               "list attributes " + path_);
  return names;
}

namespace {

// H5Aread writes every value the attribute holds: reading an array attribute into one value's
// buffer would write past it, so a scalar read first checks that there is exactly one value.
void require_one_value(hid_t attribute, const std::string& group_path, const std::string& name, const char* what) {
  Handle space(check(H5Aget_space(attribute), "attribute space"), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  if (count != 1)
    throw H5Error(fmt::format("HDF5: attribute {}@{} holds {} values; expected one {}", group_path, name, count, what));
}

}  // namespace

std::string Group::attribute_string(const std::string& name) const {
  if (!has_attribute(name)) throw H5Error(fmt::format("HDF5: {} has no attribute '{}'", path_, name));
  Handle attribute(check(H5Aopen(handle_.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  Handle file_type(check(H5Aget_type(attribute.id()), "attribute type"), H5Tclose);
  if (H5Tget_class(file_type.id()) != H5T_STRING)
    throw H5Error(fmt::format("HDF5: attribute {}@{} is not a string", path_, name));
  require_one_value(attribute.id(), path_, name, "string");
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
  require_one_value(attribute.id(), path_, name, "number");
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
    case H5T_STRING:
      return attribute_string(name);
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
    default:
      return "(unprintable)";
  }
}

namespace {

void write_dataset(hid_t group, const std::string& group_path, const std::string& name, hid_t file_type,
                   hid_t memory_type, const std::vector<std::uint64_t>& shape, std::size_t count, const void* data) {
  const std::uint64_t expected =
      std::accumulate(shape.begin(), shape.end(), std::uint64_t{1}, std::multiplies<std::uint64_t>());
  if (expected != count)
    throw H5Error(
        fmt::format("HDF5: dataset {} shape holds {} values, got {}", join(group_path, name), expected, count));
  Handle space = make_space(shape);
  // Every non-empty numeric dataset is chunked with the Fletcher32 filter: HDF5 checks each
  // chunk's checksum whenever any program reads it. (An empty dataset has no chunk to check, and
  // libhdf5 1.10 filters no variable-length strings: the file's seal covers those.)
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"), H5Pclose);
  if (count > 0 && !shape.empty() && H5Tis_variable_str(file_type) <= 0) {
    const std::vector<hsize_t> chunk = chunk_shape(shape, H5Tget_size(file_type));
    check_status(H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()), "set chunks");
    check_status(H5Pset_fletcher32(dcpl.id()), "set Fletcher32 checksums");
  }
  errno = 0;
  Handle dataset(
      check_created(H5Dcreate2(group, name.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                    "create dataset " + join(group_path, name)),
      H5Dclose);
  if (count > 0)
    check_write(H5Dwrite(dataset.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
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
