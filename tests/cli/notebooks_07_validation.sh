#!/usr/bin/env bash
# notebooks/07_validation_report.ipynb executes top to bottom (Debian's jupyter nbconvert) on a
# result file it generates with `sgdsmooth check quadratic_ar1_variance --quick --mutants` (one
# check keeps the test short; without SGDS_NB07_CHECKS the notebook runs every check), and draws its panels.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
export SGDS_NB07_CHECKS=quadratic_ar1_variance
execute_notebook 07_validation_report.ipynb
expect_output 07_validation_report.ipynb "1 of 1 checks PASS; 3 of 3 mutants caught" 2
