"""Which experiment or network run wins, and by how much: curves, final values and differences with 95% CIs.

    sgdsmooth compare FILE... [--baseline NAME] [--metric f|gap|dist|grad_norm|success|test_acc|...] -o DIR
    PYTHONPATH=analysis/python /usr/bin/python3 -m sgdsmooth.compare FILE... -o DIR   (what the CLI runs)

An arm is one experiment of a run file (/experiments/NAME) or one run of a train file
(/networks/NAME). Every arm gets its curve (mean with a 95% band, n stated), its final value with a
95% CI and a rank, and its difference from the baseline arm with a 95% CI:
- paired, where both arms store one value per trajectory (record.per_trajectory) or per replica (network
  runs) and have as many: the difference of the i-th values, whose mean has the SE of the differences.
  Experiments of one config share the seed, so trajectory i starts from the same point and draws the
  same random stream in every experiment: pairing removes that shared variance (the intervals shrink).
  Pairs are independent across i whatever the arms are, so the interval is valid in any case.
- unpaired otherwise (Welch): valid, and conservative for arms that share starts and streams.
Proportions (success) use Wilson score intervals for each arm and Newcombe's hybrid score interval for
differences (never "0 +- 0").
"""
from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats as _scipy_stats  # noqa: E402

from .reader import Experiment, ResultFile, ResultFileError  # noqa: E402
from .stats import Z95  # noqa: E402

# The first line of every compare.md (apps/cmd_compare.cpp refuses any other folder it did not write).
COMPARE_MARKER = "<!-- written by sgdsmooth compare -->"


@dataclass(frozen=True)
class Metric:
    name: str          # what the user types
    source: str        # the dataset (series) it reads
    description: str
    lower_is_better: Optional[bool]  # None: a measurement with no better direction (ranked low to high)
    proportion: bool = False


RUN_METRICS = {m.name: m for m in [
    Metric("f", "f", "objective f", True),
    Metric("gap", "f_gap", "optimality gap f - f*", True),
    Metric("dist", "dist", "distance to the minimiser ||x - x*||", True),
    Metric("grad_norm", "grad_norm", "gradient norm ||grad f||", True),
    Metric("success", "success_rate", "success rate (||x - x*|| <= record.success_radius)", False, True),
]}
TRAIN_METRICS = {m.name: m for m in [
    Metric("test_acc", "test_accuracy", "test accuracy", False),
    Metric("test_loss", "test_loss", "test loss", True),
    Metric("train_loss", "train_loss", "train loss", True),
    Metric("train_acc", "train_accuracy", "train accuracy", False),
    Metric("sharpness_worst", "sharpness_worst_linf", "adaptive worst-case l_inf sharpness", True),
    Metric("sharpness_average", "sharpness_average", "average-case sharpness", True),
    Metric("hessian_top", "hessian_top_eigenvalue", "Hessian top eigenvalue", True),
    Metric("hessian_trace", "hessian_trace", "Hessian trace", True),
    Metric("c2", "c2", "per-sample gradient variance C^2", True),
    Metric("delta", "delta", "measured delta = eta C / sqrt(b)", True),
    Metric("tail_index", "tail_index", "tail index alpha of the per-sample gradient noise", None),
]}


class CompareError(Exception):
    """A request this comparison cannot answer (unknown metric or baseline, files of mixed kinds)."""


# ---------------------------------------------------------------------------------------------
# interval estimates


