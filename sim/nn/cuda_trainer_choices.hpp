#pragma once
// The GPU trainer's implementation choices: ways of computing the same SGD iterates (within float
// rounding), each with its measured or pending status. The base of ReplicaTrainerOptions
// (sim/nn/replica_trainer_cuda.hpp) and what train_replicas_cuda (sim/nn/trainer_cuda.hpp) takes.
// Plain C++: no CUDA headers. The field order is part of the interface (brace-initialised in the
// tests and benchmarks): new fields go last.

namespace sgds::nn {

struct CudaTrainerChoices {
  // Fused plain SGD with a dense first layer under another dense layer (the MLP) only: hold up
  // to this many steps of the first layer's update as its factors, the batch inputs A_s and the
  // layer's deltas D_s, and write W1 -= eta sum_s D_s A_s^T in one GEMM when the held steps are
  // full, eta changes, or the weights are read (evaluate, download). Each forward pass adds the
  // held steps' effect -eta D (A^T X) to W1 X, so the iterates are plain SGD's (within float
  // rounding); W1 is read once per step and written once per `deferred_steps` steps instead of
  // read twice and written once per step. 1 = off (the other architectures and optimizers).
  int deferred_steps = 1;
  // Conv layers: the weight and bias gradients as per-sample GEMMs (one per replica and sample)
  // and a fixed-order sum, instead of one GEMM per replica over all H W b positions (whose tiny
  // outputs, 16 x 9, leave cuBLAS few blocks). On an H100 (2026-11-27) it passed test_nn_cuda and
  // took one epoch of the 16-32 CNN at K = 8, b = 32 from 2.47 s to 0.81 s.
  bool split_conv_gradients = true;
  // Each step after the gather as a CUDA graph, captured the second time a state (batch size,
  // eta, held first-layer steps) is met: two launches per step instead of 12 or more. The same
  // kernels and cuBLAS calls in the same order, so the same bits as without (test_nn_cuda).
  bool step_graphs = true;
  // A training step's dense head in two kernels (logits and softmax cross-entropy; input delta,
  // gradients or SGD steps of the head and of the bias of a dense ReLU layer below it, loss sums)
  // in place of eight launches, cuBLAS GEMMs of 10 rows among them. Computed in fp32 whatever
  // `precision` says (tf32 applies to the other GEMMs). Needs a layer below the head and at most
  // 16 classes, and acts for batches of at most fused_head_max_batch (the GEMM head runs otherwise).
  bool fused_head = true;
  // Mark the weights (the K replicas' parameters) persisting in the L2 cache: the largest set-aside
  // the device allows, an access policy window over the weights with the hit ratio that fits it,
  // on the stream and on every kernel node of the step graphs. The aim: the first layer's weights,
  // read by the forward GEMM and read and written by the update GEMM each step, served partly from
  // L2 (51 MB for workload B at K = 64 against the H100's 50 MB L2). Written 2026-11-27 without a
  // GPU to run it: off until bench_network_cuda's "_l2" variant has been measured and test_nn_cuda
  // has passed with it.
  bool l2_persisting_weights = false;
  // Fused plain SGD with a dense first layer under another dense layer (the MLP), batches of at
  // most 128: hold the first layer's step of each batch (its inputs A and deltas D) and apply it
  // in the next step's forward pass, one kernel that reads W1, writes W1 - eta D A^T and
  // multiplies the stepped W1 by the new batch, bias and ReLU included
  // (sim/nn/first_layer_step.hpp): W1 is read and written once per step instead of read by the
  // forward GEMM and read and written by the update GEMM. The same SGD iterates within float
  // rounding; tf32 precision uses tensor-core tiles. Takes precedence over deferred_steps. Off:
  // on an H100 (2026-11-27 night, test_nn_cuda passed) its staged kernel took 114 us per step at
  // K = 64, b = 32 against 73 us for the two GEMMs it replaces (workload B 0.78x JAX against the
  // default's 0.93-1.03x); chained_first_layer_step is its successor for tf32.
  bool step_in_forward = false;
  int step_in_forward_splits = 0;  // column splits of that kernel (0: enough blocks for the device)
  // 32: on an H100 (2026-11-27, steps with graphs, workload B) the fused head against the GEMM
  // head took b = 32 0.512 vs 0.554 s (fp32), 0.404 vs 0.422 s (tf32), but b = 128 0.265 vs 0.252 s
  // and 0.185 vs 0.170 s, when its gradient kernel summed over the samples serially per output.
  // That kernel now splits the samples over eight warps (not yet measured: bench variant _fh128).
  int fused_head_max_batch = 32;
  // With step_in_forward and fp32 precision: that kernel multiplies in tf32x3 (three tensor-core
  // products of the operands split into tf32 high and low parts, FirstLayerArithmetic): the kernel
  // test holds it within 1e-5 of the fp32 reference, where tf32 is 3e-4 away (2e-6 in the CPU
  // emulation), at tensor-core speed; the other GEMMs stay fp32. Not IEEE fp32 arithmetic: the
  // bench labels it, and does not count it as fp32 against JAX. On the H100 (2026-11-27 night)
  // within 1.3e-5 of fp32 (the tensor cores' truncating accumulation), 10x closer than tf32.
  bool first_layer_tf32x3 = false;
  // With step_in_forward in tf32 (or tf32x3): the chained kernel (FirstLayerStepKernel::chained,
  // sim/nn/first_layer_step.hpp): each warp's stepped tile of W1 stays in registers and is the
  // forward product's operand as it stands: no round trip through shared memory, one barrier per
  // chunk, every block finishing its rows' Z (no column splits). fp32 keeps the staged kernel.
  // Written 2026-11-27 (second night) without a GPU: its source passes the CPU emulation with the
  // PTX ISA's fragment layouts (test_cuda_emulated); off until test_nn_cuda has passed with it on
  // a GPU and bench_network_cuda (_sifc) has timed it.
  bool chained_first_layer_step = false;
  // With chained_first_layer_step (tf32 or tf32x3) and batches of at most 64: W1 written every
  // second step. A step that finds one held step of its own eta applies it in its forward pass
  // without storing W1 and holds it further beside its own; the next step's kernel applies both
  // (held columns 2b) and stores W1. W1 traffic per step falls from a read and a write to a read
  // and half a write (at K = 64, b = 32: 102 to 77 MB); the same SGD iterates within float
  // rounding. Written 2026-11-27 (second night) without a GPU; off until measured (_sifc2).
  bool chained_hold_two_steps = false;
};

}  // namespace sgds::nn
