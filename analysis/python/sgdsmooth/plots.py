"""Plot helpers. Every helper states n and what its band or interval is, in the legend or title."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from . import stats
from .reader import Series


def _n_text(count) -> str:
    count = np.asarray(count).ravel()
    count = count[count >= 0]
    if count.size == 0:
        return "n unknown"
    low, high = int(count.min()), int(count.max())
    return f"n = {high}" if low == high else f"n = {low}..{high}"


BAND_SE = "band: 95% CI, mean \u00b1 1.96 SE"


def mean_band(ax, x, mean, se, count, label: Optional[str] = None, color=None, **line_kw):
    """Line of the mean with a shaded 95% normal band (mean -/+ 1.96 SE); legend states n."""
    x, mean, se = np.asarray(x), np.asarray(mean, float), np.asarray(se, float)
    low, high = stats.ci95(mean, se)
    text = f"{label + ', ' if label else ''}{_n_text(count)}"
    (line,) = ax.plot(x, mean, color=color, label=text, **line_kw)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.25, linewidth=0)
    return line


def series_band(ax, step, series: Series, column: Optional[int] = None, label: Optional[str] = None, **kw):
    """mean_band for a recorded Series (optionally one column of a vector series)."""
    mean, se = series.mean, series.se
    if mean.ndim > 1:
        mean, se = mean[:, column or 0], se[:, column or 0]
    return mean_band(ax, step, mean, se, series.count, label=label, **kw)


def band_note(ax, text: str = BAND_SE, loc: str = "upper right"):
    """Write what the band is inside the axes, so a figure never leaves it unsaid."""
    ax.text(0.99 if "right" in loc else 0.01, 0.99 if "upper" in loc else 0.01, text, transform=ax.transAxes,
            ha="right" if "right" in loc else "left", va="top" if "upper" in loc else "bottom", fontsize=7,
            color="0.3")


def loglog_convergence(ax, x, y, se=None, count=None, label: Optional[str] = None, fit_mask=None,
                       theory_slope: Optional[float] = None, color=None):
    """Log-log plot of y (with 95% error bars if se given) and its fitted slope +- 95% CI.

    fit_mask selects the points used in the fit (e.g. the pre-asymptotic range); theory_slope draws a
    reference line of that slope through the first fitted point. Returns the SlopeFit.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    mask = np.ones_like(x, bool) if fit_mask is None else np.asarray(fit_mask, bool)
    fit = stats.loglog_slope(x[mask], y[mask], None if se is None else np.asarray(se, float)[mask])
    n_text = "" if count is None else f", {_n_text(count)}"
    if se is not None:
        yerr = stats.Z95 * np.asarray(se, float)
        lower = np.minimum(yerr, y * 0.999)  # keep error bars on the positive axis
        container = ax.errorbar(x, y, yerr=[lower, yerr], fmt="o", ms=3, capsize=2, color=color,
                                label=f"{label or 'measured'} (95% CI bars{n_text})")
        color = container[0].get_color()
    else:
        (points,) = ax.plot(x, y, "o", ms=3, color=color, label=f"{label or 'measured'}{n_text}")
        color = points.get_color()
    xf = x[mask]
    xf = xf[xf > 0]
    low, high = fit.ci95()
    ax.plot(xf, fit.predict(xf), "-", color=color, alpha=0.7,
            label=f"fit: slope {fit.slope:.3f} (95% CI [{low:.3f}, {high:.3f}], {fit.n} points)")
    if theory_slope is not None and xf.size:
        x0, y0 = xf[0], fit.predict(xf[:1])[0]
        ax.plot(xf, y0 * (xf / x0) ** theory_slope, ":", color="k", label=f"theory: slope {theory_slope:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    return fit


def scatter_correlation(ax, x, y, methods: Sequence[str] = ("kendall", "spearman"), n_boot: int = 2000,
                        seed: int = 0, label: Optional[str] = None, **scatter_kw):
    """Scatter of paired values with rank correlations and their bootstrap 95% CIs in the title."""
    ax.scatter(x, y, s=12, label=label, **scatter_kw)
    results = [stats.correlation(x, y, m, n_boot=n_boot, seed=seed) for m in methods]
    ax.set_title("\n".join(r.text() for r in results), fontsize=8)
    return results


def check_panel(ax, check, max_labels: int = 12, max_label_chars: int = 24):
    """One validation check: each comparison's estimate with its +-z SE decision interval and the oracle."""
    t = check.table
    idx = np.arange(len(t))
    half = check.z_threshold * t["standard_error"]
    ax.errorbar(idx, t["estimate"], yerr=half, fmt="o", ms=3, capsize=2,
                label=f"estimate \u00b1 {check.z_threshold:g} SE (decision interval)")
    ax.plot(idx, t["oracle"], "x", color="k", ms=5, label="oracle")
    ax.set_xlabel("comparison index (labels: the check's comparison dataset)" if len(t) > max_labels else "comparison")
    ax.set_ylabel("estimate and oracle (check's units)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(t) <= max_labels:
        ax.set_xticks(idx)
        # long labels (some checks describe each comparison in a sentence) ran into the panel below:
        # shorten them; the full labels are in the result file's comparison table
        short = [str(label) if len(str(label)) <= max_label_chars else str(label)[:max_label_chars - 1] + "…"
                 for label in t["label"]]
        ax.set_xticklabels(short, rotation=60, ha="right", fontsize=6)
    mutant = f" [{check.mutant}]" if check.mutant else ""
    ax.set_title(f"{check.name}{mutant}: {check.verdict}, max |z| = {np.nanmax(np.abs(t['z'])) if len(t) else float('nan'):.2f}",
                 fontsize=9)
    ax.legend(fontsize=7, loc="best")


def z_panel(ax, check):
    """z = (estimate - oracle)/SE per comparison, with the PASS region of the check's decision rule.

    Exact checks ("PASS iff ..." rules) shade |z| <= z*, or z <= z* where the rule is one-sided (a
    bound that may be loose); trend checks are decided by their own rule on an effect's CI, so no
    z band is drawn for them (or their mutants) and the legend says so.
    """
    t = check.table
    idx = np.arange(len(t))
    rule = str(check.attributes.get("decision_rule", ""))
    kind = check.attributes.get("kind")
    kind = kind.decode() if isinstance(kind, bytes) else kind
    exact = kind == "exact" if kind else rule.startswith("PASS iff")  # files before the kind attribute
    one_sided = exact and "one-sided" in rule
    ax.plot(idx, t["z"], "o", ms=3, label="z per comparison")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("comparison index")
    ax.set_ylabel("z")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.5, max(len(t), 1) - 0.5)
    if len(t) <= 12:
        ax.set_xticks(idx)  # few comparisons (one, say): a tick per comparison, never fractional ticks
    finite = t["z"][np.isfinite(t["z"])]
    low = min(finite.min(initial=0.0), -check.z_threshold)
    high = max(finite.max(initial=0.0), check.z_threshold)
    if max(-low, high) > 50:
        ax.set_yscale("symlog", linthresh=10.0)  # linear inside |z| <= 10, logarithmic beyond
        ax.set_ylim(low * 2 if low < -10 else low - 1, high * 2 if high > 10 else high + 1)
    else:
        ax.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
    if one_sided:
        ax.axhspan(ax.get_ylim()[0], check.z_threshold, color="tab:green", alpha=0.15,
                   label=f"z \u2264 {check.z_threshold:g}: PASS region (one-sided bound)")
    elif exact:
        ax.axhspan(-check.z_threshold, check.z_threshold, color="tab:green", alpha=0.15,
                   label=f"|z| \u2264 {check.z_threshold:g}: PASS region")
    else:
        ax.plot([], [], " ", label="trend check: verdict from its rule on the effect's CI, not a z band")
    ax.legend(fontsize=7, loc="best")


def smoothing_curves(ax, function_group, delta, samples, heavy_alpha: float = 0.35):
    """f and f_hat_delta(x) = E f(x - delta u) under each kernel of one /curves/FUNCTION group.

    Monte Carlo curves carry their 95% band (+-1.96 SE over `samples` draws per point); closed forms
    are dashed; kernels whose expectation is infinite for this function are drawn faint and labelled,
    since their Monte Carlo mean does not converge.
    """
    groups = function_group.groups
    first = next(iter(groups.values()))
    ax.plot(first.arrays["x"], first.arrays["f"], color="k", lw=1.2, label="f")
    for label, g in groups.items():
        a = g.arrays
        finite = bool(g.attributes.get("expectation_finite", 1))
        if finite:
            line = mean_band(ax, a["x"], a["f_hat"], a["f_hat_se"], [samples], label=label, lw=1.0)
        else:  # the SE of a mean without an expectation means nothing: no band
            (line,) = ax.plot(a["x"], a["f_hat"], lw=1.0, alpha=heavy_alpha,
                              label=f"{label}: E infinite, MC mean of {samples} draws (no band)")
        if "f_hat_closed" in a:
            ax.plot(a["x"], a["f_hat_closed"], "--", color=line.get_color(), lw=1.0, label=f"{label}: closed form")
    ax.set_xlabel("x")
    ax.set_title(f"{function_group.name}: f and f_hat at delta = {delta:g}; bands 95% (\u00b11.96 SE)", fontsize=9)
