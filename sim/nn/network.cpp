#include "sim/nn/network.hpp"

#include <cmath>
#include <limits>

#include "core/rng.hpp"

namespace sgds::nn {
namespace {

// im2col for a batch of (y, x, c) maps: row (ky * k + kx) * C + c, column b * H * W + y * W + x.
template <class T>
void image_to_columns(const Layer& l, const Matrix<T>& in, int batch, Matrix<T>& columns) {
  const int k = l.kernel, pad = k / 2, C = l.channels, H = l.height, W = l.width;
  columns.resize(static_cast<Eigen::Index>(k) * k * C, static_cast<Eigen::Index>(H) * W * batch);
  for (int b = 0; b < batch; ++b) {
    const T* image = in.col(b).data();
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        T* column = columns.col((static_cast<Eigen::Index>(b) * H + y) * W + x).data();
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            T* out = column + (ky * k + kx) * C;
            const int sy = y + ky - pad, sx = x + kx - pad;
            if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
              for (int c = 0; c < C; ++c) out[c] = T(0);
            } else {
              const T* source = image + (sy * W + sx) * C;
              for (int c = 0; c < C; ++c) out[c] = source[c];
            }
          }
      }
  }
}

// The adjoint of image_to_columns: scatter-add column gradients back onto the input maps.
template <class T>
void columns_to_image(const Layer& l, const Matrix<T>& columns, int batch, Matrix<T>& in_delta) {
  const int k = l.kernel, pad = k / 2, C = l.channels, H = l.height, W = l.width;
  in_delta.setZero(static_cast<Eigen::Index>(C) * H * W, batch);
  for (int b = 0; b < batch; ++b) {
    T* image = in_delta.col(b).data();
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        const T* column = columns.col((static_cast<Eigen::Index>(b) * H + y) * W + x).data();
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int sy = y + ky - pad, sx = x + kx - pad;
            if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
            const T* source = column + (ky * k + kx) * C;
            T* target = image + (sy * W + sx) * C;
            for (int c = 0; c < C; ++c) target[c] += source[c];
          }
      }
  }
}

template <class T>
using MapMatrix = Eigen::Map<Matrix<T>>;
template <class T>
using ConstMapMatrix = Eigen::Map<const Matrix<T>>;
template <class T>
using ConstMapVector = Eigen::Map<const Vector<T>>;

}  // namespace

template <class T>
BatchOutcome Network<T>::run(const T* parameters, const Matrix<T>& inputs, const std::int32_t* labels, T* gradient) {
  const int batch = static_cast<int>(inputs.cols());
  const std::size_t layer_count = arch_.layers.size();
  activations_.resize(layer_count + 1);
  columns_.resize(layer_count);
  argmax_.resize(layer_count);
  deltas_.resize(layer_count + 1);
  activations_[0] = inputs;
  forward(parameters, batch);

  // Softmax cross-entropy on the logits, stable by subtracting the column maximum.
  const Matrix<T>& logits = activations_[layer_count];
  BatchOutcome outcome;
  Matrix<T>& delta = deltas_[layer_count];
  delta.resize(logits.rows(), batch);
  for (int b = 0; b < batch; ++b) {
    Eigen::Index best = 0;
    const T top = logits.col(b).maxCoeff(&best);
    const auto exps = (logits.col(b).array() - top).exp().eval();
    const T total = exps.sum();
    outcome.loss_sum += static_cast<double>(std::log(total) + top - logits(labels[b], b));
    outcome.correct += best == labels[b] ? 1 : 0;
    delta.col(b) = exps.matrix() / (total * T(batch));
    delta(labels[b], b) -= T(1) / T(batch);
  }
  if (gradient) backward(parameters, labels, batch, gradient);
  return outcome;
}

template <class T>
void Network<T>::forward(const T* parameters, int batch) {
  for (std::size_t i = 0; i < arch_.layers.size(); ++i) {
    const Layer& l = arch_.layers[i];
    const Matrix<T>& in = activations_[i];
    Matrix<T>& out = activations_[i + 1];
    switch (l.kind) {
      case LayerKind::dense: {
        const ConstMapMatrix<T> w(parameters + l.param_offset, l.out_size, l.in_size);
        const ConstMapVector<T> bias(parameters + l.param_offset + static_cast<std::size_t>(l.out_size) * l.in_size,
                                     l.out_size);
        out.noalias() = w * in;
        out.colwise() += bias;
        break;
      }
      case LayerKind::conv: {
        image_to_columns(l, in, batch, columns_[i]);
        const Eigen::Index rows = static_cast<Eigen::Index>(l.kernel) * l.kernel * l.channels;
        const ConstMapMatrix<T> w(parameters + l.param_offset, l.out_channels, rows);
        const ConstMapVector<T> bias(parameters + l.param_offset + static_cast<std::size_t>(l.out_channels) * rows,
                                     l.out_channels);
        // (out_channels) x (H W batch) is exactly the (y, x, c) layout of the output maps.
        out.resize(l.out_size, batch);
        MapMatrix<T> out_view(out.data(), l.out_channels, static_cast<Eigen::Index>(l.height) * l.width * batch);
        out_view.noalias() = w * columns_[i];
        out_view.colwise() += bias;
        break;
      }
      case LayerKind::relu:
        out = in.cwiseMax(T(0));
        break;
      case LayerKind::maxpool: {
        const int C = l.channels, H = l.height, W = l.width, OH = H / 2, OW = W / 2;
        out.resize(l.out_size, batch);
        argmax_[i].resize(static_cast<std::size_t>(l.out_size) * batch);
        for (int b = 0; b < batch; ++b) {
          const T* source = in.col(b).data();
          T* target = out.col(b).data();
          int* winner = argmax_[i].data() + static_cast<std::size_t>(b) * l.out_size;
          for (int y = 0; y < OH; ++y)
            for (int x = 0; x < OW; ++x)
              for (int c = 0; c < C; ++c) {
                int best = ((2 * y) * W + 2 * x) * C + c;
                for (int dy = 0; dy < 2; ++dy)
                  for (int dx = 0; dx < 2; ++dx) {
                    const int at = ((2 * y + dy) * W + 2 * x + dx) * C + c;
                    if (source[at] > source[best]) best = at;
                  }
                const int o = (y * OW + x) * C + c;
                target[o] = source[best];
                winner[o] = best;
              }
        }
        break;
      }
    }
  }
}

