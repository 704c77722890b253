#!/usr/bin/env bash
# `merge` writes every dataset and attribute of every point file: for each point, the merged
# /points/pNNNNNNN/EXPERIMENT holds exactly the point file's datasets (names, dtypes, shapes and
# values, NaN where NaN), their attributes and dimension scales, the experiment group's
# attributes, and the point file's root and /sweep_point attributes on /points/pNNNNNNN; with and
# without per-trajectory recording. Compared with h5py, an independent reader. (Issue 22, item 1.)
source "$(dirname "$0")/trust_lib.bash"

sweep="$SGDS_SOURCE_DIR/configs/sweep_example.toml"
small=(--set 'experiment.*.trajectories=64' --set 'experiment.*.steps=12')
for recording in false true; do
  dir=sweep_$recording
  "$SGDS_BIN" sweep "$sweep" "${small[@]}" --set "experiment.*.record.per_trajectory=$recording" \
    --set 'experiment.*.record.noise=true' -o "$dir" -q || { echo "FAIL: sweep ($recording)"; exit 1; }
  "$SGDS_BIN" merge "$dir" -o "$dir.h5" >/dev/null || { echo "FAIL: merge ($recording)"; exit 1; }
  check "merged_equals_points_per_trajectory_$recording" py - "$dir" "$recording" <<'PY'
import glob, sys
import h5py
import numpy as np

folder, recording = sys.argv[1], sys.argv[2] == "true"
SKIP = {"DIMENSION_LIST", "REFERENCE_LIST"}
problems = []

def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "SO" or b.dtype.kind in "SO":
        return [str(x) for x in a.ravel()] == [str(x) for x in b.ravel()]
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")

def compare_attrs(where, a, b, skip=()):
    for key in a.attrs:
        if key in SKIP or key in skip:
            continue
        if key not in b.attrs:
            problems.append(f"{where}@{key}: missing in the merged file")
        elif not same(a.attrs[key], b.attrs[key]):
            problems.append(f"{where}@{key}: {a.attrs[key]!r} != {b.attrs[key]!r}")

def scales(d):
    return [[s.name.rsplit("/", 1)[-1] for s in dim.values()] for dim in d.dims]

with h5py.File(f"{folder}.h5", "r") as merged:
    files = sorted(glob.glob(f"{folder}/points/p*.h5"))
    assert len(files) == 24 and len(merged["points"]) == 24, (len(files), len(merged["points"]))
    datasets = 0
    for name in files:
        point = name.rsplit("/", 1)[-1][:-3]
        with h5py.File(name, "r") as f:
            target = merged["points"][point]
            compare_attrs(point, f, target, skip={"filetype", "schema_version", "result_kind"})
            compare_attrs(point + "/sweep_point", f["sweep_point"], target)
            for experiment, source in f["experiments"].items():
                copy = target[experiment]
                compare_attrs(f"{point}/{experiment}", source, copy)
                if set(source) != set(copy):
                    problems.append(f"{point}/{experiment}: datasets differ: {sorted(set(source) ^ set(copy))}")
                for key, d in source.items():
                    c = copy[key]
                    datasets += 1
                    if d.dtype != c.dtype or not same(d[()], c[()]):
                        problems.append(f"{point}/{experiment}/{key}: values differ")
                    if scales(d) != scales(c):
                        problems.append(f"{point}/{experiment}/{key}: scales {scales(d)} != {scales(c)}")
                    compare_attrs(f"{point}/{experiment}/{key}", d, c)
                for key in ("eta", "batch", "delta", "temperature", "probability", "f_quantiles", "dist_quantiles",
                            "f_gap_quantiles", "grad_norm_quantiles", "success_rate", "success_rate_error", "omega_mean"):
                    if key not in copy:
                        problems.append(f"{point}/{experiment}: no {key}")
                for key in ("trajectory_f", "final_x"):
                    if (key in copy) != recording:
                        problems.append(f"{point}/{experiment}: {key} {'missing' if recording else 'unexpected'}")
for p in problems[:20]:
    print(p)
print(f"{datasets} datasets compared, {len(problems)} problems")
sys.exit(1 if problems else 0)
PY
  check "merged_verifies_$recording" "$SGDS_BIN" verify "$dir.h5"
done
finish
