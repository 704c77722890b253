#pragma once
// The full-gradient norm ||grad f(w)||, f the mean cross-entropy over every sample of a data set:
// what the C^2 samples' gradient_norm_unbiased only estimates. One pass over the set in batches
// (float network, the batch gradients weighted by their share of the set and summed in double),
// so it costs about a third of a training epoch; `measure.full_gradient` asks for it.
#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"

namespace sgds::nn {

double full_gradient_norm(const Architecture& architecture, const Dataset& set, const float* w, int batch = 500);

}  // namespace sgds::nn
