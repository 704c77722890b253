#pragma once
// Forward and backward passes of one Architecture on a mini-batch, softmax cross-entropy loss.
// A Network owns only workspace (activations, im2col buffers), never parameters: those are a
// flat vector passed in, so K replicas share one architecture and differ only by their vector.
// Templated on the scalar: float for training, double for gradient checks and curvature.
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "sim/nn/architecture.hpp"

namespace sgds::nn {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

struct BatchOutcome {
  double loss_sum = 0.0;  // sum over the batch of the per-sample cross-entropy
  int correct = 0;        // samples whose arg-max logit is the label
};

template <class T>
class Network {
 public:
  explicit Network(const Architecture& architecture) : arch_(architecture) {}

  // `inputs`: input_size() x batch, one sample per column, in the architecture's input layout
  // (see gather_batch). When `gradient` is not null it receives the gradient of the MEAN loss.
  BatchOutcome run(const T* parameters, const Matrix<T>& inputs, const std::int32_t* labels, T* gradient);

  const Architecture& architecture() const { return arch_; }

 private:
  void forward(const T* parameters, int batch);
  void backward(const T* parameters, const std::int32_t* labels, int batch, T* gradient);

  const Architecture& arch_;
  std::vector<Matrix<T>> activations_;    // [0] = input, [l + 1] = output of layer l
  std::vector<Matrix<T>> columns_;        // im2col buffer per conv layer
  std::vector<std::vector<int>> argmax_;  // per maxpool layer: winning input index per output
  // deltas_[i] = d(mean loss) / d(activations_[i]). One buffer per layer boundary, sized once:
  // a training step never resizes them (two swapped buffers changed size at every layer).
  std::vector<Matrix<T>> deltas_;
  Matrix<T> column_delta_;
  // A bias gradient is summed here, not straight into the caller's buffer: Eigen picks a
  // row's summation order (scalar head or packets) by the destination's alignment, so the
  // bits would depend on where the caller's gradient happens to sit.
  Vector<T> bias_sum_;
};

// He-normal weights (variance 2 / fan_in; 1 / fan_in for the head), zero biases, keyed by
// (seed, replica): replica r's initial point never depends on K or on the thread.
template <class T>
void initialise_parameters(const Architecture& architecture, std::uint32_t seed, std::uint32_t replica, T* parameters);

}  // namespace sgds::nn
