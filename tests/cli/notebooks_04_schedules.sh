#!/usr/bin/env bash
# notebooks/04_schedules.ipynb executes top to bottom on the rastrigin schedule runs it makes with
# `sgdsmooth run`: the three equal-delta schedules end at the same delta, and the verdicts print.
# Section 2 trains the four equal-delta methods (small MLP) on Fashion-MNIST with `sgdsmooth train`:
# with the dataset, the four final accuracies (each above 0.6, chance is 0.1) and the stage delta
# ratios must print and both network figures must appear; without it the section says "skipped".
# The skip path is also run on purpose, with SGDS_NB04_FASHION_MNIST naming a missing folder.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
unset SGDS_NB04_NETWORKS SGDS_NB04_FASHION_MNIST
fmnist=/usr/share/datasets/fashion-mnist
execute_notebook 04_schedules.ipynb
expect_output 04_schedules.ipynb "lr_decay 0\.0312, batch_increase 0\.0312" 2
expect_output 04_schedules.ipynb "hybrid: final success [0-9.]+ \(95% lower end" 2
if compgen -G "$fmnist/train-images-idx3-ubyte*" > /dev/null && compgen -G "$fmnist/t10k-images-idx3-ubyte*" > /dev/null; then
  acc="0\.[6-9][0-9]* \(\+-0\.[0-9]+\)"
  expect_output 04_schedules.ipynb \
    "final test accuracy \(epoch 6, n = 8 replicas each[^)]*\): constant $acc, lr_decay $acc, batch_increase $acc, hybrid $acc" 4
  expect_output 04_schedules.ipynb "  batch_increase +1->2: [0-9.]+ \+- [0-9.]+ \(schedule 0\.7071 x C [0-9.]+\); 2->3: " 4
else
  expect_output 04_schedules.ipynb "skipped: no Fashion-MNIST" 2
fi
# The skip path: no dataset, the synthetic section still runs and the network section computes nothing.
SGDS_NB04_FASHION_MNIST="$SGDS_SCRATCH/no-fashion-mnist" execute_notebook 04_schedules.ipynb
expect_output 04_schedules.ipynb "skipped: no Fashion-MNIST in $SGDS_SCRATCH/no-fashion-mnist" 2
expect_output 04_schedules.ipynb "hybrid: final success [0-9.]+ \(95% lower end" 2
