#pragma once
// Writes one training run into /networks/<run name> of a result file (layout: data/schema.md,
// section /networks).
#include "data/h5.hpp"
#include "sim/nn/train_config.hpp"
#include "sim/nn/trainer.hpp"

namespace sgds::nn {

void write_training_run(const h5::Group& networks, const TrainResult& result, const TrainSpec& spec,
                        const TrainConfig& config);

}  // namespace sgds::nn
