#!/usr/bin/env bash
# A finite sum of the user's own data: problem = { name = "data", file = "X.csv", loss, target,
# intercept, l2 }. Mini-batch noise is the real per-sample gradients' noise; the minimiser is solved
# for (least squares: the normal equations; logistic: Newton) and matches numpy/scipy; separable
# logistic data without l2 has no minimiser (NaN, never a made-up one); bad files are refused
# in one line naming the line and column. (Issue 25, item 4.)
source "$(dirname "$0")/trust_lib.bash"

py - <<'PY'
import numpy as np
rng = np.random.default_rng(3)
n = 400
X = rng.normal(size=(n, 3))
y = X @ [1.0, -2.0, 0.5] + 0.3 + 0.5 * rng.normal(size=n)
with open("ls.csv", "w") as f:
    f.write("a,b,y,c\n")
    for xi, yi in zip(X, y): f.write(f"{xi[0]!r},{xi[1]!r},{yi!r},{xi[2]!r}\n")
p = 1 / (1 + np.exp(-(X @ [1.0, -2.0, 0.5] + 0.3)))
with open("logit.csv", "w") as f:
    for xi, yi in zip(X, (rng.uniform(size=n) < p).astype(int)): f.write(f"{xi[0]!r},{xi[1]!r},{xi[2]!r},{yi}\n")
with open("separable.csv", "w") as f:
    for xi in X[:50]: f.write(f"{xi[0]!r},{int(xi[0] > 0)}\n")
PY
cat >data.toml <<'TOML'
seed = 3
[defaults]
trajectories = 128
steps = 200
init = { x0 = 0.0 }
record = { checkpoints = 3, success_radius = 0.2 }
schedule = { eta = 0.1, batch = 16 }
[[experiment]]
name = "ls"
problem = { name = "data", file = "ls.csv", target = "y" }
[[experiment]]
name = "logit"
problem = { name = "data", file = "logit.csv", loss = "logistic" }
[[experiment]]
name = "separable"
problem = { name = "data", file = "separable.csv", loss = "logistic" }
[[experiment]]
name = "separable_l2"
problem = { name = "data", file = "separable.csv", loss = "logistic", l2 = 0.1 }
TOML
"$SGDS_BIN" run data.toml -o data.h5 --threads 2 --quiet >/dev/null
check minimisers_match_numpy_and_scipy py - <<'PY'
import h5py, numpy as np
from scipy import optimize
f = h5py.File("data.h5", "r")["experiments"]
fstar = {n: f[n]["f_mean"][-1] - f[n]["f_gap_mean"][-1] for n in f}
d = np.loadtxt("ls.csv", delimiter=",", skiprows=1)
A, y = np.column_stack([d[:, [0, 1, 3]], np.ones(len(d))]), d[:, 2]
w = np.linalg.lstsq(A, y, rcond=None)[0]
ls = 0.5 * np.mean((A @ w - y) ** 2)
assert abs(fstar["ls"] - ls) <= 1e-9 * ls, (fstar["ls"], ls)
d = np.loadtxt("logit.csv", delimiter=",")
A, y = np.column_stack([d[:, :3], np.ones(len(d))]), d[:, 3]
nll = lambda v: np.mean(np.logaddexp(0, A @ v) - y * (A @ v))
best = optimize.minimize(nll, np.zeros(4), method="BFGS", options={"gtol": 1e-11}).fun
assert abs(fstar["logit"] - best) <= 1e-8, (fstar["logit"], best)
# Separable without l2: no minimiser, so no gap, distance or success rate; with l2 there is one.
assert np.isnan(f["separable"]["f_gap_mean"][()]).all() and np.isnan(f["separable"]["success_rate"][()]).all()
assert np.isfinite(f["separable_l2"]["f_gap_mean"][()]).all() and (f["separable_l2"]["f_gap_mean"][-1] >= -1e-12)
# Real mini-batch noise: the recorded noise kind is the minibatch one, delta unknown a priori (NaN).
assert f["ls"].attrs["noise.kind"] in (b"minibatch", "minibatch"), f["ls"].attrs["noise.kind"]
PY

bad() {  # NAME EXPECT FILE-CONTENT [PROBLEM-KEYS]
  printf '%b' "$3" >"$1.csv"
  printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "%s.csv"%s }\n' "$1" "${4:-}" >"$1.toml"
  refused "$1" "$2" out.h5 -- "$SGDS_BIN" run "$1.toml" -o out.h5
}
bad text_cell "finite numbers in every cell (line 3, column 2: \"abc\")" '1,2\n3,4\n5,abc\n'
bad ragged_row "2 columns on every row (line 2 has 3)" '1,2\n3,4,5\n'
bad logistic_target "logistic targets 0 or 1 (line 2: 2)" '1,0\n3,2\n' ', loss = "logistic"'
bad unknown_target "problem.target' = \"z\": expected one of the header's columns: x, y" 'x,y\n1,2\n3,4\n' ', target = "z"'
bad target_without_header "a column name, but the file has no header row" '1,2\n3,4\n' ', target = "y"'
bad one_sample "at least 2 samples (rows of numbers), found 1" 'x,y\n1,2\n'
bad one_column "a CSV of at least two columns (line 1 has 1)" '1\n2\n'
bad nan_cell "finite numbers in every cell (line 3, column 1: \"nan\")" 'x,y\n1,2\nnan,3\n'
printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "missing.csv" }\n' >missing.toml
refused missing_file "problem.file' = \"missing.csv\": expected a readable CSV file" out.h5 -- "$SGDS_BIN" run missing.toml -o out.h5
mkfifo fifo.csv
printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "fifo.csv" }\n' >fifo.toml
refused fifo_file "a FIFO" out.h5 -- "$SGDS_BIN" run fifo.toml -o out.h5
finish
