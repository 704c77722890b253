#!/usr/bin/env bash
# notebooks/01_smoothing_kernels.ipynb executes top to bottom on the curves it makes with
# `sgdsmooth smooth --figure configs/smoothing_figure.toml`, and compares closed forms with Monte Carlo.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 01_smoothing_kernels.ipynb
expect_output 01_smoothing_kernels.ipynb "rastrigin / gaussian: max \|z\| = [0-4]\.[0-9]+ over 501 points" 2
expect_output 01_smoothing_kernels.ipynb "Gaussian theory: exp\(-2 pi\^2 delta\^2\) = 0\.0072" 2
