"""Interval estimates used by the figures: normal SE intervals, bootstrap, log-log slopes, rank correlations."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np
from scipy import stats as _scipy_stats

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def epoch_average(per_epoch) -> np.ndarray:
    """A /networks per-epoch array (rows: epochs 0..E, columns: replicas) averaged per replica over
    the measured epochs 1..E (rows without a NaN; row 0 is the initial point). The trainer's
    definition of the epoch-mean delta and g in its stored correlations."""
    values = np.asarray(per_epoch, float)
    values = values.reshape(values.shape[0], -1)[1:]
    return values[np.isfinite(values).all(axis=1)].mean(axis=0)


def ci95(mean, se) -> Tuple[np.ndarray, np.ndarray]:
    """Normal 95% interval mean -/+ 1.96 SE."""
    mean, se = np.asarray(mean, float), np.asarray(se, float)
    return mean - Z95 * se, mean + Z95 * se


def bootstrap_ci(data, statistic: Callable[[np.ndarray], float], n_boot: int = 2000, seed: int = 0,
                 level: float = 0.95) -> Tuple[float, float]:
    """Percentile bootstrap interval of statistic(data), resampling rows of data with replacement."""
    data = np.asarray(data)
    rng = np.random.default_rng(seed)
    n = len(data)
    values = np.array([statistic(data[rng.integers(0, n, n)]) for _ in range(n_boot)], dtype=float)
    values = values[np.isfinite(values)]
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1.0 - alpha))


@dataclass
class SlopeFit:
    slope: float
    slope_se: float
    intercept: float  # of log10 y at log10 x = 0
    n: int

    def ci95(self) -> Tuple[float, float]:
        return self.slope - Z95 * self.slope_se, self.slope + Z95 * self.slope_se

    def predict(self, x) -> np.ndarray:
        return 10.0 ** (self.intercept + self.slope * np.log10(np.asarray(x, float)))


def loglog_slope(x, y, se: Optional[np.ndarray] = None) -> SlopeFit:
    """Fit log10 y = a + s log10 x by least squares.

    With standard errors the fit is weighted by 1/Var(log10 y) ~ (y ln10 / se)^2 (delta method) and
    the slope SE comes from the weights; without them it is ordinary least squares with the residual
    variance. Points with y <= 0 or non-finite values are dropped.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if se is not None:
        se = np.asarray(se, float)
        keep &= np.isfinite(se) & (se > 0)
    lx, ly = np.log10(x[keep]), np.log10(y[keep])
    n = int(keep.sum())
    if n < 2:
        raise ValueError(f"loglog_slope: need at least 2 positive points, got {n}")
    design = np.column_stack([np.ones(n), lx])
    if se is not None:
        sigma = se[keep] / (y[keep] * np.log(10.0))
        w = 1.0 / sigma**2
        cov = np.linalg.inv(design.T @ (design * w[:, None]))
        coef = cov @ (design.T @ (w * ly))
    else:
        coef, *_ = np.linalg.lstsq(design, ly, rcond=None)
        dof = max(n - 2, 1)
        residual = ly - design @ coef
        cov = np.linalg.inv(design.T @ design) * (residual @ residual) / dof
    return SlopeFit(float(coef[1]), float(np.sqrt(cov[1, 1])), float(coef[0]), n)


# Fewer points than this give a rank-correlation bootstrap that resamples a handful of distinct
# pairs: its "interval" is degenerate ([-1, -1] with 3 runs). Below it only the estimate is shown.
MIN_POINTS_FOR_CORRELATION_CI = 5


@dataclass
class Correlation:
    method: str     # "kendall" or "spearman"
    estimate: float
    ci_low: float   # percentile bootstrap over (x, y) pairs
    ci_high: float
    p_value: float  # scipy's test of zero correlation
    n: int

    def text(self) -> str:
        symbol = "Kendall tau" if self.method == "kendall" else "Spearman rho"
        if self.n < MIN_POINTS_FOR_CORRELATION_CI:
            return f"{symbol} = {self.estimate:.3f}: too few runs (n = {self.n}) for an interval"
        return (f"{symbol} = {self.estimate:.3f}, 95% bootstrap CI [{self.ci_low:.3f}, {self.ci_high:.3f}], "
                f"p = {self.p_value:.2g}, n = {self.n}")


def _rank_correlation(method: str):
    if method == "kendall":
        return lambda a, b: _scipy_stats.kendalltau(a, b)
    if method == "spearman":
        return lambda a, b: _scipy_stats.spearmanr(a, b)
    raise ValueError(f"correlation method '{method}': expected 'kendall' or 'spearman'")


def correlation(x, y, method: str = "kendall", n_boot: int = 2000, seed: int = 0) -> Correlation:
    """Rank correlation of paired samples with a percentile bootstrap 95% CI (pairs resampled)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    corr = _rank_correlation(method)
    result = corr(x, y)
    if len(x) < MIN_POINTS_FOR_CORRELATION_CI:
        return Correlation(method, float(result[0]), float("nan"), float("nan"), float("nan"), int(len(x)))
    pairs = np.column_stack([x, y])
    with warnings.catch_warnings():  # resamples with a constant column give NaN; bootstrap_ci drops them
        warnings.simplefilter("ignore")
        low, high = bootstrap_ci(pairs, lambda p: corr(p[:, 0], p[:, 1])[0], n_boot=n_boot, seed=seed)
    return Correlation(method, float(result[0]), low, high, float(result[1]), int(len(x)))
