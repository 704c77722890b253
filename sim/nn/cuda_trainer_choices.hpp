#pragma once
// The GPU trainer's implementation choices: ways of computing the same SGD iterates (within float
// rounding), each with its measured or pending status. The base of ReplicaTrainerOptions
// (sim/nn/replica_trainer_cuda.hpp) and what train_replicas_cuda (sim/nn/trainer_cuda.hpp) takes.
// Plain C++: no CUDA headers. The field order is part of the interface (brace-initialised in the
// tests and benchmarks): new fields go last.

namespace sgds::nn {

struct CudaTrainerChoices {
  // Fused plain SGD with a dense first layer under another dense layer (the MLP) only: hold up
  // to this many steps of the first layer's update as its factors (batch inputs A_s, deltas D_s)
  // and write W1 -= eta sum_s D_s A_s^T in one GEMM when they are full, eta changes or the weights
  // are read; each forward adds the held steps' effect -eta D (A^T X) to W1 X. The same iterates
  // within float rounding, W1 written once per `deferred_steps` steps. 1 = off (the default:
  // measured no faster, docs/NETWORKS.md "GPU trainer variants tried").
  int deferred_steps = 1;
  // Conv layers: the weight and bias gradients as per-sample GEMMs and a fixed-order sum, instead
  // of one GEMM per replica over all H W b positions, whose tiny outputs (16 x 9) leave cuBLAS few
  // blocks. On (measured faster).
  bool split_conv_gradients = true;
  // Each step after the gather as a CUDA graph, captured the second time a state (batch size, eta,
  // held first-layer steps) is met: two launches per step instead of 12 or more, the same kernels
  // and cuBLAS calls in the same order, so the same bits (test_nn_cuda). On.
  bool step_graphs = true;
  // A training step's dense head in two kernels (logits and softmax cross-entropy; input delta,
  // gradients or SGD steps of the head and of the bias below it, loss sums) instead of eight
  // launches with GEMMs of 10 rows. Computed in fp32 whatever `precision` says. Needs a layer
  // below the head and at most 16 classes; acts for batches up to fused_head_max_batch. On.
  bool fused_head = true;
  // The weights marked persisting in the L2 cache (an access policy window on the stream and the
  // graphs' kernel nodes). Off: measured no faster.
  bool l2_persisting_weights = false;
  // Plain SGD on the MLP, batches up to 128: the first layer's step of each batch applied in the
  // next step's forward pass (one kernel reads W1, writes W1 - eta D A^T and multiplies the stepped
  // W1 by the new batch, sim/nn/first_layer_step.hpp), so W1 is read and written once per step.
  // Takes precedence over deferred_steps. Off: measured slower than the two GEMMs it replaces.
  bool step_in_forward = false;
  int step_in_forward_splits = 0;  // column splits of that kernel (0: enough blocks for the device)
  // The largest batch the fused head acts for (the GEMM head is faster above it).
  int fused_head_max_batch = 32;
  // With step_in_forward in fp32: that kernel multiplies in tf32x3 (three tensor-core products of
  // tf32 high and low parts), within about 1e-5 of fp32 where tf32 is 3e-4 away. Not IEEE fp32:
  // the bench labels it. Off (its kernel is off).
  bool first_layer_tf32x3 = false;
  // With step_in_forward in tf32 (or tf32x3): the chained kernel, whose warps keep their stepped
  // tile of W1 in registers as the forward product's operand (one barrier per chunk, no column
  // splits). Off: passes the CPU emulation (test_cuda_emulated), never run on a GPU.
  bool chained_first_layer_step = false;
  // With chained_first_layer_step and batches up to 64: W1 written every second step (a step
  // holds its own step beside the one it applies; the next one applies both and stores W1).
  // Off: never run on a GPU.
  bool chained_hold_two_steps = false;
};

}  // namespace sgds::nn
