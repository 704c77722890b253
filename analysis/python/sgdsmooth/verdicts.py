"""The checks' verdicts as Markdown: exact and trend checks in separate tables, each row showing the
comparison that decided its verdict with the interval the rule used, and a short account per check
(claim, rule, decided by, reading). Used by report.md (sgdsmooth report) and docs/VALIDATION.md
(scripts/validation_report.sh), so both say the same thing.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

from .reader import Check, ResultFile


def kind_of(check: Check) -> str:
    """'exact' or 'trend' (files before schema 1.5: by the verdict)."""
    kind = check.attributes.get("kind")
    if kind:
        return str(kind)
    return "exact" if check.verdict in ("PASS", "FAIL") else "trend"


def deciding(check: Check) -> Dict[str, object]:
    """The comparison that decided the verdict (schema 1.5), else the worst one."""
    a = check.attributes
    label = a.get("deciding_label", a.get("worst_label", ""))
    estimate = float(a.get("estimate", math.nan))
    se = float(a.get("standard_error", math.nan))
    low = float(a.get("interval_low", math.nan))
    high = float(a.get("interval_high", math.nan))
    if math.isnan(low) and kind_of(check) == "exact":
        low, high = estimate - check.z_threshold * se, estimate + check.z_threshold * se
    return {"label": str(label), "estimate": estimate, "se": se, "oracle": float(a.get("oracle", math.nan)),
            "low": low, "high": high}


def bounds_only(check: Check) -> bool:
    """Every comparison is a one-sided bound (z far below zero means far inside the bound), so the
    largest |z| says nothing about agreement and is not shown as if it did."""
    return bool(check.evidence) and all(e == "bound" for e in check.evidence)


def _z_cell(check: Check) -> str:
    if bounds_only(check):
        return f"- (one-sided bounds; {check.z_threshold:g})"
    return f"{float(check.attributes.get('max_abs_z', math.nan)):.2f} ({check.z_threshold:g})"


def _number(v: float) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6g}"


def _interval(d: Dict[str, object]) -> str:
    return f"[{_number(d['low'])}, {_number(d['high'])}]"


def reading(check: Check) -> str:
    """One line saying what the verdict means for the claim."""
    d = deciding(check)
    n = len(check.table)
    z = float(check.attributes.get("max_abs_z", math.nan))
    verdict = check.verdict
    if check.mutant:
        return ("the wrong theory is rejected, as it must be" if verdict == "FAIL"
                else "the wrong theory was NOT rejected: this check has no power against it")
    if bounds_only(check) and verdict in ("PASS", "FAIL"):
        if verdict == "PASS":
            t = max(check.table, key=lambda row: row["z"] if row["z"] == row["z"] else -math.inf)  # closest to its bound
            return (f"all {n} one-sided bounds hold within {check.z_threshold:g} SE (the tightest: {t['label']}, "
                    f"{_number(float(t['estimate']))} against {_number(float(t['oracle']))}, z = {float(t['z']):+.2f}): "
                    "the claim holds at these points")
        return f"a bound is exceeded by more than {check.z_threshold:g} SE ({d['label']}): the claim, or the code, is wrong"
    if verdict == "PASS":
        return (f"all {n} comparisons agree with the exact value (largest |z| = {z:.2f} <= {check.z_threshold:g}): "
                "the claim holds to the precision of these samples")
    if verdict == "FAIL":
        return f"a comparison lies {z:.2f} SE from its exact value ({d['label']}): the claim, or the code, is wrong"
    if verdict == "SUPPORTED":
        return f"the deciding interval {_interval(d)} lies where the claim predicts: the data support it as tested"
    if verdict == "CONTRADICTED":
        return (f"the deciding interval {_interval(d)} lies on the other side of the rule's threshold: the data "
                "contradict the claim as tested here (see the check's rule for what was held fixed)")
    return f"the deciding interval {_interval(d)} straddles the rule's threshold: these samples cannot decide"


def tables(result: ResultFile) -> List[str]:
    """Markdown: the exact table, the trend table (checks then their mutants), the accounts."""
    checks = list(result.checks().values())
    mutants = list(result.mutants().values())
    if not checks and not mutants:
        return []
    lines: List[str] = []
    exact = [c for c in checks + mutants if kind_of(c) == "exact"]
    trend = [c for c in checks + mutants if kind_of(c) == "trend"]

    def verdict_cell(c: Check) -> str:
        if not c.mutant:
            return f"**{c.verdict}**"
        return c.verdict + (" (expected)" if c.verdict == "FAIL" else " (MUTANT NOT CAUGHT)")

    if exact:
        lines += ["### Exact checks", "",
                  "PASS iff every comparison is within z SE of its exact value; the row shows the comparison with "
                  "the largest |z|.", "",
                  "| check | mutant | verdict | rows | max abs z (threshold) | worst comparison | estimate | interval (z SE) | exact value |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for c in exact:
            d = deciding(c)
            lines.append(f"| {c.name} | {c.mutant or '-'} | {verdict_cell(c)} | {len(c.table)} | "
                         f"{_z_cell(c)} | {d['label']} | "
                         f"{_number(d['estimate'])} | {_interval(d)} | {_number(d['oracle'])} |")
        lines.append("")
    if trend:
        lines += ["### Trend checks", "",
                  "SUPPORTED / CONTRADICTED / INCONCLUSIVE row by row, by the rule stated before the data; the row "
                  "shows the comparison that decided the verdict and the interval that rule used (95 %).", "",
                  "| check | mutant | verdict | decided by | effect | interval the rule used |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for c in trend:
            d = deciding(c)
            lines.append(f"| {c.name} | {c.mutant or '-'} | {verdict_cell(c)} | {d['label']} | "
                         f"{_number(d['estimate'])} | {_interval(d)} |")
        lines.append("")
    lines += ["### Verdicts explained", ""]
    for c in checks:
        d = deciding(c)
        lines.append(f"- **{c.name}** ({c.verdict}, {kind_of(c)}). Claim: {c.claim}. Rule: "
                     f"{c.attributes.get('decision_rule', '')} Decided by: {d['label']} (estimate "
                     f"{_number(d['estimate'])}, interval {_interval(d)}). Reading: {reading(c)}.")
    lines.append("")
    return lines


def calibration_line(result: ResultFile) -> Optional[str]:
    """The pooled mean z^2 of the exact checks' Monte Carlo comparisons (a diagnostic)."""
    total, count = 0.0, 0
    for c in result.checks().values():
        if kind_of(c) != "exact":
            continue
        for z, evidence in zip(c.table["z"], c.evidence):
            if evidence == "monte_carlo" and math.isfinite(z):
                total += z * z
                count += 1
    if count == 0:
        return None
    return (f"The {count} Monte Carlo comparisons of the exact checks have mean z^2 = {total / count:.3f} (1 when the "
            "SEs are calibrated; comparisons of one experiment are correlated, so this is a diagnostic: "
            "se_calibration is the check that decides).")
