#pragma once
// The full-gradient norm ||grad f(w)||, f the mean cross-entropy over every sample of a data set:
// what the C^2 samples' gradient_norm_unbiased only estimates. One pass over the set in batches
// (float network, the batch gradients weighted by their share of the set and summed in double),
// so it costs about a third of a training epoch; `measure.full_gradient` asks for it, and
// measure.trace (sim/nn/training_trace.hpp) for f(w) beside it.
#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"

namespace sgds::nn {

struct FullSetValues {
  double loss = 0.0;           // f(w): the mean cross-entropy over the set
  double gradient_norm = 0.0;  // ||grad f(w)||
};
FullSetValues full_set_values(const Architecture& architecture, const Dataset& set, const float* w, int batch = 500);
double full_gradient_norm(const Architecture& architecture, const Dataset& set, const float* w, int batch = 500);

}  // namespace sgds::nn
