#pragma once
// A thin RAII layer over the HDF5 C API: files, groups, attributes, datasets and dimension
// scales. Every failure throws H5Error naming the object; HDF5's own error printing is off.
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sgds::h5 {

class H5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { reset(); }
  void reset();
  hid_t release() {  // give up ownership without closing
    const hid_t id = id_;
    id_ = -1;
    return id;
  }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

struct DatasetInfo {
  std::vector<std::uint64_t> shape;
  std::string type;  // "float64", "int64", "uint8", "string", "other"
};

// A group (the file root is a group too).
class Group {
 public:
  Group() = default;
  explicit Group(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}

  Group create_group(const std::string& name) const;
  Group open_group(const std::string& name) const;
  bool has(const std::string& name) const;
  std::vector<std::string> children() const;  // names of links in this group, sorted
  bool is_group(const std::string& name) const;
  const std::string& path() const { return path_; }
  hid_t id() const { return handle_.id(); }

  // Attributes on this group.
  void set_attribute(const std::string& name, const std::string& value) const;
  void set_attribute(const std::string& name, const char* value) const { set_attribute(name, std::string(value)); }
  void set_attribute(const std::string& name, double value) const;
  void set_attribute(const std::string& name, std::int64_t value) const;
  void set_attribute(const std::string& name, const std::vector<double>& values) const;
  void set_attribute(const std::string& name, const std::vector<std::int64_t>& values) const;
  bool has_attribute(const std::string& name) const;
  void delete_attribute(const std::string& name) const;
  // Copy every attribute of this object onto `target` (strings, numbers, 1-D arrays), except `skip`.
  void copy_attributes_to(const Group& target, const std::vector<std::string>& skip = {}) const;
  std::vector<std::string> attribute_names() const;
  std::string attribute_string(const std::string& name) const;
  double attribute_double(const std::string& name) const;
  std::vector<std::int64_t> attribute_int64s(const std::string& name) const;
  std::string attribute_as_text(const std::string& name) const;  // any attribute, rendered

  // Datasets. `shape` multiplies to values.size(). Written contiguous (byte-reproducible).
  void write(const std::string& name, const std::vector<double>& values, const std::vector<std::uint64_t>& shape) const;
  void write(const std::string& name, const std::vector<std::int64_t>& values,
             const std::vector<std::uint64_t>& shape) const;
  void write_strings(const std::string& name, const std::vector<std::string>& values) const;
  std::vector<double> read_doubles(const std::string& name) const;
  std::vector<std::int64_t> read_int64s(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  DatasetInfo dataset_info(const std::string& name) const;

  // Attribute on a dataset of this group (units, descriptions).
  void set_dataset_attribute(const std::string& dataset, const std::string& name, const std::string& value) const;

  // Copy the group `source_name` of `source`, with everything below it, here as `name` (a dataset
  // is copied under its own name): every dataset's values, shape and attributes, every group's
  // attributes, each dataset's axes attached to the copies of its dimension scales.
  void copy_from(const Group& source, const std::string& source_name, const std::string& name) const;

  // Make `scale` a dimension scale called `dimension_name` and attach it to axis `axis` of `dataset`.
  void make_dimension_scale(const std::string& scale, const std::string& dimension_name) const;
  void attach_dimension_scale(const std::string& dataset, const std::string& scale, unsigned axis) const;

 private:
  Handle handle_;
  std::string path_;
};

class File {
 public:
  // Truncates. `user_block` bytes at the start are left to the caller (data/file_seal.hpp).
  // The format is HDF5 1.8's, whose metadata carries checksums.
  static File create(const std::string& filename, std::uint64_t user_block = 0);
  static File open_read(const std::string& filename);   // throws if not an HDF5 file
  static File open_write(const std::string& filename);  // an existing file, to add to
  Group root() const;
  void flush() const;
  void close() { handle_.reset(); }
  void close_checked();  // close, throwing (with errno's reason) if the last writes failed
  const std::string& filename() const { return filename_; }

 private:
  Handle handle_;
  std::string filename_;
};

// A name for one group of a result file (an experiment, a run): 1 to 64 letters, digits, '_', '-'
// or '.', not starting with '.' (".", ".." and hidden names), so HDF5 and file systems take it as is.
bool valid_group_name(const std::string& name);
inline constexpr const char* kGroupNameRule = "1 to 64 letters, digits, '_', '-' or '.', not starting with '.'";

// Turn off HDF5's automatic error stack printing (once per process).
void silence_library_errors();

}  // namespace sgds::h5
