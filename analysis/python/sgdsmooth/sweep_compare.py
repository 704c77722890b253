"""compare on a merged sweep: every cell (one value of each swept axis) as an arm, its replicate
points pooled; curves against the step per cell, the final metric against each axis, and the
theory's prediction beside them where an exact oracle exists.

Oracle (docs/THEORY.md section 5, oracle 2): SGD with constant eta and additive Gaussian noise of
variance s^2/b per coordinate on the quadratic x'Hx/2 (eigenvalues a_i = a c^(i/(d-1))):
    E f(x_t) = sum_i (a_i/2) [rho_i^(2t) E m_i^2 + V_i (1 - rho_i^(2t))],
    rho_i = 1 - eta a_i,  V_i = eta s^2 / (b a_i (2 - eta a_i)),
with m the start in H's eigenbasis (x0 plus a uniform spread of half-width w: E m^2 = x0^2 + w^2/3).
"""
from __future__ import annotations

import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from matplotlib.ticker import NullFormatter

from .reader import Experiment, ResultFile
from .stats import Z95


def _zipped_partners(axes: Sequence[str], rows) -> Dict[str, List[str]]:
    """Keys whose values determine each other one to one over the points (a [sweep] zip), under the first of them."""
    partners: Dict[str, List[str]] = {}
    taken = set()
    for i, a in enumerate(axes):
        if a in taken:
            continue
        for b in axes[i + 1:]:
            pairs = {(repr(r[7][a]), repr(r[7][b])) for r in rows}
            if len(pairs) > 1 and len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs}):
                partners.setdefault(a, []).append(b)
                taken.add(b)
    return partners


def quadratic_oracle(parameters: Dict[str, object], steps: np.ndarray) -> Optional[np.ndarray]:
    """E f(x_t) at each step, or None where the experiment is not one the oracle covers."""
    p = parameters
    if (p.get("problem.name") != "quadratic" or p.get("noise.kind") != "gaussian" or p.get("optimizer.kind") != "sgd"
            or p.get("schedule.kind") != "constant"):
        return None
    d = int(p["problem.dim"])
    a, c = float(p["problem.a"]), float(p.get("problem.condition", 1.0))
    eta, b, s = float(p["schedule.eta"]), float(p["schedule.batch"]), float(p["noise.scale"])
    eigen = a * c ** (np.arange(d) / (d - 1)) if d > 1 else np.array([a])
    if np.any(eta * eigen >= 2.0):
        return None  # unstable: no stationary level
    x0 = np.broadcast_to(np.asarray(p.get("init.x0", 0.0), float), (d,))
    if int(p.get("problem.rotated", 0)):
        e = np.ones(d)
        x0 = x0 - 2.0 * e * (e @ x0) / d  # Q = I - 2 ee'/d
    spread = float(p.get("init.spread", 0.0))
    m2 = x0**2 + spread**2 / 3.0
    rho2 = (1.0 - eta * eigen)[None, :] ** (2.0 * np.asarray(steps, float)[:, None])
    stationary = eta * s**2 / (b * eigen * (2.0 - eta * eigen))
    return ((eigen / 2.0)[None, :] * (rho2 * m2 + stationary * (1.0 - rho2))).sum(axis=1)


def _pool(experiments: Sequence[Experiment], source: str):
    """Replicate points of one cell pooled: the count-weighted mean and its SE at each checkpoint."""
    means = np.array([e.series[source].mean for e in experiments], float)
    ses = np.array([e.series[source].se for e in experiments], float)
    counts = np.array([e.series[source].count for e in experiments], float)
    total = counts.sum(axis=0)
    mean = (means * counts).sum(axis=0) / total
    se = np.sqrt(((ses * counts) ** 2).sum(axis=0)) / total
    return mean, se, total