def wilson(k: int, n: int, z: float = Z95) -> Tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (exact enough at 0 and n, never [0, 0])."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact at the ends, free of rounding
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def newcombe(k1: int, n1: int, k0: int, n0: int) -> Tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p1 - p0 of two independent proportions."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson(k1, n1)
    l0, u0 = wilson(k0, n0)
    d = p1 - p0
    return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def mean_interval(values: np.ndarray) -> Tuple[float, float, float, int]:
    """Mean of finite values with a t 95% interval: (mean, low, high, n)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(_scipy_stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


# ---------------------------------------------------------------------------------------------
# arms


@dataclass
class Arm:
    label: str
    file: str
    kind: str                      # "experiment" or "network"
    x: np.ndarray                  # steps (experiments) or epochs (networks)
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray                  # trajectories (alive) or replicas per point
    final: float
    final_low: float
    final_high: float
    final_n: int
    final_se: float = math.nan     # normal SE of the final mean (unpaired differences)
    samples: Optional[np.ndarray] = None   # one final value per trajectory or replica, for pairing
    successes: Optional[int] = None        # proportions: k of final_n
    updates: Optional[np.ndarray] = None   # networks: cumulative parameter updates per row
    seed: Optional[int] = None
    log_spacing: bool = False
    notes: List[str] = field(default_factory=list)


def _experiment_arm(label: str, filename: str, seed, exp: Experiment, metric: Metric) -> Arm:
    step = np.asarray(exp.step, float)
    spacing = str(exp.parameter("record.spacing", "log"))
    if metric.proportion:
        if "success_rate" not in exp.extra:
            raise CompareError(f"{label}: no success_rate (the experiment has no success radius)")
        p = np.asarray(exp.extra["success_rate"], float)
        count = np.asarray(exp.series["f"].count) if "f" in exp.series else np.full(len(p), exp.trajectories or 0)
        k = np.rint(p * count).astype(int)
        bounds = np.array([wilson(int(a), int(b)) for a, b in zip(k, count)])
        final_n, final_k = int(count[-1]), int(k[-1])
        low, high = wilson(final_k, final_n)
        return Arm(label, filename, "experiment", step, p, bounds[:, 0], bounds[:, 1], count, final_k / max(final_n, 1),
                   low, high, final_n, successes=final_k, seed=seed, log_spacing=spacing == "log")
    if metric.source not in exp.series:
        raise CompareError(f"{label}: no series '{metric.source}' (it has {sorted(exp.series)})")
    series = exp.series[metric.source]
    mean, se = np.asarray(series.mean, float), np.asarray(series.se, float)
    if mean.ndim > 1:
        raise CompareError(f"{label}: '{metric.source}' is a vector series; choose a scalar metric")
    samples = None
    if metric.source in ("f", "f_gap") and "trajectory_f" in exp.extra:
        per = np.asarray(exp.extra["trajectory_f"], float)  # [N, K]
        samples = per[:, -1]
        if metric.source == "f_gap":  # f - f*, with f* the one the engine used: final gap mean - final f mean
            shift = float(mean[-1] - np.nanmean(samples)) if np.isfinite(samples).any() else 0.0
            samples = samples + shift
    return Arm(label, filename, "experiment", step, mean, mean - Z95 * se, mean + Z95 * se, np.asarray(series.count),
               float(mean[-1]), float(mean[-1] - Z95 * se[-1]), float(mean[-1] + Z95 * se[-1]), int(series.count[-1]),
               final_se=float(se[-1]), samples=samples, seed=seed, log_spacing=spacing == "log")


def _network_arm(label: str, filename: str, seed, group, metric: Metric) -> Arm:
    rows = int(group.attributes.get("epochs", 0)) + 1
    epoch = np.asarray(group.arrays.get("epoch", np.arange(rows)), float)
    final = group.groups.get("final")
    only_final = metric.source not in group.arrays and final is not None and metric.source in final.arrays
    if only_final:  # measured at the end only (no measure.curvature_epochs): one point, the last epoch
        values = np.full((len(epoch), np.size(final.arrays[metric.source])), np.nan)
        values[-1] = np.asarray(final.arrays[metric.source], float)
    elif metric.source in group.arrays:
        values = np.asarray(group.arrays[metric.source], float)
        values = values.reshape(values.shape[0], -1)  # [E+1, K]
    else:
        raise CompareError(f"{label}: no '{metric.source}' (it has {sorted(group.arrays)})")
    rows = [mean_interval(row) for row in values]
    mean = np.array([r[0] for r in rows])
    low, high = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    n = np.array([r[3] for r in rows])
    measured = np.flatnonzero(np.isfinite(mean))
    if measured.size == 0:
        raise CompareError(f"{label}: '{metric.source}' was never measured")
    last = int(measured[-1])
    final, final_low, final_high, final_n = mean_interval(values[last])
    arm = Arm(label, filename, "network", epoch, mean, low, high, n, final, final_low, final_high, final_n,
              samples=values[last], seed=seed,
              updates=np.asarray(group.arrays["steps"], float) if "steps" in group.arrays else None)
    if only_final:
        arm.notes.append("measured at the end only (measure.curvature_epochs gives a curve)")
    elif last != values.shape[0] - 1:
        arm.notes.append(f"final = epoch {int(epoch[last])}, the last one measured")
    return arm


def load_arms(filenames: Sequence[str], metric_name: Optional[str]) -> Tuple[List[Arm], Metric, List[Dict]]:
    """Every experiment or network run of the files, as arms of one metric; the files' provenance."""
    opened, kinds = [], set()
    for filename in filenames:
        result = ResultFile(filename)
        has_runs = bool(result.experiment_names())
        has_networks = bool({k for k in result.networks() if k != "correlations"})
        if result.has_sweep():
            result.close()
            raise CompareError(f"'{filename}' is a merged sweep: compare it alone (sgdsmooth compare SWEEP.h5 -o DIR)")
        if not has_runs and not has_networks:
            result.close()
            raise CompareError(f"'{filename}' holds no experiments and no network runs (a check or smoothing file?)")
        kinds.add("network" if has_networks else "experiment")
        opened.append(result)
    if len(kinds) > 1:
        raise CompareError("the files mix run files (experiments) and train files (networks): compare one kind")
    kind = kinds.pop()
    metrics = TRAIN_METRICS if kind == "network" else RUN_METRICS
    metric_name = metric_name or ("test_acc" if kind == "network" else "f")
    if metric_name not in metrics:
        raise CompareError(f"--metric '{metric_name}': expected one of {', '.join(metrics)} for "
                           f"{'train' if kind == 'network' else 'run'} files")
    metric = metrics[metric_name]
    arms, provenance = [], []
    many = len(opened) > 1
    for result in opened:
        with result:
            attributes = result.attributes
            seed = attributes.get("seed")
            provenance.append({"file": result.filename, "git_sha": attributes.get("git_sha", "?"),
                               "created": attributes.get("created", "?"), "seed": seed})
            stem = os.path.splitext(os.path.basename(result.filename))[0]
            if kind == "experiment":
                for name in result.experiment_names():
                    label = f"{stem}:{name}" if many else name
                    arms.append(_experiment_arm(label, result.filename, seed, result.experiment(name), metric))
            else:
                for name, group in result.networks().items():
                    if name == "correlations":
                        continue
                    label = f"{stem}:{name}" if many else name
                    arms.append(_network_arm(label, result.filename, seed, group, metric))
    labels = [a.label for a in arms]
    if len(set(labels)) != len(labels):
        raise CompareError(f"two arms share a label ({labels}): give the files different names")
    if len(arms) < 2:
        raise CompareError(f"only one {kind} ({labels[0] if labels else '-'}): a comparison needs two or more")
    return arms, metric, provenance


