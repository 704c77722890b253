"""The critical batch size read from training traces (measure.trace; docs/THEORY.md 5.12).

Runs of one file at a constant learning rate and different constant batch sizes, each with
/networks/RUN/trace, give per target and replica the stochastic first-order oracle cost (SFO, in
per-sample gradients) at which the replica first reached the target. Per learning rate and target:

- SFO(b), the mean over replicas, is infinite where a replica never reached the target (the run's
  budget censors it: a lower bound is all that is known).
- b* on the grid is the batch with the least SFO. The continuous b* is the vertex of the parabola
  through log SFO against log2 b at that batch and its two neighbours; at an edge of the grid it is
  not located (only "at most the smallest" or "at least the largest" is known).
- Intervals are percentile bootstraps over replicas. The runs of one file share the seed, so
  replica r starts from the same weights in every run: a draw resamples replica indices once and
  uses them for every batch (paired).
- The exponent of b* against eps is the least-squares slope of log b* on log eps over the targets
  whose b* is located; the bound predicts -2 for the gradient-norm criterion (b* = 2 B eta C^2 /
  eps^2) and a noise floor proportional to eta C^2 / b predicts -1 for a loss criterion.
- Across learning rates the exponent of b* against eta, per target, from the same draws (each
  analysis draws the same replica indices, so the draws pair across learning rates too); the
  bound predicts 1 while L eta is small (b* = 2 B eta C^2 / eps^2, B about L / 2).
- C^2 by the bound: eps^2 b* / (2 B eta), B = L / (2 - L eta), with L the mean final Hessian top
  eigenvalue of the run at the grid b* (undefined where L eta >= 2), beside the measured per-sample
  C^2 of that run (the mean over replicas of c2, averaged over the epochs up to the one where the
  median replica reached the target).
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np

KINDS = (("loss", "f(w) <= eps (training loss)", -1.0), ("gradient_norm", "\u2016grad f(w)\u2016 <= eps", -2.0))
LABELS = {kind: label for kind, label, _ in KINDS}
PREDICTED = {kind: exponent for kind, _, exponent in KINDS}
BOOTSTRAP_DRAWS = 2000


def trace_grids(runs) -> Dict[float, List[Tuple[float, str, object]]]:
    """{eta: [(b, run name, group), ...] by b} over the constant-schedule runs with a trace; only
    learning rates with at least three batch sizes (a minimum needs neighbours)."""
    grids: Dict[float, List[Tuple[float, str, object]]] = {}
    for name, group in runs.items():
        if group.attributes.get("schedule_kind") != "constant" or "trace" not in group.groups:
            continue
        a = group.arrays
        eta, b = float(np.ravel(a["eta"])[-1]), float(np.ravel(a["batch"])[-1])
        grids.setdefault(eta, []).append((b, name, group))
    return {eta: sorted(cells, key=lambda c: c[0]) for eta, cells in sorted(grids.items()) if len(cells) >= 3}


def _targets(cells, kind: str) -> Optional[np.ndarray]:
    """The targets every run of the grid shares for `kind`, or None."""
    found = None
    for _, _, group in cells:
        t = group.groups["trace"].arrays.get(f"{kind}_target")
        if t is None:
            return None
        t = np.asarray(t, float)
        if found is not None and (t.shape != found.shape or not np.array_equal(t, found)):
            return None
        found = t
    return found


def _sfo(cells, kind: str) -> np.ndarray:
    """[batch][target][replica] first-reach costs (NaN: not reached)."""
    return np.stack([np.asarray(g.groups["trace"].arrays[f"{kind}_sfo"], float) for _, _, g in cells])


def _mean_cost(sfo: np.ndarray) -> np.ndarray:
    """[batch][target] mean over replicas, infinite where a replica did not reach."""
    with np.errstate(invalid="ignore"):
        mean = sfo.mean(axis=2)
    return np.where(np.isnan(sfo).any(axis=2), np.inf, mean)


def locate_minimum(batches: np.ndarray, cost: np.ndarray) -> Tuple[float, float, str]:
    """(grid b*, continuous b*, where) for one target's cost over increasing batches; `where` is
    "inside", "smallest", "largest" (b* at an edge: continuous NaN) or "none" (never reached)."""
    if not np.isfinite(cost).any():
        return float("nan"), float("nan"), "none"
    j = int(np.argmin(cost))
    if j == 0:
        return float(batches[0]), float("nan"), "smallest"
    if j == len(batches) - 1:
        return float(batches[-1]), float("nan"), "largest"
    x = np.log2(batches[j - 1:j + 2])
    y = np.log(cost[j - 1:j + 2])
    if not np.isfinite(y).all():  # a censored neighbour: the grid minimum is all that is known
        return float(batches[j]), float(batches[j]), "inside"
    a, b, _ = np.polyfit(x, y, 2)
    vertex = -b / (2 * a) if a > 0 else x[1]
    return float(batches[j]), float(2.0 ** np.clip(vertex, x[0], x[2])), "inside"


def _slope(eps: np.ndarray, b_star: np.ndarray) -> float:
    keep = np.isfinite(b_star)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(eps[keep]), np.log(b_star[keep]), 1)[0])


def interval(values: np.ndarray) -> Tuple[float, float]:
    """The 95 % percentile interval of bootstrap draws; NaN unless nine in ten located a minimum."""
    v = values[np.isfinite(values)]
    if v.size < 0.9 * values.size:
        return float("nan"), float("nan")
    return float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))


def analyse(cells, kind: str, seed: int = 0) -> Optional[dict]:
    """One learning rate's grid for one criterion: per target the mean SFO per batch with its SE,
    the reach counts, b* (grid and continuous) with bootstrap intervals, the exponent, and C^2."""
    eps = _targets(cells, kind)
    if eps is None:
        return None
    batches = np.array([b for b, _, _ in cells])
    sfo = _sfo(cells, kind)  # [B][T][K]
    B, T, K = sfo.shape
    cost = _mean_cost(sfo)
    located = [locate_minimum(batches, cost[:, t]) for t in range(T)]
    grid_star = np.array([g for g, _, _ in located])
    star = np.array([c for _, c, _ in located])
    rng = np.random.default_rng(seed)
    draws = np.full((BOOTSTRAP_DRAWS, T), np.nan)
    slopes = np.full(BOOTSTRAP_DRAWS, np.nan)
    for d in range(BOOTSTRAP_DRAWS):
        pick = rng.integers(0, K, K)
        c = _mean_cost(sfo[:, :, pick])
        draws[d] = [locate_minimum(batches, c[:, t])[1] for t in range(T)]
        slopes[d] = _slope(eps, draws[d])
    with np.errstate(invalid="ignore"):
        se = sfo.std(axis=2, ddof=1) / np.sqrt(K) if K > 1 else np.full((B, T), np.nan)

    rows = []
    for t in range(T):
        j = int(np.where(batches == grid_star[t])[0][0]) if np.isfinite(grid_star[t]) else None
        rows.append({"eps": float(eps[t]), "grid_star": grid_star[t], "star": star[t], "where": located[t][2],
                     "star_ci": interval(draws[:, t]), "recovered_c2": float("nan"), "measured_c2": float("nan"),
                     "L": float("nan")})
        if kind == "gradient_norm" and j is not None:
            _c2_beside(rows[-1], cells[j], sfo[j, t], float(np.ravel(cells[j][2].arrays["eta"])[-1]))
    return {"kind": kind, "batches": batches, "eps": eps, "cost": cost, "cost_se": se,
            "reached": (~np.isnan(sfo)).sum(axis=2), "replicas": K, "rows": rows,
            "slope": _slope(eps, star), "slope_ci": interval(slopes), "draws": draws}


def _c2_beside(row: dict, cell, sfo: np.ndarray, eta: float) -> None:
    """C^2 recovered from the grid b* by the bound, and the run's measured per-sample C^2."""
    b, _, group = cell
    a = group.arrays
    final = group.groups.get("final")
    if final is not None and "hessian_top_eigenvalue" in final.arrays:
        top = np.asarray(final.arrays["hessian_top_eigenvalue"], float)
        if np.isfinite(top).any():
            row["L"] = float(np.nanmean(top))
    if np.isfinite(row["L"]) and 0.0 < row["L"] * eta < 2.0:  # the bound needs 0 < L eta < 2
        bound_b = row["L"] / (2.0 - row["L"] * eta)
        row["recovered_c2"] = row["eps"] ** 2 * b / (2.0 * bound_b * eta)
    if "c2" in a and np.isfinite(sfo).any():
        n = float(group.attributes.get("train_samples", 0)) or float("nan")
        last = int(np.ceil(np.nanmedian(sfo) / n)) if np.isfinite(n) else 0
        c2 = np.asarray(a["c2"], float)[: max(last, 1) + 1]
        if np.isfinite(c2).any():
            row["measured_c2"] = float(np.nanmean(c2))