def sweep_section(filename: str, directory: str, metric, plt) -> Tuple[List[Tuple[str, str]], List[str]]:
    """Figures and Markdown of a merged sweep's comparison (metric: a RUN_METRICS entry, not a proportion)."""
    with ResultFile(filename) as result:
        table = result.sweep_table()
        axes = result.sweep_axes()
        names = result.point_experiment_names()
        cells: Dict[Tuple[str, int], List[Experiment]] = {}
        values: Dict[int, Dict[str, object]] = {}
        for i, point in enumerate(table["point"]):
            if not table["completed"][i]:
                continue
            cell = int(table["cell"][i])
            values[cell] = {axis: table[axis][i] for axis in axes}
            for name in names:
                cells.setdefault((name, cell), []).append(result.point_experiment(int(point), name))
    figures, lines = [], []
    for name in names:
        rows = []
        fig, ax = plt.subplots(figsize=(7.0, 4.6))
        for (exp_name, cell), experiments in sorted(cells.items()):
            if exp_name != name or metric.source not in experiments[0].series:
                continue
            mean, se, n = _pool(experiments, metric.source)
            step = np.asarray(experiments[0].step, float)
            label = ", ".join(f"{k.split('.')[-1]}={values[cell][k]}" for k in axes)
            (line,) = ax.plot(step, mean, lw=1.3, label=f"{label} (n = {int(n[-1])})")
            ax.fill_between(step, mean - Z95 * se, mean + Z95 * se, color=line.get_color(), alpha=0.2, linewidth=0)
            oracle = quadratic_oracle(experiments[0].parameters, step) if metric.source in ("f", "f_gap") else None
            if oracle is not None:
                ax.plot(step, oracle, ls="--", lw=0.9, color=line.get_color())
            final_oracle = float(oracle[-1]) if oracle is not None else math.nan
            rows.append((cell, label, int(n[-1]), len(experiments), float(mean[-1]), float(se[-1]), final_oracle,
                         values[cell]))
        if not rows:
            plt.close(fig)
            continue
        if np.all(np.array([r[4] for r in rows]) > 0):
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(metric.description)
        ax.set_title(f"{name}: {metric.description} per cell, 95% band over pooled replicates; dashed: exact oracle",
                     fontsize=8)
        ax.legend(fontsize=6, ncol=2)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        curves = f"compare_sweep_{name}_curves.png"
        fig.savefig(os.path.join(directory, curves), dpi=110)
        plt.close(fig)
        figures.append((curves, f"{name}: {metric.description} against the step for every cell (replicates pooled), "
                                "95% bands; dashed lines: the exact quadratic oracle where it applies"))
        # The final value against each swept axis that takes numbers.
        numeric_axes = [k for k in axes if all(isinstance(r[7][k], (int, float, np.number)) for r in rows)]
        # Zipped keys vary together: one panel for the first, which names the others.
        zipped = _zipped_partners(axes, rows)
        numeric_axes = [k for k in numeric_axes if not any(k in later for later in zipped.values())]
        if numeric_axes:
            fig, panels = plt.subplots(1, len(numeric_axes), figsize=(5.0 * len(numeric_axes), 4.0), squeeze=False)
            for ax, axis in zip(panels.ravel(), numeric_axes):
                others = [k for k in axes if k != axis and k not in zipped.get(axis, [])]
                groups: Dict[str, list] = {}
                for r in rows:
                    groups.setdefault(", ".join(f"{k.split('.')[-1]}={r[7][k]}" for k in others) or "all", []).append(r)
                for group_label, members in sorted(groups.items()):
                    members.sort(key=lambda r: float(r[7][axis]))
                    x = np.array([float(r[7][axis]) for r in members])
                    y = np.array([r[4] for r in members])
                    e = np.array([Z95 * r[5] for r in members])
                    bar = ax.errorbar(x, y, yerr=e, fmt="o-", ms=3, capsize=2, lw=1, label=group_label)
                    theory = np.array([r[6] for r in members])
                    if np.isfinite(theory).any():
                        ax.plot(x, theory, "x--", color=bar[0].get_color(), lw=0.8)
                xs = np.array([float(r[7][axis]) for r in rows])
                if np.all(xs > 0) and xs.max() / xs.min() >= 8:
                    ax.set_xscale("log")
                    ax.xaxis.set_minor_formatter(NullFormatter())
                    ax.set_xticks(sorted(set(xs)), [f"{v:g}" for v in sorted(set(xs))])
                if np.all(np.array([r[4] for r in rows]) > 0):
                    ax.set_yscale("log")
                ax.set_xlabel(axis + (f" (zipped with {', '.join(zipped[axis])})" if axis in zipped else ""))
                ax.set_ylabel(f"final {metric.description}")
                ax.set_title("mean, 95% CI; x--: exact oracle", fontsize=8)
                ax.legend(fontsize=6)
                ax.grid(alpha=0.3)
            fig.tight_layout()
            against = f"compare_sweep_{name}_final.png"
            fig.savefig(os.path.join(directory, against), dpi=110)
            plt.close(fig)
            figures.append((against, f"{name}: final {metric.description} against each swept axis (one line per value "
                                     "of the other axes), 95% CIs; crosses: the exact oracle"))
        lines += [f"## Sweep: {name}, final {metric.description} per cell", "",
                  "| cell | " + " | ".join(axes) + " | replicates | n | final | 95% CI | oracle | z |",
                  "| --- | " + " | ".join("---" for _ in axes) + " | --- | --- | --- | --- | --- | --- |"]
        for cell, label, n, replicates, mean, se, oracle, vals in rows:
            z = (mean - oracle) / se if math.isfinite(oracle) and se > 0 else math.nan
            lines.append(f"| {cell} | " + " | ".join(str(vals[k]) for k in axes) +
                         f" | {replicates} | {n} | {mean:.4g} | [{mean - Z95 * se:.4g}, {mean + Z95 * se:.4g}] | "
                         f"{'-' if not math.isfinite(oracle) else f'{oracle:.4g}'} | "
                         f"{'-' if not math.isfinite(z) else f'{z:+.2f}'} |")
        lines += ["", "Replicate points of a cell are independent runs (their own seeds): pooled by trajectory count. "
                  "z = (final - oracle) / SE; |z| <= 4.5 is agreement at the project's threshold.", ""]
    return figures, lines
