#!/usr/bin/env bash
# A merged sweep reads back as a point table with named axes and per-point experiments, and
# `sgdsmooth report` draws its sweep figure (final f against each axis, n and bars stated).
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
export PYTHONPATH="$SGDS_SOURCE_DIR/analysis/python" MPLBACKEND=Agg

"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" -o runs --threads 2 --quiet \
  --set 'experiment.*.trajectories=256' > /dev/null
"$SGDS_BIN" merge runs -o sweep.h5 > /dev/null
"$SGDS_PYTHON" - <<'PY'
import numpy as np, sgdsmooth
r = sgdsmooth.open_result("sweep.h5")
t = r.sweep_table()
assert len(t["point"]) == 24 and np.all(t["completed"] == 1), t
assert sorted(set(t["schedule.eta"].tolist())) == [0.05, 0.1, 0.2], t["schedule.eta"]
assert sorted(set(t["schedule.batch"].tolist())) == [1, 8], t["schedule.batch"]
assert set(r.sweep_axes()) == {"schedule.eta", "schedule.batch", "noise.scale", "init.x0"}, r.sweep_axes()
# each point's experiment carries the parameters its sweep row says
for p in (0, 7, 23):
    e = r.point_experiment(p, "quadratic_sgd")
    assert e.parameters["schedule.eta"] == t["schedule.eta"][p] and e.parameters["schedule.batch"] == t["schedule.batch"][p]
    assert e.series["f"].count[-1] == 256
print("sweep table ok")
PY
"$SGDS_BIN" report sweep.h5 -o figs
[[ $(stat -c %s figs/sweep_quadratic_sgd_f.png) -gt 10000 ]] || { echo "sweep figure missing"; exit 1; }
grep -q "for each of 24 completed points" figs/report.md && grep -q "n = 256 trajectories per point" figs/report.md ||
  { echo "sweep caption lacks n"; cat figs/report.md; exit 1; }
echo "report_sweep: ok"
