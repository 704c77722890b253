#pragma once
// The shape of a network as a list of layers over one flat parameter vector. Two families:
// MLP (dense-ReLU blocks, dense head) and a small CNN (conv-ReLU-maxpool blocks, dense head).
// Convolutions are stride 1 with "same" zero padding; pooling is 2 x 2, stride 2. Inside the
// CNN an activation is stored height-major, channel fastest (y, x, c).
#include <cstddef>
#include <string>
#include <vector>

namespace sgds::nn {

enum class LayerKind { dense, conv, relu, maxpool };

struct Layer {
  LayerKind kind = LayerKind::dense;
  int in_size = 0, out_size = 0;  // activation sizes per sample
  // conv / maxpool geometry (input side)
  int channels = 0, height = 0, width = 0, out_channels = 0, kernel = 0;
  std::size_t param_offset = 0, param_count = 0;  // weights (out x in, column-major) then biases
  int fan_in = 0;
  bool last = false;  // the head (initialised without the ReLU gain)
};

struct Architecture {
  std::vector<Layer> layers;
  std::size_t parameter_count = 0;
  int input_channels = 1, input_height = 0, input_width = 0, classes = 0;
  bool channels_last_input = false;  // the CNN reads (y, x, c)
  std::string description;           // "mlp 784-256-10"

  int input_size() const { return input_channels * input_height * input_width; }

  static Architecture mlp(int channels, int height, int width, const std::vector<int>& hidden, int classes);
  static Architecture cnn(int channels, int height, int width, const std::vector<int>& conv_channels, int kernel,
                          int classes);
};

}  // namespace sgds::nn
