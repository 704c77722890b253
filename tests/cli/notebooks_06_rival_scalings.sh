#!/usr/bin/env bash
# notebooks/06_rival_scalings.ipynb executes top to bottom on the (eta, b) grid it runs with
# `sgdsmooth run`, and finds the displacement collapsing on eta/sqrt(b) and the spread on eta/b.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 06_rival_scalings.ipynb
expect_output 06_rival_scalings.ipynb "displacement sqrt\(E x_1\^2\): .*collapses on eta / sqrt\(b\)" 1
expect_output 06_rival_scalings.ipynb "stationary spread E x_T\^2: .*collapses on eta / b" 1
