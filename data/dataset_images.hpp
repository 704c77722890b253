#pragma once
// An image classification data set in memory: pixels as floats, one sample contiguous
// (channel-major: c, y, x), integer labels. Loaders (idx_loader, cifar_loader) fill it;
// normalisation and the validation split act on it.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sgds {

// A data file that is missing, truncated or not in the expected format; the message names it.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Dataset {
  int channels = 1, height = 0, width = 0;
  int classes = 0;
  std::vector<float> pixels;         // size() * features(), sample-major
  std::vector<std::int32_t> labels;  // in [0, classes)
  std::string source;                // where it came from, for provenance

  std::size_t size() const { return labels.size(); }
  std::size_t features() const { return static_cast<std::size_t>(channels) * height * width; }
  const float* sample(std::size_t i) const { return pixels.data() + i * features(); }
};

// Per-channel mean and standard deviation of `reference`, applied to every set in `sets`
// (the training statistics are applied to the test set too, as usual).
struct ChannelStatistics {
  std::vector<double> mean, stddev;
};
ChannelStatistics channel_statistics(const Dataset& reference);
void standardise(Dataset& set, const ChannelStatistics& statistics);

// Samples [begin, begin + count) as a new data set.
Dataset slice(const Dataset& set, std::size_t begin, std::size_t count);

// Move the last `count` training samples into a held-out validation set (deterministic: the
// files' order is already shuffled by their authors).
Dataset split_off_validation(Dataset& train, std::size_t count);

}  // namespace sgds
