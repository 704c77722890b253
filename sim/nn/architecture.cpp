#include "sim/nn/architecture.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace sgds::nn {
namespace {

void add_dense(Architecture& a, int in, int out) {
  Layer layer;
  layer.kind = LayerKind::dense;
  layer.in_size = in;
  layer.out_size = out;
  layer.fan_in = in;
  layer.param_offset = a.parameter_count;
  layer.param_count = static_cast<std::size_t>(in) * out + out;
  a.parameter_count += layer.param_count;
  a.layers.push_back(layer);
}

void add_relu(Architecture& a, int size) {
  Layer layer;
  layer.kind = LayerKind::relu;
  layer.in_size = layer.out_size = size;
  a.layers.push_back(layer);
}

}  // namespace

Architecture Architecture::mlp(int channels, int height, int width, const std::vector<int>& hidden, int classes) {
  Architecture a;
  a.input_channels = channels;
  a.input_height = height;
  a.input_width = width;
  a.classes = classes;
  a.description = fmt::format("mlp {}", a.input_size());
  int in = a.input_size();
  for (const int h : hidden) {
    add_dense(a, in, h);
    add_relu(a, h);
    in = h;
    a.description += fmt::format("-{}", h);
  }
  add_dense(a, in, classes);
  a.layers.back().last = true;
  a.description += fmt::format("-{}", classes);
  return a;
}

Architecture Architecture::cnn(int channels, int height, int width, const std::vector<int>& conv_channels, int kernel,
                               int classes) {
  if (kernel % 2 != 1) throw std::invalid_argument("cnn: the kernel size must be odd ('same' padding)");
  Architecture a;
  a.input_channels = channels;
  a.input_height = height;
  a.input_width = width;
  a.classes = classes;
  a.channels_last_input = true;
  a.description = fmt::format("cnn {}x{}x{}", channels, height, width);
  int c = channels, h = height, w = width;
  for (const int out : conv_channels) {
    if (h % 2 != 0 || w % 2 != 0)
      throw std::invalid_argument(fmt::format("cnn: a {}x{} map cannot be max-pooled 2x2", h, w));
    Layer conv;
    conv.kind = LayerKind::conv;
    conv.channels = c;
    conv.height = h;
    conv.width = w;
    conv.out_channels = out;
    conv.kernel = kernel;
    conv.in_size = c * h * w;
    conv.out_size = out * h * w;
    conv.fan_in = c * kernel * kernel;
    conv.param_offset = a.parameter_count;
    conv.param_count = static_cast<std::size_t>(out) * c * kernel * kernel + out;
    a.parameter_count += conv.param_count;
    a.layers.push_back(conv);
    add_relu(a, conv.out_size);
    Layer pool;
    pool.kind = LayerKind::maxpool;
    pool.channels = out;
    pool.height = h;
    pool.width = w;
    pool.in_size = out * h * w;
    pool.out_size = out * (h / 2) * (w / 2);
    a.layers.push_back(pool);
    c = out;
    h /= 2;
    w /= 2;
    a.description += fmt::format("-conv{}k{}-pool", out, kernel);
  }
  add_dense(a, c * h * w, classes);
  a.layers.back().last = true;
  a.description += fmt::format("-{}", classes);
  return a;
}

}  // namespace sgds::nn
