#include "dev/cuda/first_layer_step/first_layer_step.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <stdexcept>

namespace sgds::nn {

const char* first_layer_arithmetic_name(FirstLayerArithmetic arithmetic) {
  switch (arithmetic) {
    case FirstLayerArithmetic::fp32:
      return "fp32";
    case FirstLayerArithmetic::tf32:
      return "tf32";
    case FirstLayerArithmetic::tf32x3:
      return "tf32x3";
  }
  return "?";
}

std::vector<float> first_layer_head_partials(const FirstLayerStepProblem& p, const std::vector<float>& z) {
  const std::size_t K = static_cast<std::size_t>(p.replicas), out = static_cast<std::size_t>(p.out);
  const std::size_t count = static_cast<std::size_t>(p.count), classes = static_cast<std::size_t>(p.head_classes);
  const std::size_t blocks = static_cast<std::size_t>(first_layer_chained_row_blocks(p.out));
  if (z.size() != K * out * count) throw std::invalid_argument("first_layer_head_partials: Z disagrees with the shape");
  std::vector<float> partials(K * blocks * count * classes);
  for (std::size_t k = 0; k < K; ++k) {
    const float* v = p.parameters.data() + k * p.stride + p.head_weight_offset;
    const float* v_bias = p.parameters.data() + k * p.stride + p.head_bias_offset;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t first = b * kFirstLayerChainedRows;
      const std::size_t last = std::min(out, first + static_cast<std::size_t>(kFirstLayerChainedRows));
      for (std::size_t s = 0; s < count; ++s)
        for (std::size_t c = 0; c < classes; ++c) {
          float sum = 0.0f;
          for (std::size_t r = first; r < last; ++r) sum += v[r * classes + c] * z[k * out * count + s * out + r];
          partials[((k * blocks + b) * count + s) * classes + c] = b == 0 ? sum + v_bias[c] : sum;
        }
    }
  }
  return partials;
}

std::vector<float> first_layer_step_reference(FirstLayerStepProblem& p) {
  const std::size_t out = static_cast<std::size_t>(p.out), in = static_cast<std::size_t>(p.in);
  const std::size_t held = static_cast<std::size_t>(p.held), count = static_cast<std::size_t>(p.count);
  const std::size_t K = static_cast<std::size_t>(p.replicas);
  if (p.parameters.size() != K * p.stride || p.deltas.size() != K * out * held ||
      p.inputs_held.size() != K * in * held || p.inputs.size() != K * in * count)
    throw std::invalid_argument("first_layer_step_reference: array sizes disagree with the shape");
  std::vector<float> z(K * out * count);
  const std::vector<float> unstepped = p.store_stepped ? std::vector<float>() : p.parameters;
  const auto product = [&](float a, float b) {
    switch (p.products) {
      case FirstLayerArithmetic::fp32:
        return a * b;
      case FirstLayerArithmetic::tf32:
        return round_to_tf32(a) * round_to_tf32(b);
      case FirstLayerArithmetic::tf32x3: {
        const float a_hi = round_to_tf32(a), b_hi = round_to_tf32(b);
        const float a_lo = round_to_tf32(a - a_hi), b_lo = round_to_tf32(b - b_hi);
        return a_lo * b_hi + a_hi * b_lo + a_hi * b_hi;
      }
    }
    return a * b;
  };
  for (std::size_t k = 0; k < K; ++k) {
    float* w = p.parameters.data() + k * p.stride + p.weight_offset;
    const float* bias = p.parameters.data() + k * p.stride + p.bias_offset;
    const float* d = p.deltas.data() + k * out * held;
    const float* a = p.inputs_held.data() + k * in * held;
    const float* x = p.inputs.data() + k * in * count;
    for (std::size_t c = 0; c < in; ++c)
      for (std::size_t r = 0; r < out; ++r) {
        float g = 0.0f;
        for (std::size_t s = 0; s < held; ++s) g += product(d[s * out + r], a[s * in + c]);
        w[c * out + r] -= p.eta * g;
      }
    for (std::size_t s = 0; s < count; ++s)
      for (std::size_t r = 0; r < out; ++r) {
        float v = 0.0f;
        for (std::size_t c = 0; c < in; ++c) v += product(w[c * out + r], x[s * in + c]);
        v += bias[r];
        z[k * out * count + s * out + r] = p.relu ? std::max(v, 0.0f) : v;
      }
  }
  if (p.head_classes > 0) p.head_partials = first_layer_head_partials(p, z);
  if (!p.store_stepped) p.parameters = unstepped;
  return z;
}

}  // namespace sgds::nn
