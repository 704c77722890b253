"""Write every figure of a result file as PNG plus report.md beside them, without Jupyter.

    PYTHONPATH=analysis/python /usr/bin/python3 -m sgdsmooth.report RESULTS.h5 -o figures/
    sgdsmooth report RESULTS.h5 -o figures/     (the CLI runs this module)
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
import traceback
import warnings
from typing import List, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402

from . import compare, critical_batch, plots, stats, verdicts  # noqa: E402
from .reader import Check, Experiment, ResultFile, ResultFileError  # noqa: E402

# The first line of every report.md: `sgdsmooth report -o DIR` writes only into a new or empty
# folder, or one whose report.md starts with this line (apps/cmd_report.cpp).
REPORT_MARKER = "<!-- written by sgdsmooth report -->"

Figure = Tuple[str, str]  # (png file name, caption)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _save(fig, directory: str, filename: str) -> str:
    fig.tight_layout()
    fig.savefig(os.path.join(directory, filename), dpi=110)
    plt.close(fig)
    return filename


def experiment_figure(exp: Experiment, directory: str, prefix: str = "experiment") -> Figure:
    """Every recorded series of one experiment against the step, mean with a 95% SE band."""
    names = list(exp.series)
    # schema 1.1 engine extras: the schedule's delta and the success rate (binomial SE recorded)
    extras = [k for k in ("delta", "success_rate") if k in exp.extra and np.size(exp.extra[k]) == len(exp.step)]
    panels = names + extras + ["diverged"]
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), panels):
        if name == "delta":
            ax.step(exp.step, exp.extra["delta"], where="post")
            ax.set_title("delta = eta C / sqrt(b) of the step (schedule)", fontsize=9)
        elif name == "success_rate":
            se = exp.extra.get("success_rate_error", np.zeros_like(exp.extra["success_rate"]))
            count = exp.series[names[0]].count if names else []
            plots.mean_band(ax, exp.step, exp.extra["success_rate"], se, count, label="success rate")
            ax.set_title(f"share within {exp.parameters.get('record.success_radius', '?')} of x*", fontsize=9)
            # "best" keeps the legend off the data (a fixed corner covered falling curves); the band's
            # meaning is the legend's title, so no separate note can collide with it
            ax.legend(fontsize=6, loc="best", title="band: 95% CI, rate \u00b1 1.96 binomial SE", title_fontsize=6)
        elif name == "diverged":
            ax.plot(exp.step, exp.diverged, "-", color="tab:red")
            ax.set_title(f"diverged trajectories (of {exp.trajectories})", fontsize=9)
        else:
            s = exp.series[name]
            if s.mean.ndim > 1:
                shown_columns = min(s.mean.shape[1], 6)
                for j in range(shown_columns):
                    plots.series_band(ax, exp.step, s, column=j, label=f"{name}[{j}]")
            else:
                plots.series_band(ax, exp.step, s, label=name)
            title = s.description or name
            if s.mean.ndim > 1 and shown_columns < s.mean.shape[1]:
                title += f" (first {shown_columns} of {s.mean.shape[1]})"
            ax.set_title(textwrap.fill(title, 56), fontsize=9)  # long descriptions wrap instead of running into the next panel
            positive = s.mean[np.isfinite(s.mean)]
            if positive.size and positive.min() > 0 and positive.max() / positive.min() > 100:
                ax.set_yscale("log")  # a decay over decades: the stationary level stays visible
            ax.legend(fontsize=6, loc="best", title=plots.BAND_SE, title_fontsize=6)
        ax.set_xlabel("step")
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    shown = [("problem", "problem.name"), ("noise", "noise.kind"), ("optimizer", "optimizer.kind"),
             ("schedule", "schedule.kind"), ("eta", "schedule.eta"), ("batch", "schedule.batch")]
    fig.suptitle(f"{exp.name}: " + ", ".join(f"{label}={exp.parameters[key]}" for label, key in shown
                                             if key in exp.parameters), fontsize=10)
    filename = _save(fig, directory, f"{prefix}_{_safe(exp.name)}.png")
    n = exp.series[names[0]].count if names else []
    caption = (f"Experiment `{exp.name}`: every recorded observable against the step; lines are means over "
               f"alive trajectories, shaded bands are 95% CIs (mean \u00b1 1.96 SE), "
               f"{plots._n_text(n)} trajectories; last panel: diverged trajectories (excluded).")
    return filename, caption


def check_figure(check: Check, mutants: List[Check], directory: str) -> Figure:
    """Estimate vs oracle with the decision interval, z per comparison, and each mutant's z."""
    rows = 1 + (len(mutants) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(10, 3.4 * rows), squeeze=False)
    plots.check_panel(axes[0, 0], check)
    plots.z_panel(axes[0, 1], check)
    axes[0, 1].set_title(f"z per comparison (real theory): {check.verdict}", fontsize=9)
    for ax, mutant in zip(axes[1:].ravel(), mutants):
        plots.z_panel(ax, mutant)
        expected = "caught" if mutant.verdict == "FAIL" else "NOT CAUGHT"
        ax.set_title(f"mutant {mutant.mutant}: {mutant.verdict} ({expected})", fontsize=9)
    for ax in axes[1:].ravel()[len(mutants):]:
        ax.axis("off")
    n_traj = sorted({e.trajectories for e in check.experiments.values() if e.trajectories})
    fig.suptitle(textwrap.fill(f"{check.name}: {check.claim}", 130), fontsize=9)  # long claims wrap, never clip
    filename = _save(fig, directory, f"check_{_safe(check.name)}.png")
    caption = (f"Check `{check.name}` ({check.verdict}): each of {len(check.table)} comparisons' Monte Carlo "
               f"estimate with its decision interval \u00b1{check.z_threshold:g} SE against the oracle, and "
               f"z = (estimate - oracle)/SE" + (f"; {len(mutants)} deliberately wrong theories (mutants) below, "
                                                 "each must FAIL" if mutants else "")
               + (f"; trajectories per experiment: {', '.join(map(str, n_traj))}" if n_traj else "") + ".")
    return filename, caption


