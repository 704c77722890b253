#!/usr/bin/env bash
# `sgdsmooth report` on the smoothing illustration (/curves from `sgdsmooth smooth --figure`): one
# PNG per function, captions stating delta, n draws per point, closed forms, infinite expectations.
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
export PYTHONPATH="$SGDS_SOURCE_DIR/analysis/python" MPLBACKEND=Agg

"$SGDS_BIN" smooth --figure "$SGDS_SOURCE_DIR/configs/smoothing_figure.toml" -o smoothing.h5 > /dev/null
"$SGDS_PYTHON" - <<'PY'
import numpy as np, sgdsmooth
r = sgdsmooth.open_result("smoothing.h5")
curves = r.curves()
assert set(curves) == {"rastrigin", "drop_wave_1d"}, list(curves)
g = curves["rastrigin"].groups["gaussian"]
assert g.axes["f_hat"] == ("x",) and g.arrays["x"].size == 501
# The Monte Carlo smoothing agrees with the Gaussian closed form point by point within z = 5.
z = (g.arrays["f_hat"] - g.arrays["f_hat_closed"]) / g.arrays["f_hat_se"]
assert np.abs(z).max() < 5, np.abs(z).max()
print("curves ok, max |z| gaussian closed form vs MC on rastrigin:", round(float(np.abs(z).max()), 2))
PY
"$SGDS_BIN" report smoothing.h5 -o figs
for f in rastrigin drop_wave_1d; do
  [[ $(stat -c %s "figs/curves_$f.png") -gt 10000 ]] || { echo "curves_$f.png missing"; exit 1; }
done
grep -q "n = 4000 draws per point), closed forms dashed" figs/report.md || { echo "caption lacks n"; cat figs/report.md; exit 1; }
grep -q "infinite expectation here (cauchy, levy, pareto)" figs/report.md || { echo "heavy tails unmarked"; exit 1; }
echo "report_curves: ok"
