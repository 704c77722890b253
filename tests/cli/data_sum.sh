#!/usr/bin/env bash
# A finite sum of the user's own data: problem = { name = "data", file = "X.csv", loss, target,
# intercept, l2 }. Mini-batch noise is the real per-sample gradients' noise; the minimiser is solved
# for (least squares: the normal equations; logistic: Newton) and matches numpy/scipy; separable
# logistic data without l2 has no minimiser (NaN, never a made-up one); bad files are refused
# in one line naming the line and column. The same data in HDF5 (features and targets datasets,
# any numeric type, nested paths) gives the CSV's numbers bit for bit; a bad or corrupted HDF5
# file is refused in one line. (Issue 25, item 4.)
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
py - <<'PY'
import h5py, numpy as np
d = np.loadtxt("ls.csv", delimiter=",", skiprows=1)
with h5py.File("ls.h5", "w") as f:
    f["train/X"] = d[:, [0, 1, 3]]
    f["train/y"] = d[:, 2:3]          # a column [n][1] is taken as [n]
    f["features"] = d[:, [0, 1, 3]].astype(np.float32)
    f["targets"] = d[:, 2].astype(np.float32)
d = np.loadtxt("logit.csv", delimiter=",")
with h5py.File("logit.h5", "w") as f:
    f["features"] = d[:, :3]
    f["targets"] = d[:, 3].astype(np.int8)
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
name = "ls_hdf5"
problem = { name = "data", file = "ls.h5", features = "train/X", target = "train/y" }
[[experiment]]
name = "ls_hdf5_float32"
problem = { name = "data", file = "ls.h5" }
[[experiment]]
name = "logit_hdf5"
problem = { name = "data", file = "logit.h5", loss = "logistic" }
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
check hdf5_gives_the_csv_numbers py - <<'PY'
import h5py, numpy as np
f = h5py.File("data.h5", "r")["experiments"]
for a, b in (("ls", "ls_hdf5"), ("logit", "logit_hdf5")):
    for k in ("f_mean", "f_se", "f_gap_mean", "dist_mean", "x_mean"):
        assert np.array_equal(f[a][k][()], f[b][k][()], equal_nan=True), (a, b, k)
# float32 storage rounds the data: a different problem, close but not equal
assert not np.array_equal(f["ls"]["f_mean"][()], f["ls_hdf5_float32"]["f_mean"][()])
assert np.allclose(f["ls"]["f_mean"][()], f["ls_hdf5_float32"]["f_mean"][()], rtol=1e-5)
PY

hbad() {  # NAME EXPECT PYTHON-WRITING-f [PROBLEM-KEYS]
  py -c "
import h5py, numpy as np
with h5py.File('$1.h5', 'w') as f:
    $3"
  printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "%s.h5"%s }\n' "$1" "${4:-}" >"$1.toml"
  refused "$1" "$2" out.h5 -- "$SGDS_BIN" run "$1.toml" -o out.h5
}
hbad h5_no_features "problem.features' = \"features\": expected a dataset of \"h5_no_features.h5\"" "f['targets'] = np.zeros(3)"
hbad h5_missing_nested "problem.target' = \"train/y\": expected a dataset" "f['features'] = np.zeros((3, 2))" ', target = "train/y"'
hbad h5_group_as_features "problem.features' = \"g\": expected a dataset" "f['g/x'] = np.zeros(3); f['targets'] = np.zeros(3)" ', features = "g"'
hbad h5_three_dims "expected a 2-D dataset [samples][features] (it has 3 dimensions)" "f['features'] = np.zeros((3, 2, 2)); f['targets'] = np.zeros(3)"
hbad h5_lengths "expected 4 targets, one per row of features (it has 3)" "f['features'] = np.zeros((4, 2)); f['targets'] = np.zeros(3)"
hbad h5_strings "expected a numeric dataset (it holds string)" "f['features'] = np.zeros((3, 2)); f['targets'] = np.array([b'a', b'b', b'c'])"
hbad h5_nan_target "problem.target' = \"targets\": expected finite numbers (row 1: nan)" "f['features'] = np.zeros((3, 2)); f['targets'] = np.array([0, np.nan, 1])"
hbad h5_inf_feature "expected finite numbers (row 2, column 1: inf)" "f['features'] = np.array([[0, 0], [1, 1], [2, np.inf]]); f['targets'] = np.zeros(3)"
hbad h5_logistic "logistic targets 0 or 1 (row 0: 3)" "f['features'] = np.zeros((3, 2)); f['targets'] = np.array([3, 0, 1])" ', loss = "logistic"'
hbad h5_one_sample "at least 2 samples (rows of features), found 1" "f['features'] = np.zeros((1, 2)); f['targets'] = np.zeros(1)"
# A decompression bomb: 8 GiB of compressed zeros in a file of a few KB is refused before any value is read.
hbad h5_decompression_bomb "expected at most 1 GiB of values as doubles, targets included (it has 16777216 x 64" \
  "f.create_dataset('features', shape=(1 << 24, 64), dtype='f8', chunks=(4096, 64), compression='gzip'); f.create_dataset('targets', shape=(1 << 24,), dtype='f8', chunks=(65536,), compression='gzip')"
# A corrupted file (its superblock kept, the rest scrambled) is refused, never trusted or hung on.
py -c "
import shutil
shutil.copy('logit.h5', 'scrambled.h5')
b = bytearray(open('scrambled.h5', 'rb').read())
for i in range(96, len(b), 7): b[i] ^= 0x5A
open('scrambled.h5', 'wb').write(bytes(b))"
printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "scrambled.h5" }\n' >scrambled.toml
refused h5_scrambled "problem.file' = \"scrambled.h5\": expected a readable HDF5 file" out.h5 -- "$SGDS_BIN" run scrambled.toml -o out.h5
printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "ls.csv", features = "X" }\n' >csv_features.toml
refused csv_features "problem.features' = \"X\": expected no features key for a CSV file" out.h5 -- "$SGDS_BIN" run csv_features.toml -o out.h5

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
refused missing_file "problem.file' = \"missing.csv\": expected a readable CSV or HDF5 file" out.h5 -- "$SGDS_BIN" run missing.toml -o out.h5
mkfifo fifo.csv
printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "data", file = "fifo.csv" }\n' >fifo.toml
refused fifo_file "a FIFO" out.h5 -- "$SGDS_BIN" run fifo.toml -o out.h5
finish
