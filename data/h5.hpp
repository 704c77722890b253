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

  // Make `scale` a dimension scale called `dimension_name` and attach it to axis `axis` of `dataset`.
  void make_dimension_scale(const std::string& scale, const std::string& dimension_name) const;
  void attach_dimension_scale(const std::string& dataset, const std::string& scale, unsigned axis) const;

 private:
  Handle handle_;
  std::string path_;
};

class File {
 public:
  static File create(const std::string& filename);     // truncates
  static File open_read(const std::string& filename);  // throws if not an HDF5 file
  Group root() const;
  void flush() const;
  void close() { handle_.reset(); }
  const std::string& filename() const { return filename_; }

 private:
  Handle handle_;
  std::string filename_;
};

// Turn off HDF5's automatic error stack printing (once per process).
void silence_library_errors();

}  // namespace sgds::h5