def eta_exponents(results: Dict[float, List[dict]]) -> List[dict]:
    """Per criterion and target shared by the two extreme learning rates: the exponent of b* on eta."""
    etas = sorted(results)
    if len(etas) < 2:
        return []
    low = {r["kind"]: r for r in results[etas[0]]}
    high = {r["kind"]: r for r in results[etas[-1]]}
    out = []
    for kind in (k for k, _, _ in KINDS if k in low and k in high):
        a, b = low[kind], high[kind]
        if a["eps"].shape != b["eps"].shape or not np.array_equal(a["eps"], b["eps"]):
            continue
        scale = np.log(etas[-1] / etas[0])
        for t, eps in enumerate(a["eps"]):
            with np.errstate(invalid="ignore", divide="ignore"):
                draws = np.log(b["draws"][:, t] / a["draws"][:, t]) / scale
                value = np.log(b["rows"][t]["star"] / a["rows"][t]["star"]) / scale
            out.append({"kind": kind, "eps": float(eps), "etas": (etas[0], etas[-1]), "exponent": float(value),
                        "ci": interval(draws)})
    return out


def _text(value: float, form: str = "{:.3g}") -> str:
    return form.format(value) if np.isfinite(value) else "-"


def markdown(results: Dict[float, List[dict]]) -> List[str]:
    """The report's critical-batch section: one table per learning rate and criterion."""
    if not results:
        return []
    lines = ["## Networks: the critical batch size (measure.trace)", "",
             "SFO(b): per-sample gradients until the whole training set first meets the target, mean over "
             "replicas (inf: a replica did not within the run). b*: the batch of least SFO, the continuous "
             "value from a parabola in log2 b through the grid minimum and its neighbours; 95 % intervals are "
             "percentile bootstraps over replicas, paired across batches. C^2 by the bound: eps^2 b*/(2 B eta), "
             "B = L/(2 - L eta), L the b* run's mean final Hessian top eigenvalue.", ""]
    for eta, analyses in results.items():
        for r in analyses:
            label, predicted = LABELS[r["kind"]], PREDICTED[r["kind"]]
            batches = r["batches"]
            lines += [f"### eta = {eta:g}, criterion {label}, n = {r['replicas']} replicas", "",
                      "| eps | " + " | ".join(f"SFO b={b:g}" for b in batches) + " | b* (grid) | b* [95 %] |"
                      + (" L | C^2 by the bound | measured C^2 |" if r["kind"] == "gradient_norm" else ""),
                      "| --- " * (len(batches) + 3 + (3 if r["kind"] == "gradient_norm" else 0)) + "|"]
            for t, row in enumerate(r["rows"]):
                costs = []
                for j in range(len(batches)):
                    c, k = r["cost"][j, t], r["reached"][j, t]
                    costs.append(f"{c:.3g}" if np.isfinite(c) else f"inf ({k}/{r['replicas']})")
                where = row["where"]
                if where == "inside":
                    located = f"{row['star']:.3g} [{_text(row['star_ci'][0])}, {_text(row['star_ci'][1])}]"
                else:
                    located = {"smallest": "at most the smallest", "largest": "at least the largest",
                               "none": "not reached"}[where]
                line = f"| {row['eps']:g} | " + " | ".join(costs) + f" | {_text(row['grid_star'], '{:g}')} | {located} |"
                if r["kind"] == "gradient_norm":
                    line += f" {_text(row['L'])} | {_text(row['recovered_c2'])} | {_text(row['measured_c2'])} |"
                lines.append(line)
            lo, hi = r["slope_ci"]
            lines += ["", f"Exponent of b* against eps: {_text(r['slope'])} [{_text(lo)}, {_text(hi)}] "
                      f"(predicted {predicted:g}).", ""]
    across = eta_exponents(results)
    if across:
        low, high = across[0]["etas"]
        lines += [f"### b* against the learning rate (eta = {low:g} and {high:g})", "",
                  "Exponent log(b*(eta_2)/b*(eta_1)) / log(eta_2/eta_1) per target, 95 % bootstrap interval "
                  "(predicted 1 by the bound while L eta is small).", "",
                  "| criterion | eps | exponent [95 %] |", "| --- | --- | --- |"]
        for e in across:
            lines.append(f"| {LABELS[e['kind']]} | {e['eps']:g} | {_text(e['exponent'])} [{_text(e['ci'][0])}, "
                         f"{_text(e['ci'][1])}] |")
        lines.append("")
    return lines


