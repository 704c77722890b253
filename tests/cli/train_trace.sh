#!/usr/bin/env bash
# The training trace and the critical batch size (measure.trace, issue 26 item 4): the reduced
# config's file holds /networks/RUN/trace with dimension scales and first-reach costs that agree
# with its own checks, `report` tabulates b* and draws the SFO curves, the analysis finds a known
# minimum on synthetic costs, and bad keys are refused in one line before any training.
source "$(dirname "$0")/trust_lib.bash"
export PYTHONPATH="$SGDS_SOURCE_DIR/analysis/python" MPLBACKEND=Agg

check analysis_finds_known_minima py - <<'PY'
import numpy as np
from types import SimpleNamespace
from sgdsmooth import critical_batch as cb

b = 2.0 ** np.arange(2, 10)
# log cost exactly quadratic in log2 b with its vertex at b = 20: the parabola returns 20.
cost = np.exp(0.3 * (np.log2(b) - np.log2(20.0)) ** 2 + 9.0)
grid, star, where = cb.locate_minimum(b, cost)
assert grid == 16 and where == "inside" and abs(star - 20.0) < 1e-9, (grid, star, where)
assert cb.locate_minimum(b, cost[::-1] * 0 + np.arange(8.0) + 1)[2] == "smallest"
assert cb.locate_minimum(b, np.full(8, np.inf))[2] == "none"
# A grid of runs whose SFO follows b^2 / (b - b_min) (the bound's shape, minimum at 2 b_min),
# with 1 % replica noise, censored below b_min: b* near 2 b_min for b_min = 12, an interval that
# covers it, and b* independent of eps here (exponent 0): the exponent's interval covers 0.
rng = np.random.default_rng(7)
eps = np.array([0.5, 0.25])
cells = []
for batch in b:
    sfo = np.where(batch > 12, batch ** 2 / (batch - 12) * 1e3, np.nan)
    per = np.stack([sfo * (1 + 0.01 * rng.standard_normal(16)) * (1 / e) for e in eps])
    trace = SimpleNamespace(arrays={"loss_target": eps, "loss_sfo": per}, groups={}, attributes={})
    group = SimpleNamespace(arrays={"eta": np.array([0.1]), "batch": np.array([batch])}, attributes={
        "schedule_kind": "constant", "train_samples": 1000}, groups={"trace": trace})
    cells.append((float(batch), f"b{int(batch)}", group))
grids = cb.trace_grids({name: g for _, name, g in cells})
assert list(grids) == [0.1] and len(grids[0.1]) == 8
r = cb.analyse(grids[0.1], "loss")
assert cb.analyse(grids[0.1], "gradient_norm") is None  # no such targets
for row in r["rows"]:
    low, high = row["star_ci"]
    assert row["grid_star"] == 32 and 16 < row["star"] < 40 and low <= row["star"] <= high, row
assert r["reached"][0].tolist() == [0, 0] and r["reached"][3].tolist() == [16, 16]
low, high = r["slope_ci"]
assert low <= 0 <= high and abs(r["slope"]) < 0.05, (r["slope"], r["slope_ci"])
PY

[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): the rest skipped"; finish; }
"$SGDS_BIN" train "$SGDS_SOURCE_DIR/configs/nn_critical_batch_reduced.toml" -o trace.h5 --quiet >/dev/null
check trace_group_and_costs py - <<'PY'
import h5py, numpy as np
f = h5py.File("trace.h5", "r")
for run, b in (("b2", 2), ("b8", 8), ("b32", 32)):
    g = f["networks"][run]["trace"]
    samples, steps = g["samples"][()], g["steps"][()]
    assert int(g.attrs["every_samples"]) == 100 and samples[0] == 0 and samples[-1] == 4 * 600, samples
    assert np.all(np.diff(samples) > 0) and np.all(samples[1:] >= 100 * np.arange(1, samples.size)), samples
    assert np.all(np.diff(samples[:-1]) < 100 + b), samples
    assert g["loss"].shape == (samples.size, 2) and np.isfinite(g["loss"][()]).all()
    assert g["loss"].dims[0][0].name.endswith("/trace/samples") and g["loss_sfo"].dims[0][0].name.endswith("/trace/loss_target")
    assert list(g["loss_target"][()]) == [1.0, 0.8] and list(g["gradient_norm_target"][()]) == [1.0]
    loss, cost = g["loss"][()], g["loss_sfo"][()]
    for t, target in enumerate(g["loss_target"][()]):
        for k in range(2):
            hit = np.nonzero(loss[:, k] <= target)[0]
            expect = samples[hit[0]] if hit.size else np.nan
            assert (cost[t, k] == expect) or (np.isnan(cost[t, k]) and np.isnan(expect)), (run, t, k)
PY
"$SGDS_BIN" report trace.h5 -o trace_report >/dev/null
check report_draws_the_sfo_curves test -s trace_report/network_critical_batch.png
check report_tabulates_b_star grep -q "^### eta = 0.1, criterion f(w) <= eps (training loss), n = 2 replicas" \
  trace_report/report.md
check report_locates_b_star grep -q "^| 1 | inf (0/2) | [0-9.e+]* | [0-9.e+]* | 8 | " trace_report/report.md

printf 'seed = 1\n[model]\nhidden = [8]\n[measure.trace]\nloss_targets = [0.5]\n[[run]]\nname = "a"\nschedule = { eta = 0.1, batch = 10 }\n' >no_trace.toml
refused targets_without_a_trace "key 'measure.trace.loss_targets' = [...]: expected no targets while measure.trace.every_samples = 0" \
  no_trace.h5 -- "$SGDS_BIN" train no_trace.toml -o no_trace.h5
printf 'seed = 1\n[model]\nhidden = [8]\n[measure.trace]\nevery_samples = 10\ngradient_norm_targets = [0.5, -1]\n[[run]]\nname = "a"\nschedule = { eta = 0.1, batch = 10 }\n' >negative.toml
refused negative_target "key 'measure.trace.gradient_norm_targets'" negative.h5 -- "$SGDS_BIN" train negative.toml -o negative.h5
finish
