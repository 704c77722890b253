#!/usr/bin/env bash
# notebooks/04_schedules.ipynb executes top to bottom on the rastrigin schedule runs it makes with
# `sgdsmooth run`: the three equal-delta schedules end at the same delta, and the verdicts print.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 04_schedules.ipynb
expect_output 04_schedules.ipynb "lr_decay 0\.0312, batch_increase 0\.0312" 2
expect_output 04_schedules.ipynb "hybrid: final success [0-9.]+ \(95% lower end" 2
