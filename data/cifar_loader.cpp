#include "data/cifar_loader.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace sgds {

Dataset load_cifar_binary(const std::vector<std::string>& files, CifarVariant variant) {
  constexpr std::size_t kPixels = 3 * 32 * 32;
  const std::size_t label_bytes = variant == CifarVariant::cifar10 ? 1 : 2;
  const std::size_t record = label_bytes + kPixels;
  Dataset set;
  set.channels = 3;
  set.height = set.width = 32;
  set.classes = variant == CifarVariant::cifar10 ? 10 : 100;
  for (const auto& filename : files) {
    if (!std::filesystem::is_regular_file(filename)) throw DatasetError(fmt::format("{}: no such file", filename));
    std::ifstream in(filename, std::ios::binary);
    const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (bytes.empty() || bytes.size() % record != 0)
      throw DatasetError(fmt::format("{}: {} bytes is not a whole number of {}-byte CIFAR-{} records", filename,
                                     bytes.size(), record, set.classes));
    for (std::size_t at = 0; at < bytes.size(); at += record) {
      const int label = bytes[at + label_bytes - 1];
      if (label >= set.classes)
        throw DatasetError(fmt::format("{}: label {} in record {} is not below {} (wrong CIFAR variant?)", filename,
                                       label, at / record, set.classes));
      set.labels.push_back(label);
      for (std::size_t j = 0; j < kPixels; ++j)
        set.pixels.push_back(static_cast<float>(bytes[at + label_bytes + j]) / 255.0f);
    }
    set.source += (set.source.empty() ? "" : ",") + filename;
  }
  return set;
}

}  // namespace sgds
