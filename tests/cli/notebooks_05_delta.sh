#!/usr/bin/env bash
# notebooks/05_delta_generalisation.ipynb executes top to bottom on a tiny `sgdsmooth train` grid
# (Fashion-MNIST subset), its rank correlations reproduce the ones the trainer stored, and the
# concavity fit (P7) prints its coefficient, interval and reading.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }
source "$SGDS_SOURCE_DIR/tests/cli/notebooks_lib.bash"
execute_notebook 05_delta_generalisation.ipynb
expect_output 05_delta_generalisation.ipynb "kendall_tau_delta_vs_test_accuracy: here .* agree" 2
expect_output 05_delta_generalisation.ipynb "reading: (concave with an interior optimum|convex|cannot tell)" 2
expect_output 05_delta_generalisation.ipynb "equal Smith g \\(within 1%\\): [0-9]+ pairs" 2
if grep -Eq "file [-+][0-9.]+ \\[[^]]*\\]   DIFFER" "$SGDS_SCRATCH/05_delta_generalisation.ipynb"; then echo "correlations differ from the file's"; exit 1; fi
