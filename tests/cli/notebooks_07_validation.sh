#!/usr/bin/env bash
# notebooks/07_validation_report.ipynb executes top to bottom (Debian's jupyter nbconvert) on a
# result file it generates with `sgdsmooth check --quick --mutants`, and draws its panels.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 07_validation_report.ipynb
expect_output 07_validation_report.ipynb "1 of 1 checks PASS|[0-9]+ of [0-9]+ checks PASS" 2
