#include "data/idx_loader.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

namespace sgds {
namespace {

// The whole (decompressed) content of a file; zlib passes plain files through unchanged.
std::vector<unsigned char> read_all(const std::string& filename) {
  if (!std::filesystem::is_regular_file(filename)) throw DatasetError(fmt::format("{}: no such file", filename));
  gzFile file = gzopen(filename.c_str(), "rb");
  if (!file) throw DatasetError(fmt::format("{}: cannot open", filename));
  std::vector<unsigned char> content;
  std::vector<unsigned char> chunk(1 << 20);
  for (;;) {
    const int got = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw DatasetError(fmt::format("{}: unreadable ({})", filename, message));
    }
    if (got == 0) break;
    content.insert(content.end(), chunk.begin(), chunk.begin() + got);
  }
  // A gzip stream cut short reads as a clean end of file; zlib reports it only here.
  int code = 0;
  const std::string message = gzerror(file, &code);
  gzclose(file);
  if (code != Z_OK) throw DatasetError(fmt::format("{}: truncated or corrupt ({})", filename, message));
  return content;
}

std::uint32_t big_endian_u32(const std::vector<unsigned char>& bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) | (std::uint32_t{bytes[at + 2]} << 8) |
         std::uint32_t{bytes[at + 3]};
}

struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t data_offset = 0;
};

IdxHeader parse_header(const std::vector<unsigned char>& bytes, const std::string& filename, std::uint32_t magic) {
  if (bytes.size() < 4) throw DatasetError(fmt::format("{}: truncated (no IDX header)", filename));
  const std::uint32_t found = big_endian_u32(bytes, 0);
  if (found != magic)
    throw DatasetError(fmt::format("{}: wrong magic number {:#010x}, expected {:#010x} (IDX {})", filename, found,
                                   magic, magic == 0x803 ? "images" : "labels"));
  IdxHeader header;
  const std::size_t rank = magic & 0xff;
  header.data_offset = 4 + 4 * rank;
  if (bytes.size() < header.data_offset) throw DatasetError(fmt::format("{}: truncated header", filename));
  std::size_t expected = 1;
  for (std::size_t k = 0; k < rank; ++k) {
    header.dims.push_back(big_endian_u32(bytes, 4 + 4 * k));
    expected *= header.dims.back();
  }
  if (bytes.size() - header.data_offset < expected)
    throw DatasetError(fmt::format("{}: truncated: {} data bytes, header promises {}", filename,
                                   bytes.size() - header.data_offset, expected));
  return header;
}

}  // namespace

Dataset load_idx_pair(const std::string& images_file, const std::string& labels_file, int classes) {
  const std::vector<unsigned char> images = read_all(images_file);
  const IdxHeader image_header = parse_header(images, images_file, 0x803);
  const std::vector<unsigned char> labels = read_all(labels_file);
  const IdxHeader label_header = parse_header(labels, labels_file, 0x801);
  const std::size_t n = image_header.dims[0];
  if (label_header.dims[0] != n)
    throw DatasetError(
        fmt::format("{}: {} labels for {} images in {}", labels_file, label_header.dims[0], n, images_file));
  Dataset set;
  set.channels = 1;
  set.height = static_cast<int>(image_header.dims[1]);
  set.width = static_cast<int>(image_header.dims[2]);
  set.classes = classes;
  set.source = images_file;
  set.pixels.resize(n * set.features());
  for (std::size_t j = 0; j < set.pixels.size(); ++j)
    set.pixels[j] = static_cast<float>(images[image_header.data_offset + j]) / 255.0f;
  set.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int label = labels[label_header.data_offset + i];
    if (label >= classes)
      throw DatasetError(
          fmt::format("{}: label {} at sample {} is not below {} classes", labels_file, label, i, classes));
    set.labels[i] = label;
  }
  return set;
}

TrainTest load_mnist_format_dir(const std::string& dir) {
  const auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  return {load_idx_pair(path("train-images-idx3-ubyte.gz"), path("train-labels-idx1-ubyte.gz")),
          load_idx_pair(path("t10k-images-idx3-ubyte.gz"), path("t10k-labels-idx1-ubyte.gz"))};
}

}  // namespace sgds
