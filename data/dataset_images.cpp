#include "data/dataset_images.hpp"

#include <cmath>

#include <fmt/format.h>

namespace sgds {

ChannelStatistics channel_statistics(const Dataset& reference) {
  ChannelStatistics statistics;
  const std::size_t plane = static_cast<std::size_t>(reference.height) * reference.width;
  for (int c = 0; c < reference.channels; ++c) {
    double sum = 0.0, sum_squares = 0.0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
      const float* p = reference.sample(i) + c * plane;
      for (std::size_t j = 0; j < plane; ++j) {
        sum += p[j];
        sum_squares += static_cast<double>(p[j]) * p[j];
      }
    }
    const double count = static_cast<double>(plane * reference.size());
    const double mean = sum / count;
    statistics.mean.push_back(mean);
    statistics.stddev.push_back(std::sqrt(std::max(sum_squares / count - mean * mean, 1e-12)));
  }
  return statistics;
}

void standardise(Dataset& set, const ChannelStatistics& statistics) {
  const std::size_t plane = static_cast<std::size_t>(set.height) * set.width;
  for (std::size_t i = 0; i < set.size(); ++i)
    for (int c = 0; c < set.channels; ++c) {
      float* p = set.pixels.data() + i * set.features() + c * plane;
      const auto mean = static_cast<float>(statistics.mean[c]);
      const auto scale = static_cast<float>(1.0 / statistics.stddev[c]);
      for (std::size_t j = 0; j < plane; ++j) p[j] = (p[j] - mean) * scale;
    }
}

Dataset slice(const Dataset& set, std::size_t begin, std::size_t count) {
  if (begin + count > set.size())
    throw DatasetError(
        fmt::format("{}: asked for samples [{}, {}) of {}", set.source, begin, begin + count, set.size()));
  Dataset part{set.channels, set.height, set.width, set.classes, {}, {}, set.source};
  const auto first = static_cast<std::ptrdiff_t>(begin * set.features());
  part.pixels.assign(set.pixels.begin() + first,
                     set.pixels.begin() + first + static_cast<std::ptrdiff_t>(count * set.features()));
  part.labels.assign(set.labels.begin() + static_cast<std::ptrdiff_t>(begin),
                     set.labels.begin() + static_cast<std::ptrdiff_t>(begin + count));
  return part;
}

Dataset split_off_validation(Dataset& train, std::size_t count) {
  if (count >= train.size())
    throw DatasetError(fmt::format("{}: a validation split of {} leaves no training samples (of {})", train.source,
                                   count, train.size()));
  const std::size_t kept = train.size() - count;
  Dataset validation = slice(train, kept, count);
  validation.source += " (validation split)";
  train.pixels.resize(kept * train.features());
  train.labels.resize(kept);
  return validation;
}

}  // namespace sgds
