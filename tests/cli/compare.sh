#!/usr/bin/env bash
# `sgdsmooth compare FILE... -o DIR`: which experiment or run wins and by how much. compare.md
# ranks the final values with 95% CIs and gives each arm's difference from the baseline with a 95%
# CI, paired by trajectory where the file stores one value each (numbers recomputed here from the
# file with numpy), unpaired otherwise; proportions get Wilson / Newcombe intervals, never
# "0 +- 0"; PNGs of the curves and final values; bad requests refused before python draws.
# `report` includes the comparison for a file with two or more experiments. (Issue 25, item 2.)
source "$(dirname "$0")/trust_lib.bash"

cat >decay.toml <<'TOML'
seed = 9
[defaults]
trajectories = 400
steps = 300
problem = { name = "rastrigin", dim = 2 }
noise = { kind = "gaussian", scale = 3.0 }
init = { x0 = 0.0, spread = 4.0 }
record = { checkpoints = 16, success_radius = 0.5, per_trajectory = true }
schedule = { eta = 0.01, batch = 1 }
[[experiment]]
name = "constant"
schedule = { kind = "constant" }
[[experiment]]
name = "lr_decay"
schedule = { kind = "lr_decay", every = 50, factor = 0.5 }
[[experiment]]
name = "small_eta"
schedule = { kind = "constant", eta = 0.002 }
TOML
"$SGDS_BIN" run decay.toml -o decay.h5 --threads 2 --quiet >/dev/null
"$SGDS_BIN" run decay.toml -o summary.h5 --threads 2 --quiet --set defaults.record.per_trajectory=false >/dev/null

out=$("$SGDS_BIN" compare decay.h5 -o cmp 2>&1) || { echo "compare failed: $out"; exit 1; }
check compare_writes_md_and_pngs test -s cmp/compare.md -a -s cmp/compare_curves.png -a -s cmp/compare_final.png
check pngs_are_png bash -c '[ "$(head -c 8 cmp/compare_curves.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]'
check every_png_in_md bash -c 'for p in cmp/*.png; do grep -qF "]($(basename "$p"))" cmp/compare.md || exit 1; done'
check marker_first_line bash -c 'head -1 cmp/compare.md | grep -qF "<!-- written by sgdsmooth compare -->"'

# The table's numbers are the file's: final means with 1.96 SE intervals, ranks, and paired differences
# (mean of the per-trajectory differences with a t interval) recomputed here.
check numbers_match_the_file py - <<'PY'
import re, h5py, numpy as np
from scipy import stats
md = open("cmp/compare.md").read()
rows = {m[1]: m for m in re.findall(r"^\| (\d+) \| (\w+) \| (\d+) \| ([-\d.e+]+) \| \[([-\d.e+]+), ([-\d.e+]+)\] \|", md, re.M)}
diffs = {m[0]: m for m in re.findall(r"^\| (\w+) \| ([-\d.e+]+) \| \[([-\d.e+]+), ([-\d.e+]+)\] \| (paired by trajectory[^|]*|unpaired[^|]*) \|", md, re.M)}
assert set(rows) == {"constant", "lr_decay", "small_eta"}, rows
assert set(diffs) == {"lr_decay", "small_eta"}, diffs
f = h5py.File("decay.h5", "r")["experiments"]
final = {}
for name in rows:
    mean, se, n = f[name]["f_mean"][-1], f[name]["f_se"][-1], f[name]["f_count"][-1]
    final[name] = mean
    _, _, count, value, low, high = rows[name]
    assert int(count) == n and np.isclose(float(value), mean, rtol=1e-3), (name, value, mean)
    assert np.isclose(float(low), mean - 1.96 * se, rtol=1e-3, atol=1e-9) and np.isclose(float(high), mean + 1.96 * se, rtol=1e-3), name
order = sorted(final, key=final.get)
assert [rows[n][0] for n in order] == ["1", "2", "3"], (order, rows)
base = f["constant"]["trajectory_f"][:, -1]
for name in diffs:
    d = f[name]["trajectory_f"][:, -1] - base
    d = d[np.isfinite(d)]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    _, est, low, high, how = diffs[name]
    assert how.startswith("paired by trajectory (same seed)"), how
    assert np.isclose(float(est), d.mean(), rtol=1e-3), (name, est, d.mean())
    assert np.isclose(float(low), d.mean() - half, rtol=1e-3) and np.isclose(float(high), d.mean() + half, rtol=1e-3), name
# Pairing pays: the paired interval is narrower than the unpaired one of the same arms.
unpaired = 1.96 * np.hypot(f["lr_decay"]["f_se"][-1], f["constant"]["f_se"][-1])
_, est, low, high, _ = diffs["lr_decay"]
assert (float(high) - float(low)) / 2 < unpaired, (low, high, unpaired)
PY

# Without per-trajectory values the differences are unpaired (Welch, normal) and say so.
"$SGDS_BIN" compare summary.h5 -o cmp_summary --baseline lr_decay >/dev/null
check unpaired_without_per_trajectory grep -q "| constant | .* | unpaired (no per-trajectory values" cmp_summary/compare.md
check baseline_named grep -q 'baseline `lr_decay`' cmp_summary/compare.md