# ---------------------------------------------------------------------------------------------
# differences against the baseline


@dataclass
class Difference:
    label: str
    estimate: float
    low: float
    high: float
    pairing: str
    n: int


def difference(arm: Arm, base: Arm, metric: Metric) -> Difference:
    """arm - base at the final point, with a 95% CI; paired where both hold per-unit values."""
    if metric.proportion:
        low, high = newcombe(arm.successes, arm.final_n, base.successes, base.final_n)
        return Difference(arm.label, arm.final - base.final, low, high, "unpaired (Newcombe score)",
                          min(arm.final_n, base.final_n))
    if arm.samples is not None and base.samples is not None and len(arm.samples) == len(base.samples):
        d = np.asarray(arm.samples, float) - np.asarray(base.samples, float)
        keep = np.isfinite(d)
        estimate, low, high, n = mean_interval(d[keep])
        if n and not np.any(d[keep]):
            return Difference(arm.label, 0.0, 0.0, 0.0, "paired: identical in every pair", n)
        unit = "replica" if arm.kind == "network" else "trajectory"
        how = f"paired by {unit}"
        if arm.seed is not None and arm.seed == base.seed:
            how += " (same seed)"
        if (~keep).sum():
            how += f", {int((~keep).sum())} pairs with a diverged member left out"
        return Difference(arm.label, estimate, low, high, how, n)
    if arm.kind == "network":  # Welch with the Welch-Satterthwaite degrees of freedom
        a, b = np.asarray(arm.samples, float), np.asarray(base.samples, float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else 1.0
        half = float(_scipy_stats.t.ppf(0.975, dof) * math.sqrt(va + vb))
        estimate = float(a.mean() - b.mean())
        return Difference(arm.label, estimate, estimate - half, estimate + half, "unpaired (Welch)",
                          min(len(a), len(b)))
    estimate = arm.final - base.final
    half = Z95 * math.hypot(arm.final_se, base.final_se)
    why = "no per-trajectory values: record.per_trajectory = true pairs them"
    return Difference(arm.label, estimate, estimate - half, estimate + half, f"unpaired ({why})",
                      min(arm.final_n, base.final_n))


def ranks(arms: List[Arm], metric: Metric) -> Dict[str, int]:
    """1 + the number of arms with a strictly better final value (ties share a rank; NaN ranks last)."""
    def score(a: Arm) -> float:
        if not math.isfinite(a.final):
            return math.inf
        return -a.final if metric.lower_is_better is False else a.final
    return {a.label: 1 + sum(score(b) < score(a) for b in arms) for a in arms}


# ---------------------------------------------------------------------------------------------
# text and figures


def _number(v: float) -> str:
    if not math.isfinite(v):
        return "nan"
    return f"{v:.4g}"


def final_text(arm: Arm, metric: Metric) -> Tuple[str, str]:
    if metric.proportion:
        return (f"{arm.successes}/{arm.final_n} ({100 * arm.final:.3g} %)",
                f"[{100 * arm.final_low:.3g} %, {100 * arm.final_high:.3g} %] (Wilson)")
    return _number(arm.final), f"[{_number(arm.final_low)}, {_number(arm.final_high)}]"


def reading(d: Difference, metric: Metric, base: str) -> str:
    if d.pairing.endswith("identical in every pair"):
        return f"the same numbers as {base}"
    if not (math.isfinite(d.low) and math.isfinite(d.high)):
        return "no interval (too few values)"
    if d.low <= 0 <= d.high:
        return f"no difference from {base} resolved at 95 %"
    if metric.lower_is_better is None:
        return f"{'lower' if d.high < 0 else 'higher'} than {base}"
    better = (d.high < 0) == metric.lower_is_better
    return f"{'better' if better else 'worse'} than {base}"


def _log_y(values: np.ndarray) -> bool:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    return values.size > 0 and values.min() > 0 and values.max() / values.min() > 30


def _save(fig, directory: str, filename: str) -> str:
    fig.tight_layout()
    fig.savefig(os.path.join(directory, filename), dpi=110)
    plt.close(fig)
    return filename


def curves_figure(arms: List[Arm], metric: Metric, directory: str) -> Tuple[str, str]:
    """Every arm's curve, mean with its 95% band, on one axes (and, for networks, against updates)."""
    panels = 2 if arms[0].kind == "network" and all(a.updates is not None for a in arms) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.4 * panels, 4.4), squeeze=False)
    for p, ax in enumerate(axes.ravel()):
        for arm in arms:
            x = arm.updates if p == 1 else arm.x
            keep = np.isfinite(arm.mean)
            n_text = f"n = {int(np.nanmax(arm.n))}" if np.size(arm.n) else "n unknown"
            (line,) = ax.plot(x[keep], arm.mean[keep], label=f"{arm.label} ({n_text})", lw=1.4)
            band = keep & np.isfinite(arm.low) & np.isfinite(arm.high)
            ax.fill_between(x[band], arm.low[band], arm.high[band], color=line.get_color(), alpha=0.2, linewidth=0)
        if arms[0].kind == "experiment" and all(a.log_spacing for a in arms):
            ax.set_xscale("symlog", linthresh=1.0)
        if not metric.proportion and _log_y(np.concatenate([a.mean for a in arms])):
            ax.set_yscale("log")
        ax.set_xlabel("parameter updates" if p == 1 else ("epoch" if arms[0].kind == "network" else "step"))
        ax.set_ylabel(metric.description)
        ax.grid(alpha=0.3)
        band = "Wilson 95% intervals" if metric.proportion else (
            "95% t intervals over replicas" if arms[0].kind == "network" else "95% CI, mean \u00b1 1.96 SE")
        ax.set_title(f"{metric.description}: mean, band = {band}", fontsize=9)
        ax.legend(fontsize=7)
    name = _save(fig, directory, "compare_curves.png")
    what = "per epoch and per parameter update" if panels == 2 else "against the step"
    return name, f"{metric.description} of every arm {what}, mean with its band (n in the legend)"