template <class T>
void Network<T>::backward(const T* parameters, const std::int32_t* /*labels*/, int batch, T* gradient) {
  // Walking from the head down: deltas_[i + 1] (the layer's output delta) gives deltas_[i].
  for (std::size_t i = arch_.layers.size(); i-- > 0;) {
    const Layer& l = arch_.layers[i];
    const Matrix<T>& in = activations_[i];
    const bool need_input_delta = i > 0;
    const Matrix<T>& delta = deltas_[i + 1];
    Matrix<T>& input_delta = deltas_[i];
    switch (l.kind) {
      case LayerKind::dense: {
        const ConstMapMatrix<T> w(parameters + l.param_offset, l.out_size, l.in_size);
        MapMatrix<T> dw(gradient + l.param_offset, l.out_size, l.in_size);
        Eigen::Map<Vector<T>> dbias(gradient + l.param_offset + static_cast<std::size_t>(l.out_size) * l.in_size,
                                    l.out_size);
        dw.noalias() = delta * in.transpose();
        bias_sum_ = delta.rowwise().sum();  // into our aligned buffer: see bias_sum_
        dbias = bias_sum_;
        if (need_input_delta) input_delta.noalias() = w.transpose() * delta;
        break;
      }
      case LayerKind::conv: {
        const Eigen::Index rows = static_cast<Eigen::Index>(l.kernel) * l.kernel * l.channels;
        const Eigen::Index positions = static_cast<Eigen::Index>(l.height) * l.width * batch;
        const ConstMapMatrix<T> w(parameters + l.param_offset, l.out_channels, rows);
        MapMatrix<T> dw(gradient + l.param_offset, l.out_channels, rows);
        Eigen::Map<Vector<T>> dbias(gradient + l.param_offset + static_cast<std::size_t>(l.out_channels) * rows,
                                    l.out_channels);
        const ConstMapMatrix<T> out_delta(delta.data(), l.out_channels, positions);
        dw.noalias() = out_delta * columns_[i].transpose();
        bias_sum_ = out_delta.rowwise().sum();
        dbias = bias_sum_;
        if (need_input_delta) {
          column_delta_.noalias() = w.transpose() * out_delta;
          columns_to_image(l, column_delta_, batch, input_delta);
        }
        break;
      }
      case LayerKind::relu:
        input_delta = (in.array() > T(0)).select(delta, T(0));
        break;
      case LayerKind::maxpool: {
        input_delta.setZero(l.in_size, batch);
        for (int b = 0; b < batch; ++b) {
          const int* winner = argmax_[i].data() + static_cast<std::size_t>(b) * l.out_size;
          for (int o = 0; o < l.out_size; ++o) input_delta(winner[o], b) += delta(o, b);
        }
        break;
      }
    }
  }
}

template <class T>
void initialise_parameters(const Architecture& architecture, std::uint32_t seed, std::uint32_t replica, T* parameters) {
  for (std::size_t i = 0; i < architecture.layers.size(); ++i) {
    const Layer& l = architecture.layers[i];
    if (l.param_count == 0) continue;
    const std::size_t bias_count = static_cast<std::size_t>(l.kind == LayerKind::conv ? l.out_channels : l.out_size);
    const std::size_t weight_count = l.param_count - bias_count;
    const double scale = std::sqrt((l.last ? 1.0 : 2.0) / l.fan_in);
    RandomStream stream(seed, replica, i, StreamPurpose::network_init);
    for (std::size_t j = 0; j < weight_count; ++j)
      parameters[l.param_offset + j] = static_cast<T>(scale * stream.normal());
    for (std::size_t j = weight_count; j < l.param_count; ++j) parameters[l.param_offset + j] = T(0);
  }
}

template class Network<float>;
template class Network<double>;
template void initialise_parameters<float>(const Architecture&, std::uint32_t, std::uint32_t, float*);
template void initialise_parameters<double>(const Architecture&, std::uint32_t, std::uint32_t, double*);

}  // namespace sgds::nn