def figure(results: Dict[float, List[dict]], directory: str, plt):
    """SFO against b per target (mean, 95 % band over replicas), per learning rate and criterion."""
    if not results:
        return None
    columns = max(len(analyses) for analyses in results.values())
    fig, axes = plt.subplots(len(results), columns, figsize=(5.6 * columns, 4.2 * len(results)), squeeze=False)
    panels = [(ax, eta, r) for row, (eta, analyses) in zip(axes, results.items()) for ax, r in zip(row, analyses)]
    for row, analyses in zip(axes, results.values()):
        for ax in row[len(analyses):]:
            ax.set_visible(False)
    replicas = set()
    for ax, eta, r in panels:
        batches = r["batches"]
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(r["eps"])))
        for t, colour in enumerate(colours):
            cost, se = r["cost"][:, t], r["cost_se"][:, t]
            keep = np.isfinite(cost)
            if not keep.any():
                continue
            ax.plot(batches[keep], cost[keep], "o-", color=colour, ms=3, label=f"eps = {r['eps'][t]:g}")
            ax.fill_between(batches[keep], np.maximum(cost[keep] - 1.96 * se[keep], 1e-9),
                            cost[keep] + 1.96 * se[keep], color=colour, alpha=0.25, linewidth=0)
            row = r["rows"][t]
            if row["where"] == "inside":
                ax.plot([row["star"]], [np.interp(np.log2(row["star"]), np.log2(batches[keep]), cost[keep])],
                        "*", color=colour, ms=11, markeredgecolor="black", markeredgewidth=0.5)
        replicas.add(r["replicas"])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size b")
        ax.set_ylabel("SFO to the target (per-sample gradients)")
        ax.set_title(f"eta = {eta:g}: {LABELS[r['kind']]}\nn = {r['replicas']} replicas; band 95 %; * = b*", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    filename = "network_critical_batch.png"
    fig.savefig(os.path.join(directory, filename), dpi=120)
    plt.close(fig)
    n = ", ".join(str(k) for k in sorted(replicas))
    caption = (f"The stochastic first-order oracle cost to reach each target against the batch size, per learning "
               f"rate and criterion (mean over n = {n} replicas, 95 % band mean \u00b1 1.96 SE; a batch is left out "
               "of a curve where a replica did not reach the target within its run). Stars: the continuous b*.")
    return filename, caption


def section(runs, directory: str, plt):
    """(figures, markdown lines) for the runs of one file; nothing without a trace grid."""
    results = {}
    for eta, cells in trace_grids(runs).items():
        analyses = [a for a in (analyse(cells, kind) for kind, _, _ in KINDS) if a is not None]
        if analyses:
            results[eta] = analyses
    drawn = figure(results, directory, plt)
    return ([drawn] if drawn else []), markdown(results)