def final_figure(arms: List[Arm], metric: Metric, order: Dict[str, int], directory: str) -> Tuple[str, str]:
    """Final values with their 95% CIs, best first."""
    ordered = sorted(arms, key=lambda a: (order[a.label], a.label))
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(arms) + 1.6))
    y = np.arange(len(ordered))[::-1]
    scale = 100.0 if metric.proportion else 1.0
    for yi, arm in zip(y, ordered):
        below, above = max(0.0, arm.final - arm.final_low), max(0.0, arm.final_high - arm.final)
        ax.errorbar([scale * arm.final], [yi], xerr=[[scale * below], [scale * above]],
                    fmt="o", capsize=3, color="C0" if order[arm.label] > 1 else "C3")
    ax.set_yticks(y, [f"{order[a.label]}. {a.label} (n = {a.final_n})" for a in ordered], fontsize=8)
    if not metric.proportion and _log_y(np.array([[a.final_low, a.final_high] for a in ordered]).ravel()):
        ax.set_xscale("log")
    ax.set_xlabel(f"final {metric.description}" + (" (%)" if metric.proportion else ""))
    ax.grid(axis="x", alpha=0.3)
    interval = "Wilson" if metric.proportion else ("t over replicas" if arms[0].kind == "network" else "mean \u00b1 1.96 SE")
    ax.set_title(f"final value with its 95% CI ({interval}), ranked", fontsize=9)
    name = _save(fig, directory, "compare_final.png")
    return name, f"final {metric.description} of every arm with its 95% CI, ranked best first"