def sweep_figure(result: ResultFile, name: str, directory: str, series: str = "f") -> Figure:
    """Final-checkpoint mean of one observable at every sweep point, against each sweep axis."""
    table = result.sweep_table()
    axes_names = result.sweep_axes()
    done = np.flatnonzero(table["completed"] == 1)
    values, errors, counts = [], [], []
    for p in table["point"][done]:
        s = result.point_experiment(int(p), name).series[series]
        mean, se = (s.mean[-1], s.se[-1]) if s.mean.ndim == 1 else (s.mean[-1].mean(), np.nan)
        values.append(mean); errors.append(se); counts.append(s.count[-1])
    values, errors = np.array(values), np.array(errors)
    cols = max(1, min(3, len(axes_names)))
    rows = max(1, (len(axes_names) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, axis in zip(axes.ravel(), axes_names or ["point"]):
        x = table[axis][done]
        if x.dtype.kind in "OUS":  # text axis: categorical positions
            labels = sorted(set(x.tolist()))
            x = np.array([labels.index(v) for v in x], dtype=float)
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(labels, rotation=30, fontsize=7)
        x = x.astype(float)
        spread = 0.02 * (np.ptp(x) or 1.0)
        ax.errorbar(x + rng.uniform(-spread, spread, x.size), values, yerr=1.96 * errors, fmt="o", ms=3, capsize=2)
        ax.set_xlabel(axis)
        ax.set_ylabel(f"{series} at the last checkpoint")
        if np.all(values > 0) and values.max() / values.min() > 100:
            ax.set_yscale("log")
    for ax in axes.ravel()[max(1, len(axes_names)):]:
        ax.axis("off")
    fig.suptitle(f"sweep, experiment {name}: {len(done)} points ({int(table['replicate'].max()) + 1} replicate seeds per "
                 f"cell), {plots._n_text(counts)} trajectories each; bars: 95% CI (1.96 SE)", fontsize=9)
    filename = _save(fig, directory, f"sweep_{_safe(name)}_{series}.png")
    caption = (f"Sweep, experiment `{name}`: the mean of `{series}` at the last checkpoint for each of {len(done)} "
               f"completed points, against each sweep axis (other axes vary within a column; points jittered "
               f"sideways); bars are 95% CIs (mean \u00b1 1.96 SE) over {plots._n_text(counts)} trajectories per point.")
    return filename, caption


def curves_figure(result: ResultFile, name: str, group, directory: str) -> Figure:
    """The smoothing illustration for one function (/curves/NAME), all kernels on one axis."""
    curves = result.group("curves")
    delta, samples = float(curves.attributes.get("delta", np.nan)), int(curves.attributes.get("samples", -1))
    fig, ax = plt.subplots(figsize=(12, 5))
    plots.smoothing_curves(ax, group, delta, samples)
    values = np.concatenate([g.arrays["f"] for g in group.groups.values()])
    span = np.nanmax(values) - np.nanmin(values)
    low, high = np.nanmin(values) - 0.5 * span, np.nanmax(values) + 0.5 * span
    ax.set_ylim(low, high)  # heavy tails can run off
    for line in ax.lines:  # say so in the legend when a curve lies wholly outside the axis
        y = np.asarray(line.get_ydata(), float)
        if y.size and not np.any((y >= low) & (y <= high)) and not line.get_label().startswith("_"):
            line.set_label(f"{line.get_label()}; off scale (median {np.nanmedian(y):.3g})")
    ax.set_ylabel("f(x) and f_hat(x)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: the curves fill the axes
    filename = _save(fig, directory, f"curves_{_safe(name)}.png")
    infinite = [k for k, g in group.groups.items() if not g.attributes.get("expectation_finite", 1)]
    caption = (f"`{name}`: f (black) and its smoothing f_hat(x) = E f(x - delta u) at delta = {delta:g} under "
               f"{len(group.groups)} kernels; Monte Carlo curves with 95% bands (\u00b11.96 SE, n = {samples} draws "
               "per point), closed forms dashed" + (f"; faint: kernels with infinite expectation here ("
                                                    f"{', '.join(infinite)}), whose Monte Carlo mean does not converge"
                                                    if infinite else "") + ".")
    return filename, caption


def _finite_mean_se(values):
    """(n, mean, SE over n) of the finite entries; SE is NaN below two."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0, float("nan"), float("nan")
    return v.size, v.mean(), v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else float("nan")


def _replica_band(ax, x, values, label):
    """Mean over replicas (columns) with a 95% band mean +- 1.96 SE over replicas; NaN rows skipped."""
    values = np.asarray(values, float)
    keep = np.isfinite(values).any(axis=1)
    v = values[keep]
    n = np.isfinite(v).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(v, axis=1)
        se = np.nanstd(v, axis=1, ddof=1) / np.sqrt(n)
    plots.mean_band(ax, np.asarray(x)[keep], mean, np.nan_to_num(se), n, label=label, marker="o", ms=3)


# The per-epoch curvature and sharpness tables (measure.curvature_epochs) and their panel titles.
CURVATURE_PANELS = (("hessian_top_eigenvalue", "Hessian top eigenvalue"), ("hessian_trace", "Hessian trace"),
                    ("sharpness_worst_linf", "worst-case l_inf sharpness"),
                    ("sharpness_average", "average-case sharpness"))


def networks_figure(name: str, group, directory: str) -> Figure:
    """One training run (/networks/RUN): losses, accuracies and delta per epoch over K replicas."""
    a = group.arrays
    epoch = a["epoch"]
    # A fourth panel where the run measured the full-gradient norm (measure.full_gradient), and one
    # per curvature or sharpness measure taken at chosen epochs (measure.curvature_epochs).
    full = "gradient_norm_full" in a and bool(np.isfinite(np.asarray(a["gradient_norm_full"], float)).any())
    chosen = [(key, title) for key, title in CURVATURE_PANELS
              if key in a and np.ndim(a[key]) == 2 and bool(np.isfinite(np.asarray(a[key], float)).any())]
    titles = ["loss", "accuracy", "measured delta"] + (["full-gradient norm"] if full else []) + [t for _, t in chosen]
    columns = min(4, len(titles))
    rows = (len(titles) + columns - 1) // columns
    fig, grid = plt.subplots(rows, columns, figsize=(4.3 * columns, 3.6 * rows), squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[len(titles):]:
        ax.set_visible(False)
    axes = axes[:len(titles)]
    for key in ("train_loss", "test_loss"):
        if key in a:
            _replica_band(axes[0], epoch, a[key], key)
    for key in ("train_accuracy", "test_accuracy"):
        if key in a:
            _replica_band(axes[1], epoch, a[key], key)
    if "delta" in a:
        _replica_band(axes[2], epoch, a["delta"], "delta = eta C / sqrt(b)")
    if full:
        _replica_band(axes[3], epoch, a["gradient_norm_full"], "||grad f|| over all training samples")
        if "gradient_norm_unbiased" in a:
            _replica_band(axes[3], epoch, a["gradient_norm_unbiased"], "estimate from the C^2 samples")
    for ax, (key, _) in zip(axes[len(titles) - len(chosen):], chosen):
        _replica_band(ax, epoch, a[key], key)
    for ax, title in zip(axes, titles):
        ax.set_xlabel("epoch")
        ax.set_ylabel(title)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize=9); ax.legend(fontsize=7)
    K = int(group.attributes.get("replicas", a["test_accuracy"].shape[1] if "test_accuracy" in a else 0))
    diverged = int(group.attributes.get("diverged_replicas", 0))
    diverged_text = f", {diverged} of {K} DIVERGED (train loss not finite)" if diverged else ""
    fig.suptitle(f"network run {name}: {group.attributes.get('architecture', '')}, {group.attributes.get('schedule_kind', '')} "
                 f"schedule, K = {K} replicas{diverged_text}; bands: 95% CI over replicas (mean \u00b1 1.96 SE)",
                 fontsize=10)
    filename = _save(fig, directory, f"network_{_safe(name)}.png")
    caption = (f"Training run `{name}`: loss, accuracy and measured delta per epoch, mean over K = {K} replicas{diverged_text} with "
               "95% bands (mean \u00b1 1.96 SE over replicas; with few replicas only indicative). Train metrics are "
               "over each epoch's mini-batches; test metrics and delta exist at the measured epochs only "
               "(`measure.every`), joined by straight lines." +
               (" Right: the full-gradient norm over all training samples beside its estimate from the C^2 samples "
                "(sqrt(max(0, ||g_bar||^2 - C^2/m)))." if full else ""))
    return filename, caption


def landscape_figure(name: str, landscape, directory: str, most: int = 3) -> Figure:
    """/networks/RUN/landscape: per sliced replica (at most `most`), the 2-D loss slice with the
    trajectory projected onto it, and the 1-D slices through the final weights with 95% bands."""
    a, attrs = landscape.arrays, landscape.attributes
    directions = str(attrs.get("directions", "?"))
    samples = int(attrs.get("samples", 0))
    replicas = np.asarray(a["replica"]).ravel()
    shown = min(most, replicas.size)
    fig, grid = plt.subplots(shown, 2, figsize=(10.5, 4.2 * shown), squeeze=False)
    notes = []
    for k in range(shown):
        coordinate = np.asarray(a["coordinate"][k], float)
        loss = np.asarray(a["loss"][k], float)
        se = np.asarray(a["loss_se"][k], float)
        path = np.asarray(a["trajectory"][k], float)
        off = np.asarray(a["off_plane"][k], float)
        explained = np.asarray(a["explained_variance"][k], float)
        ax, side = grid[k]
        finite = loss[np.isfinite(loss)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        levels = (np.geomspace(low, high, 24) if low > 0 and high > low else np.linspace(low, high + 1e-12, 24))
        shade = ax.contourf(coordinate, coordinate, loss.T, levels=levels, cmap="viridis")
        ax.contour(coordinate, coordinate, loss.T, levels=levels[::3], colors="k", linewidths=0.4)
        fig.colorbar(shade, ax=ax, label="training loss")
        ax.plot(path[:, 0], path[:, 1], "-o", color="white", ms=3, lw=1.2, label="trajectory (epochs 0..E)")
        ax.plot(path[0, 0], path[0, 1], "s", color="red", ms=6, label="start")
        ax.plot(0.0, 0.0, "*", color="orange", ms=10, label="final weights")
        ax.set_xlim(coordinate[0], coordinate[-1])
        ax.set_ylim(coordinate[0], coordinate[-1])
        ax.set_xlabel("d1"); ax.set_ylabel("d2")
        share = (f"; d1, d2 explain {explained[0]:.1%}, {explained[1]:.1%} of the iterates' variance"
                 if np.isfinite(explained).all() else "")
        ax.set_title(f"replica {int(replicas[k])}: {directions} directions{share}", fontsize=8)
        ax.legend(fontsize=6, loc="upper right")
        centre = coordinate.size // 2
        plots.mean_band(side, coordinate, loss[:, centre], se[:, centre], samples, label="along d1", marker="o", ms=2)
        plots.mean_band(side, coordinate, loss[centre, :], se[centre, :], samples, label="along d2", marker="o", ms=2)
        side.set_xlabel("coordinate (0: final weights)"); side.set_ylabel("training loss")
        side.set_title(f"replica {int(replicas[k])}: 1-D slices through the final weights", fontsize=8)
        side.legend(fontsize=7)
        notes.append(f"replica {int(replicas[k])}: the start lies {off[0]:.0%} off the plane"
                     + (f", d1 + d2 explain {explained.sum():.1%} of the variance" if np.isfinite(explained).all() else ""))
    fig.suptitle(f"network run {name}: loss landscape, {directions} directions, loss over n = {samples} training "
                 f"samples per point; bands: 95% CI (mean \u00b1 1.96 SE over groups of 32)", fontsize=9)
    filename = _save(fig, directory, f"network_{_safe(name)}_landscape.png")
    caption = (f"Training run `{name}`: the training loss on a grid around the final weights along two "
               f"{'principal directions of the iterates' if directions == 'pca' else 'random filter-normalised directions'}"
               f", with each epoch's weights projected onto that plane (white; red square: the start); right, the "
               f"slices along each direction through the final weights with 95% bands (n = {samples} samples per "
               f"point, SE over groups of 32). " + "; ".join(notes) + ". A point far off the plane is drawn at its "
               "projection, so the loss under it is not the loss it had.")
    return filename, caption


def networks_comparison_figure(runs, directory: str) -> Figure:
    """Every training run of one file side by side: train loss per epoch, test accuracy per epoch and
    per parameter update (the `steps` dataset), replica means with 95% bands. Schedules that change b
    (batch increase, hybrid) take fewer updates per epoch, which only the per-update panel shows."""
    fig, axes = plt.subplots(2, 2, figsize=(14, 8.5))
    axes = axes.ravel()
    replicas = set()
    for name, group in runs.items():
        a = group.arrays
        if "train_loss" in a:
            _replica_band(axes[0], a["epoch"], a["train_loss"], name)
        if "delta" in a:
            _replica_band(axes[3], a["epoch"], a["delta"], name)
        if "test_accuracy" in a:
            _replica_band(axes[1], a["epoch"], a["test_accuracy"], name)
            if "steps" in a:
                _replica_band(axes[2], a["steps"], a["test_accuracy"], name)
            replicas.add(int(group.attributes.get("replicas", a["test_accuracy"].shape[1])))
    labels = (("epoch", "train loss (epoch's mini-batches)"), ("epoch", "test accuracy"),
              ("parameter updates per replica", "test accuracy"), ("epoch", "measured delta = eta C / sqrt(b)"))
    for ax, (xlabel, ylabel) in zip(axes, labels):
        ax.set_xlabel(xlabel); ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, loc="best")
    axes[0].set_xlim(axes[1].get_xlim())  # the same epoch range (train metrics start at epoch 1)
    axes[3].set_xlim(axes[1].get_xlim())
    deltas = [v for g in runs.values() if "delta" in g.arrays for v in np.ravel(np.asarray(g.arrays["delta"], float))
              if np.isfinite(v) and v > 0]
    if deltas and max(deltas) / min(deltas) > 30:  # decays over decades (schedules to ~0): log axis
        axes[3].set_yscale("log")
    axes[3].set_title("the schedule as measured: delta at each epoch's end", fontsize=8)
    # The initial accuracy (about 0.1) would squeeze the trained runs into a sliver: zoom on epochs
    # >= 1 and say so.
    trained = [np.nanmin(np.nanmean(np.asarray(g.arrays["test_accuracy"], float)[1:], axis=1))
               for g in runs.values() if "test_accuracy" in g.arrays and len(g.arrays["test_accuracy"]) > 1]
    trained = [v for v in trained if np.isfinite(v)]
    if trained:
        low = min(trained)
        high = max(np.nanmax(np.asarray(g.arrays["test_accuracy"], float)) for g in runs.values()
                   if "test_accuracy" in g.arrays)
        for ax in axes[1:3]:
            ax.set_ylim(low - 0.1 * (high - low) - 1e-3, high + 0.1 * (high - low) + 1e-3)
            ax.set_title("epoch 0 (initial weights) below the axis", fontsize=8)
    K = ", ".join(str(k) for k in sorted(replicas))
    fig.suptitle(f"{len(runs)} training runs compared, K = {K} replicas each; bands: 95% CI over replicas "
                 "(mean \u00b1 1.96 SE)", fontsize=10)
    filename = _save(fig, directory, "networks_compared.png")
    caption = (f"All {len(runs)} training runs of the file: train loss per epoch, test accuracy per epoch and per "
               f"parameter update, and the measured delta per epoch (the schedule as it acted), mean over K = {K} "
               "replicas with 95% bands over replicas (n in each legend).")
    return filename, caption


def constant_grid(runs):
    """(learning rates, batch sizes, {(eta, b): group}) when every run is a constant schedule and
    they span >= 2 learning rates and >= 2 batch sizes (experiment (b)'s eta x b grid); else None."""
    cells = {}
    for group in runs.values():
        if group.attributes.get("schedule_kind") != "constant":
            return None
        a = group.arrays
        cells[(float(np.ravel(a["eta"])[-1]), float(np.ravel(a["batch"])[-1]))] = group
    etas = sorted({eta for eta, _ in cells})
    batches = sorted({b for _, b in cells})
    if len(etas) < 2 or len(batches) < 2:
        return None
    return etas, batches, cells


def grid_figure(grid, directory: str) -> Figure:
    """Constant-schedule eta x b grid (constant_grid's result): final test accuracy, epoch-mean
    measured delta and final worst-case sharpness as heat maps, each cell replica mean and SE."""
    etas, batches, cells = grid
    panels = (("final test accuracy", lambda g: np.asarray(g.arrays["test_accuracy"], float)[-1], "{:.3f}"),
              ("delta = eta C / sqrt(b), epoch mean", lambda g: stats.epoch_average(g.arrays["delta"]), "{:.3g}"),
              ("worst-case l_inf sharpness (final)",
               lambda g: np.asarray(g.groups["final"].arrays["sharpness_worst_linf"], float), "{:.2g}"))
    fig, axes = plt.subplots(1, 3, figsize=(5.2 * 3, 0.55 * len(etas) + 2.6))
    replicas = set()
    for ax, (title, per_replica, form) in zip(axes, panels):
        mean = np.full((len(etas), len(batches)), np.nan)
        se = np.full_like(mean, np.nan)
        for (eta, b), group in cells.items():
            try:
                v = per_replica(group)
            except KeyError:
                continue
            n, m, e = _finite_mean_se(v)
            if n == 0:
                continue
            i, j = etas.index(eta), batches.index(b)
            mean[i, j], se[i, j] = m, e
            replicas.add(n)
        image = ax.imshow(mean, cmap="viridis", aspect="auto")
        fig.colorbar(image, ax=ax, fraction=0.046)
        for i in range(len(etas)):
            for j in range(len(batches)):
                if np.isfinite(mean[i, j]):
                    shade = np.nan_to_num(image.norm(mean[i, j]))
                    ax.text(j, i, form.format(mean[i, j]) + "\n\u00b1" + (f"{se[i, j]:.1g}" if np.isfinite(se[i, j]) else "-"),
                            ha="center", va="center", fontsize=7, color="black" if shade > 0.5 else "white")
        ax.set_xticks(range(len(batches)), [f"{b:g}" for b in batches])
        ax.set_yticks(range(len(etas)), [f"{e:g}" for e in etas])
        ax.set_xlabel("batch size b"); ax.set_ylabel("learning rate eta")
        ax.set_title(title, fontsize=9)
    K = ", ".join(str(k) for k in sorted(replicas))
    fig.suptitle(f"eta x b grid, {len(cells)} runs, K = {K} replicas each; cells: replica mean \u00b1 SE over replicas "
                 "(empty: not run)", fontsize=10)
    fig.tight_layout()
    filename = _save(fig, directory, "network_grid.png")
    caption = (f"The constant-schedule runs as an eta x b grid ({len(cells)} runs, K = {K} replicas each): final test "
               "accuracy, the measured delta = eta C / sqrt(b) averaged over the measured epochs, and the final "
               "worst-case l_inf sharpness; each cell gives the replica mean \u00b1 its SE over replicas.")
    return filename, caption


def correlations_figure(group, directory: str) -> Figure:
    """/networks/correlations: per-run delta against test accuracy and sharpness, with tau and rho."""
    a = group.arrays
    pairs = [(x, y) for x in ("delta", "smith_g") for y in ("test_accuracy", "sharpness_worst_linf") if x in a and y in a]
    cols = min(2, len(pairs))
    rows = (len(pairs) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.2 * rows), squeeze=False)
    for ax, (x, y) in zip(axes.ravel(), pairs):
        plots.scatter_correlation(ax, a[x], a[y], n_boot=2000, seed=1)
        ax.set_xscale("log"); ax.set_xlabel(x); ax.set_ylabel(y)
    n = len(a.get("delta", []))
    fig.tight_layout()
    filename = _save(fig, directory, "network_correlations.png")
    caption = (f"Across {n} training runs (one point per run, replica means): delta and Smith's g against test accuracy "
               "and worst-case sharpness, with Kendall tau and Spearman rho and their 95% percentile-bootstrap CIs "
               f"(pairs resampled, 2000 times; with fewer than {stats.MIN_POINTS_FOR_CORRELATION_CI} runs no interval is given: "
               f"it would be degenerate), n = {n}.")
    return filename, caption


def _verdict_markdown(result: ResultFile) -> List[str]:
    """Exact and trend checks in two tables, each by the comparison that decided it, then an
    account of every verdict (analysis/python/sgdsmooth/verdicts.py, shared with docs/VALIDATION.md)."""
    lines = verdicts.tables(result)
    calibration = verdicts.calibration_line(result)
    return lines + ([calibration, ""] if calibration and lines else [])


def _network_accuracy_markdown(runs) -> List[str]:
    """Final test accuracy per run, and every pair of runs compared replica by replica.

    Within one file every run uses the file's seed, so replica r starts from the same weights and
    draws the same sample order in every run: the per-replica differences are paired, and their SE
    is far smaller than that of the difference of two means. Replicas with a non-finite final
    accuracy (diverged) are left out of a pair, and n says how many remain."""
    finals = {name: np.asarray(g.arrays["test_accuracy"], float)[-1]
              for name, g in runs.items() if "test_accuracy" in g.arrays}
    if not finals:
        return []
    lines = ["## Networks: final test accuracy", "",
             "| run | n | mean +- SE | updates per replica | final measured delta (mean) |",
             "| --- | --- | --- | --- | --- |"]
    for name, final in finals.items():
        a = runs[name].arrays
        n, mean, se = _finite_mean_se(final)
        updates = f"{np.ravel(a['steps'])[-1]:.0f}" if "steps" in a else "-"
        last_delta = np.asarray(a["delta"], float)[-1] if "delta" in a else np.array([np.nan])
        delta = f"{np.nanmean(last_delta):.4g}" if np.isfinite(last_delta).any() else "-"
        lines.append(f"| {name} | {n} | {mean:.4f} +- {se:.4f} | {updates} | {delta} |")
    K = next(iter(finals.values())).size
    names = [name for name, final in finals.items() if final.size == K]  # pairs need the same replicas
    if len(names) < 2 or K < 2:
        return lines + [""]
    lines += ["", "Paired by replica (same initial weights and sample order in every run of the file): "
              "difference of final test accuracy, row run minus column run, mean +- SE over the n "
              "replicas both runs finished, and z = mean / SE.", "",
              "| run A - run B | n | mean +- SE | z |", "| --- | --- | --- | --- |"]
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            n, mean, se = _finite_mean_se(finals[first] - finals[second])
            if n < 2:
                lines.append(f"| {first} - {second} | {n} | - | - |")
                continue
            z = mean / se if se > 0 else float("nan")
            lines.append(f"| {first} - {second} | {n} | {mean:+.4f} +- {se:.4f} | {z:+.1f} |")
    return lines + [""]


def landscape_summary(landscape) -> dict:
    """Per slice of /networks/RUN/landscape: the directions' share of the iterates' variance, the
    start's share off the plane, the span, and the loss rise at half the span along d1 and d2 (the
    mean of the two sides minus the centre): arrays over the slices."""
    a = landscape.arrays
    loss = np.asarray(a["loss"], float)
    G = loss.shape[1]
    c, q = G // 2, max(1, int(round((G - 1) / 4)))
    centre = loss[:, c, c]
    return {
        "explained": np.asarray(a["explained_variance"], float).sum(axis=1),
        "off_plane": np.asarray(a["off_plane"], float)[:, 0],
        "span": np.asarray(a["span"], float),
        "half": np.asarray(a["coordinate"], float)[:, c + q],
        "rise_d1": (loss[:, c + q, c] + loss[:, c - q, c]) / 2 - centre,
        "rise_d2": (loss[:, c, c + q] + loss[:, c, c - q]) / 2 - centre,
    }


def _landscape_markdown(runs) -> List[str]:
    """One row per run with landscape slices: means over its sliced replicas with 95% intervals."""
    rows = [(name, g.groups["landscape"]) for name, g in runs.items() if "landscape" in g.groups]
    if not rows:
        return []

    def cell(values, fmt):
        n, mean, se = _finite_mean_se(values)
        if n == 0:
            return "-"
        return f"{mean:{fmt}}" + (f" [{mean - 1.96 * se:{fmt}}, {mean + 1.96 * se:{fmt}}]" if n > 1 else "")

    lines = ["## Networks: loss landscapes", "",
             "Per run, over its sliced replicas (n): mean [95% CI, mean +- 1.96 SE]. The rise is the "
             "training loss at coordinate +-half (half the span) minus the loss at the final weights, the "
             "two sides averaged; with pca directions the span follows each replica's trajectory, with "
             "random filter-normalised ones it is fixed, so only then do the rises compare across runs.", "",
             "| run | directions | n | d1 + d2 share of variance | start off the plane | half | rise along d1 | "
             "rise along d2 |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, landscape in rows:
        m = landscape_summary(landscape)
        directions = str(landscape.attributes.get("directions", "?"))
        share = cell(m["explained"], ".3f") if np.isfinite(m["explained"]).any() else "-"
        lines.append(f"| {name} | {directions} | {m['span'].size} | {share} | {cell(m['off_plane'], '.3f')} | "
                     f"{cell(m['half'], '.3g')} | {cell(m['rise_d1'], '.4f')} | {cell(m['rise_d2'], '.4f')} |")
    return lines + [""]


def write_report(filename: str, directory: str) -> List[Figure]:
    os.makedirs(directory, exist_ok=True)
    figures: List[Figure] = []
    with ResultFile(filename) as result:
        attrs = result.attributes
        for exp in result.experiments().values():
            figures.append(experiment_figure(exp, directory))
        mutants = result.mutants()
        for check in result.checks().values():
            mine = [m for (name, _), m in mutants.items() if name == check.name]
            figures.append(check_figure(check, mine, directory))
        if result.has_sweep():
            for name in result.point_experiment_names():
                figures.append(sweep_figure(result, name, directory))
        for name, group in result.curves().items():
            figures.append(curves_figure(result, name, group, directory))
        runs = {}
        for name, group in result.networks().items():
            if name == "correlations":
                figures.append(correlations_figure(group, directory))
            elif "epoch" in group.arrays:
                figures.append(networks_figure(name, group, directory))
                if "landscape" in group.groups:
                    figures.append(landscape_figure(name, group.groups["landscape"], directory))
                runs[name] = group
        grid = constant_grid(runs)
        if grid is not None:
            figures.append(grid_figure(grid, directory))
        # Beyond a dozen runs the overlaid bands are unreadable; the grid figure stands in for them.
        accuracy_lines = []
        if 1 < len(runs) <= 12:
            figures.append(networks_comparison_figure(runs, directory))
            accuracy_lines = _network_accuracy_markdown(runs)
        accuracy_lines += _landscape_markdown(runs)
        critical_figures, critical_lines = critical_batch.section(runs, directory, plt)
        figures += critical_figures
        accuracy_lines += critical_lines
        drawn = ("experiments", "checks", "mutants", "sweep", "points", "curves", "networks")
        undrawn = [g for g in result.top_groups() if g not in drawn]
        verdicts = _verdict_markdown(result)
        version = result.schema_version
        has_sweep = result.has_sweep()
        # A killed `sgdsmooth train` leaves OUTPUT.incomplete.h5 with the runs it finished.
        incomplete = (result.group("networks").attributes.get("incomplete")
                      if "networks" in result.top_groups() else None)
    comparison_figures, comparison_lines = ([], []) if has_sweep else compare.comparison_section(filename, directory)
    figures += comparison_figures

    if incomplete is None:  # a killed `sgdsmooth run` leaves OUTPUT.incomplete.h5 with the experiments it finished
        incomplete = attrs.get("incomplete")
    lines = [REPORT_MARKER, f"# sgdsmooth report: {os.path.basename(filename)}", ""]
    lines += [f"- {key}: `{attrs[key]}`" for key in ("tool_version", "git_sha", "created", "command_line", "seed",
                                                      "device") if key in attrs]
    lines += [f"- schema_version: {version[0]}.{version[1]}", ""]
    if incomplete:
        lines += [f"**Incomplete file: {incomplete}.** Only the finished runs or experiments are drawn; the "
                  "correlations over runs, if any, cover those alone.", ""]
    if verdicts:
        lines += ["## Verdicts", ""] + verdicts + [""]
    lines += accuracy_lines
    lines += comparison_lines
    lines += ["## Figures", ""]
    for png, caption in figures:
        lines += [f"![{png}]({png})", "", caption, ""]
    if undrawn:
        lines += ["## Not drawn", "", "This report version draws no figure for the top-level group(s) "
                  + ", ".join(f"`/{g}`" for g in undrawn) + "; read them with `sgdsmooth.open_result(...).group(...)`.", ""]
    with open(os.path.join(directory, "report.md"), "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="sgdsmooth report", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="an sgdsmooth result file (.h5)")
    parser.add_argument("-o", "--output", required=True, help="folder for the PNGs and report.md")
    parser.add_argument("--verbose", action="store_true", help="show warnings and, on a failure, the traceback")
    parser.add_argument("--sealed", action="store_true",
                        help="the file's seal was verified (sgdsmooth report says so): a failure is then this "
                             "program's, exit 1; on any other file it is the file's, exit 2")
    args = parser.parse_args(argv)
    # Ctrl-C ends the drawing at once and silently: `sgdsmooth report` says, in one line, that nothing was written.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if not args.verbose:  # one line on a failure, none on success: warnings of the plotting stack are noise here
        warnings.simplefilter("ignore")
        np.seterr(all="ignore")
    if not os.path.exists(args.results):
        print(f"report: '{args.results}' does not exist", file=sys.stderr)
        return 2
    try:
        figures = write_report(args.results, args.output)
    except (ResultFileError, OSError, KeyError) as error:  # the file, not this program
        if args.verbose:
            traceback.print_exc()
        print(f"report: cannot read '{args.results}': {type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - one line; exit 1 only where the file is known to be whole
        if args.verbose:
            traceback.print_exc()
        if not args.sealed:
            print(f"report: cannot read '{args.results}': it does not follow the sgdsmooth schema ({type(error).__name__}: "
                  f"{error})".replace("\n", " "), file=sys.stderr)
            return 2
        print(f"report: internal error drawing '{args.results}': {type(error).__name__}: {error} (--verbose shows the "
              "traceback)".replace("\n", " "), file=sys.stderr)
        return 1
    # sgdsmooth report draws into a staging folder and names the folder the figures go to.
    print(f"wrote {len(figures)} figure(s) and report.md to {os.environ.get('SGDS_REPORT_FOLDER', args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
