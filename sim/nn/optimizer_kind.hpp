#pragma once
// The update rules of the network trainers, in a header of its own so that CUDA translation
// units (sim/nn/replica_trainer_cuda.cu) can name them without the CPU trainer's includes.
namespace sgds::nn {

// sgd: w -= eta g; shb: v = beta v + g, w -= eta v; nshb: v = beta v + (1 - beta) g, w -= eta v.
enum class OptimizerKind { sgd, shb, nshb };

}  // namespace sgds::nn
