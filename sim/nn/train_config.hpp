#pragma once
// The `sgdsmooth train` config: data, model, training defaults, measurements and one or more
// [[run]] entries (each its own schedule, optionally its own optimizer). Everything is validated
// here, before any output; the layout is documented in docs/NETWORKS.md.
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"
#include "sim/nn/matmul_precision.hpp"
#include "sim/nn/trainer.hpp"

namespace sgds::nn {

struct DataSpec {
  std::string source = "fashion-mnist";              // fashion-mnist | idx | cifar10 | cifar100
  std::string dir;                                   // fashion-mnist, idx: folder with the four IDX files
  std::vector<std::string> train_files, test_files;  // cifar
  std::int64_t train_samples = 0, test_samples = 0;  // first N only (0 = all)
  std::int64_t validation = 0;                       // held out from the end of the training set
  std::string evaluate_on = "test";                  // test | validation: the set behind test_* columns
  bool standardise = true;
};

struct ModelSpec {
  std::string kind = "mlp";  // mlp | cnn
  std::vector<int> hidden{256};
  std::vector<int> channels{16, 32};
  int kernel = 3;
};

struct TrainConfig {
  std::uint32_t seed = 1;
  std::string device = "cpu";  // cpu | cuda (sim/nn/trainer_cuda.hpp: MLPs and CNNs, one GPU)
  MatmulPrecision matmul_precision = MatmulPrecision::fp32;  // the GPU's GEMMs; the CPU is fp32
  DataSpec data;
  ModelSpec model;
  std::vector<TrainSpec> runs;
};

TrainConfig parse_train_config(const toml::table& document);

// The training and evaluation sets the config asks for (DatasetError on a bad file).
struct LoadedData {
  Dataset train, evaluation;
};
LoadedData load_training_data(const DataSpec& spec);

Architecture make_architecture(const ModelSpec& model, const Dataset& train);

}  // namespace sgds::nn
