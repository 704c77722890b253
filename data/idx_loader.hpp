#pragma once
// MNIST-format (IDX) files, gzip-compressed or plain (zlib reads both): images (magic 0x803,
// unsigned bytes, n x rows x cols) and labels (magic 0x801). Default location: Debian's
// dataset-fashion-mnist package.
#include <string>

#include "data/dataset_images.hpp"

namespace sgds {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// One images file and its labels file as a data set, pixels scaled to [0, 1]. Throws
// DatasetError naming the file when it is missing, truncated, of the wrong type or when the
// counts disagree.
Dataset load_idx_pair(const std::string& images_file, const std::string& labels_file, int classes = 10);

// `dir`/train-images-idx3-ubyte.gz etc. (the file names of the original distribution).
struct TrainTest {
  Dataset train, test;
};
TrainTest load_mnist_format_dir(const std::string& dir);

}  // namespace sgds
