#!/usr/bin/env bash
# notebooks/03_convergence.ipynb executes top to bottom on the quadratic runs it makes with
# `sgdsmooth run`: GD's rate equals 2 log10(1 - eta a), and the polynomial schedule's stage-end gaps
# agree with the exact variance recursion within z = 4.5; GradOpt's gap after M stages (rastrigin, accuracy
# rule) falls with a log-log slope on delta_M whose 95% CI holds the smooth-minimum theory's 2.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 03_convergence.ipynb
expect_output 03_convergence.ipynb "GD: measured slope of log10\(f - f\*\) per step = -0\.1938[0-9]*, theory 2 log10\(1 - eta a\) = -0\.1938" 2
for p in 0.5 1 2; do
  expect_output 03_convergence.ipynb "p = $p: fitted slope .* max \|z\| = ([0-3]\.[0-9]+|4\.[0-4][0-9]) over 8 stages" 2
done
expect_output 03_convergence.ipynb "theory slope 2 inside the fit's 95% CI: True" 3