def compare_markdown(arms: List[Arm], metric: Metric, baseline: str, figures: List[Tuple[str, str]],
                     heading: str = "##") -> List[str]:
    """The tables (final values and ranks, differences from the baseline) and the figures' captions."""
    order = ranks(arms, metric)
    base = next(a for a in arms if a.label == baseline)
    unit = "replicas" if arms[0].kind == "network" else "trajectories"
    better = {True: "lower is better", False: "higher is better", None: "ranked low to high"}[metric.lower_is_better]
    lines = [f"{heading} Final {metric.description} ({better})", "",
             f"| rank | {'run' if arms[0].kind == 'network' else 'experiment'} | n ({unit}) | final | 95% CI | note |",
             "| --- | --- | --- | --- | --- | --- |"]
    for arm in sorted(arms, key=lambda a: (order[a.label], a.label)):
        value, interval = final_text(arm, metric)
        lines.append(f"| {order[arm.label]} | {arm.label} | {arm.final_n} | {value} | {interval} | "
                     f"{'; '.join(arm.notes) or '-'} |")
    lines += ["", f"{heading} Differences from the baseline `{baseline}` (arm - baseline, at the end)", "",
              "| arm | difference | 95% CI | pairing | n | reading |", "| --- | --- | --- | --- | --- | --- |"]
    scale, suffix = (100.0, " pp") if metric.proportion else (1.0, "")
    for arm in arms:
        if arm.label == baseline:
            continue
        d = difference(arm, base, metric)
        lines.append(f"| {arm.label} | {_number(scale * d.estimate)}{suffix} | [{_number(scale * d.low)}, "
                     f"{_number(scale * d.high)}]{suffix} | {d.pairing} | {d.n} | {reading(d, metric, baseline)} |")
    lines += ["", "Paired differences use one value per trajectory (or replica) of each arm: experiments of one "
              "config share starts and random streams, so pairing removes what the arms have in common. "
              "Unpaired intervals are valid too, and wider for such arms.", ""]
    for png, caption in figures:
        lines += [f"![{png}]({png})", "", caption + ".", ""]
    return lines


def comparison_section(filename: str, directory: str) -> Tuple[List[Tuple[str, str]], List[str]]:
    """For `report`: the comparison of a file's experiments or runs (default metric, the first as
    baseline), its figures drawn into `directory`; nothing when the file holds fewer than two."""
    try:
        arms, metric, _ = load_arms([filename], None)
    except CompareError:
        return [], []
    figures = [curves_figure(arms, metric, directory), final_figure(arms, metric, ranks(arms, metric), directory)]
    lines = ["## Comparison", "", f"The file's {'runs' if arms[0].kind == 'network' else 'experiments'} side by "
             f"side (`sgdsmooth compare` chooses the metric and the baseline).", ""]
    return figures, lines + compare_markdown(arms, metric, arms[0].label, [], heading="###")


