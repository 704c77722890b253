#!/usr/bin/env bash
# notebooks/02_sgd_as_smoothing.ipynb executes top to bottom on the rastrigin runs it makes with
# `sgdsmooth run`; the one-step identity E f(x_1) = f_hat(x_0 - eta grad f(x_0)) holds within z = 4.5.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
unset SGDS_NB02_TRAJECTORIES
execute_notebook 02_sgd_as_smoothing.ipynb
expect_output 02_sgd_as_smoothing.ipynb "identity: max \|z\| vs f_hat = ([0-3]\.[0-9]+|4\.[0-4][0-9]);" 2
expect_output 02_sgd_as_smoothing.ipynb "recorded delta equals eta C / sqrt\(b\): True" 2
