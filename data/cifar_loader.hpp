#pragma once
// CIFAR-10 / CIFAR-100 binary format (the "binary version" of the official archives): fixed-size
// records of label byte(s) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, 32 x 32).
// CIFAR-10 records carry one label byte; CIFAR-100 two (coarse, then fine: we use the fine label).
#include <string>
#include <vector>

#include "data/dataset_images.hpp"

namespace sgds {

enum class CifarVariant { cifar10, cifar100 };

// The concatenation of `files` (e.g. data_batch_1.bin .. data_batch_5.bin), pixels in [0, 1].
// Throws DatasetError naming the file when it is missing, empty or not a whole number of records.
Dataset load_cifar_binary(const std::vector<std::string>& files, CifarVariant variant);

}  // namespace sgds