# Proportions: k/n with a Wilson interval, and Newcombe differences; 0 successes is never "0 +- 0".
cat >never.toml <<'TOML'
seed = 3
[defaults]
trajectories = 200
steps = 20
problem = { name = "rastrigin", dim = 2 }
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 4.0 }
record = { success_radius = 0.01 }
[[experiment]]
name = "a"
schedule = { eta = 0.001 }
[[experiment]]
name = "b"
schedule = { eta = 0.002 }
TOML
"$SGDS_BIN" run never.toml -o never.h5 --threads 2 --quiet >/dev/null
"$SGDS_BIN" compare never.h5 -o cmp_success --metric success >/dev/null
check zero_successes_have_an_interval py - <<'PY'
import re
md = open("cmp_success/compare.md").read()
assert "0 +- 0" not in md and "0 ± 0" not in md, md
rows = re.findall(r"^\| \d+ \| (a|b) \| 200 \| 0/200 \(0 %\) \| \[0 %, ([\d.]+) %\] \(Wilson\) \|", md, re.M)
assert len(rows) == 2 and all(abs(float(u) - 1.88) < 0.01 for _, u in rows), rows  # Wilson upper, 0 of 200
assert re.search(r"^\| b \| 0 pp \| \[-[\d.]+, [\d.]+\] pp \| unpaired \(Newcombe score\)", md, re.M), md
PY

# Two files: arms are FILE_STEM:NAME; the baseline may name one.
"$SGDS_BIN" compare decay.h5 summary.h5 -o cmp_two --baseline summary:constant >/dev/null
check two_files_labelled grep -q "| decay:lr_decay |" cmp_two/compare.md

# Refusals: one line, exit 2, no folder.
refused bad_metric "--metric 'accuracy': expected one of f, gap, dist, grad_norm, success for run files" nope -- \
  "$SGDS_BIN" compare decay.h5 -o nope --metric accuracy
refused bad_baseline "--baseline 'constnt': expected one of constant, lr_decay, small_eta" nope -- \
  "$SGDS_BIN" compare decay.h5 -o nope --baseline constnt
"$SGDS_BIN" check quadratic_ar1_variance --quick -o checks.h5 --threads 2 --quiet >/dev/null
refused check_file_refused "'checks.h5' is a check file: expected run or train files" nope -- \
  "$SGDS_BIN" compare decay.h5 checks.h5 -o nope
"$SGDS_BIN" run decay.toml -o one.h5 --threads 2 --quiet --only constant >/dev/null
refused one_arm "only one experiment (constant): a comparison needs two or more" nope -- "$SGDS_BIN" compare one.h5 -o nope
mkdir theirs && echo keep > theirs/notes.txt
refused foreign_folder "theirs" -- "$SGDS_BIN" compare decay.h5 -o theirs
unchanged foreign_folder_kept "$(snapshot theirs/notes.txt)" theirs/notes.txt
refused missing_file "nofile.h5" nope -- "$SGDS_BIN" compare nofile.h5 -o nope

# A merged sweep: every cell against the exact quadratic oracle (the stationary level falls as
# 1/b); the table's z values stay within 4.5, and a wrong oracle would not (recomputed here).
cat >sweep.toml <<'TOML'
seed = 12
[[experiment]]
name = "q"
trajectories = 1024
steps = 60
problem = { name = "quadratic", dim = 3, a = 1.0, condition = 4.0 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { eta = 0.1 }
init = { x0 = 1.5, spread = 0.5 }
record = { checkpoints = 7, spacing = "linear" }
[sweep]
replicates = 2
grid = { "experiment.*.schedule.batch" = [1, 4, 16] }
TOML
"$SGDS_BIN" sweep sweep.toml -o sweep_dir --threads 2 --quiet >/dev/null
"$SGDS_BIN" merge sweep_dir -o sweep.h5 >/dev/null
"$SGDS_BIN" compare sweep.h5 -o cmp_sweep >/dev/null
check sweep_figures test -s cmp_sweep/compare_sweep_q_curves.png -a -s cmp_sweep/compare_sweep_q_final.png
check sweep_cells_agree_with_oracle py - <<'PY'
import re, numpy as np
md = open("cmp_sweep/compare.md").read()
rows = re.findall(r"^\| (\d+) \| (\d+) \| 2 \| 2048 \| ([-\d.e+]+) \| \[[^]]+\] \| ([-\d.e+]+) \| ([-+\d.]+) \|$", md, re.M)
assert len(rows) == 3, md
finals = {int(b): float(f) for _, b, f, _, _ in rows}
assert all(abs(float(z)) <= 4.5 for *_, z in rows), rows
# The level falls with b as the oracle says: eta s^2 / (2 b (2 - eta a_i)) summed, plus the decayed start.
a = np.array([1.0, 2.0, 4.0]); rho2 = (1 - 0.1 * a) ** 120
for b in (1, 4, 16):
    oracle = (a / 2 * (rho2 * (1.5**2 + 0.5**2 / 3) + 0.1 / (b * a * (2 - 0.1 * a)) * (1 - rho2))).sum()
    assert abs(float([o for _, bb, _, o, _ in rows if int(bb) == b][0]) - oracle) < 1e-3 * oracle, (b, oracle)
PY
refused sweep_with_baseline "--baseline: a sweep's cells are compared with the oracle" nope -- \
  "$SGDS_BIN" compare sweep.h5 -o nope --baseline q
refused sweep_success_metric "--metric 'success': expected one of f, gap, dist, grad_norm for a merged sweep" nope -- \
  "$SGDS_BIN" compare sweep.h5 -o nope --metric success

# report: a file with two or more experiments carries the comparison.
"$SGDS_BIN" report decay.h5 -o rep >/dev/null
check report_has_comparison grep -q "^## Comparison" rep/report.md
check report_draws_comparison test -s rep/compare_final.png
finish
