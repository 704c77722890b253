#!/usr/bin/env bash
# The interval estimates behind the figures recover known answers on synthetic data (fixed seeds):
# the log-log slope and its CI, rank correlations and their bootstrap CIs, the normal SE band.
set -euo pipefail
: "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}"
export PYTHONPATH="$SGDS_SOURCE_DIR/analysis/python" MPLBACKEND=Agg
"$SGDS_PYTHON" - <<'PY'
import numpy as np
from sgdsmooth import stats

rng = np.random.default_rng(12345)
# y = 3 x^-0.5 with 2% multiplicative noise whose SE is known: the weighted fit must land within
# 4.5 of its own SEs of -0.5 and the SE must be of the right size (not inflated to pass).
x = np.logspace(0, 3, 25)
se = 0.02 * 3 * x**-0.5
y = 3 * x**-0.5 + se * rng.standard_normal(x.size)
fit = stats.loglog_slope(x, y, se)
assert abs(fit.slope + 0.5) <= 4.5 * fit.slope_se, (fit.slope, fit.slope_se)
assert 1e-3 < fit.slope_se < 1e-2, fit.slope_se
# Unweighted: a clean power law gives its slope exactly, and a different slope is excluded.
ols = stats.loglog_slope(x, 7 * x**1.5 * np.exp(0.05 * rng.standard_normal(x.size)))
low, high = ols.ci95()
assert low < 1.5 < high and not (low < 1.0 < high), (low, high)

# Monotone relation: tau and rho near 1 with a CI excluding 0; independent: CI covering 0.
u = rng.standard_normal(200)
dep = stats.correlation(u, u + 0.3 * rng.standard_normal(200), "kendall", n_boot=500, seed=1)
assert dep.estimate > 0.6 and dep.ci_low > 0.5 and dep.ci_low <= dep.estimate <= dep.ci_high, dep
ind = stats.correlation(u, rng.standard_normal(200), "spearman", n_boot=500, seed=2)
assert ind.ci_low < 0 < ind.ci_high and ind.n == 200, ind
assert "Spearman rho" in ind.text() and "n = 200" in ind.text()

lo, hi = stats.ci95(np.array([1.0]), np.array([0.5]))
assert np.isclose(hi[0] - lo[0], 2 * 1.959963984540054 * 0.5)
print("pyreader_stats: ok", round(fit.slope, 4), "+-", round(fit.slope_se, 4), dep.text(), ind.text(), sep="\n")
PY