def write_sweep_compare(filename: str, directory: str, metric_name: Optional[str]) -> List[Tuple[str, str]]:
    from .sweep_compare import sweep_section
    metric_name = metric_name or "f"
    if metric_name not in RUN_METRICS or RUN_METRICS[metric_name].proportion:
        raise CompareError(f"--metric '{metric_name}': expected one of f, gap, dist, grad_norm for a merged sweep")
    os.makedirs(directory, exist_ok=True)
    metric = RUN_METRICS[metric_name]
    figures, body = sweep_section(filename, directory, metric, plt)
    if not figures:
        raise CompareError(f"'{filename}': no complete point records '{metric.source}'")
    with ResultFile(filename) as result:
        attributes = result.attributes
    lines = [COMPARE_MARKER, f"# sgdsmooth compare: sweep {os.path.basename(filename)}, {metric.description}", "",
             f"- `{filename}`: git_sha `{attributes.get('git_sha', '?')}`, created `{attributes.get('created', '?')}`, "
             f"sweep seed {attributes.get('seed')}", ""] + body
    for png, caption in figures:
        lines += [f"![{png}]({png})", "", caption + ".", ""]
    with open(os.path.join(directory, "compare.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    return figures


def write_compare(filenames: Sequence[str], directory: str, metric_name: Optional[str] = None,
                  baseline: Optional[str] = None) -> List[Tuple[str, str]]:
    with ResultFile(filenames[0]) as first:
        sweep = first.has_sweep()
    if sweep:
        if len(filenames) > 1:
            raise CompareError(f"'{filenames[0]}' is a merged sweep: compare it alone (sgdsmooth compare SWEEP.h5 -o DIR)")
        if baseline:
            raise CompareError("--baseline: a sweep's cells are compared with the oracle, not with a baseline")
        return write_sweep_compare(filenames[0], directory, metric_name)
    arms, metric, provenance = load_arms(filenames, metric_name)
    labels = [a.label for a in arms]
    baseline = baseline or labels[0]
    if baseline not in labels:
        raise CompareError(f"--baseline '{baseline}': expected one of {', '.join(labels)}")
    os.makedirs(directory, exist_ok=True)
    order = ranks(arms, metric)
    figures = [curves_figure(arms, metric, directory), final_figure(arms, metric, order, directory)]
    lines = [COMPARE_MARKER, f"# sgdsmooth compare: {metric.description}", ""]
    for p in provenance:
        lines.append(f"- `{p['file']}`: git_sha `{p['git_sha']}`, created `{p['created']}`, seed {p['seed']}")
    lines += [f"- metric: `{metric.name}` ({metric.description}); baseline: `{baseline}`", ""]
    lines += compare_markdown(arms, metric, baseline, figures)
    with open(os.path.join(directory, "compare.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="sgdsmooth compare", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="run or train result files (.h5)")
    parser.add_argument("-o", "--output", required=True, help="folder for compare.md and the PNGs")
    parser.add_argument("--metric", default=None, help="f, gap, dist, grad_norm, success (run files); test_acc, "
                        "test_loss, train_loss, train_acc (train files)")
    parser.add_argument("--baseline", default=None, help="the arm differences are taken against (default: the first)")
    parser.add_argument("--verbose", action="store_true", help="show warnings and, on a failure, the traceback")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if not args.verbose:
        warnings.simplefilter("ignore")
        np.seterr(all="ignore")
    try:
        figures = write_compare(args.results, args.output, args.metric, args.baseline)
    except CompareError as error:
        print(f"compare: {error}", file=sys.stderr)
        return 2
    except (ResultFileError, OSError, KeyError) as error:
        if args.verbose:
            traceback.print_exc()
        print(f"compare: cannot read the files: {type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - one line
        if args.verbose:
            traceback.print_exc()
        print(f"compare: internal error: {type(error).__name__}: {error} (--verbose shows the traceback)"
              .replace("\n", " "), file=sys.stderr)
        return 1
    print(f"wrote {len(figures)} figure(s) and compare.md to {os.environ.get('SGDS_REPORT_FOLDER', args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
