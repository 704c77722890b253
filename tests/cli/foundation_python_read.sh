#!/usr/bin/env bash
# Debian's python3 with h5py reads a result file: provenance on the root, the checkpoint datasets
# with the step dimension scale attached; and --threads 1 / --threads 2 give byte-identical datasets.
set -eu
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:=/usr/bin/python3}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH"
config="$SGDS_SOURCE_DIR/configs/tracer.toml"
"$SGDS_BIN" run "$config" -q --threads 1 --set 'experiment.*.trajectories=3000' -o "$SGDS_SCRATCH/one.h5" >/dev/null
"$SGDS_BIN" run "$config" -q --threads 2 --set 'experiment.*.trajectories=3000' -o "$SGDS_SCRATCH/two.h5" >/dev/null
"$SGDS_PYTHON" - "$SGDS_SCRATCH/one.h5" "$SGDS_SCRATCH/two.h5" <<'PY'
import sys
import h5py
import numpy as np

one_path, two_path = sys.argv[1], sys.argv[2]
with h5py.File(one_path, "r") as one, h5py.File(two_path, "r") as two:
    attrs = one.attrs
    assert attrs["filetype"] == "sgdsmooth-result", attrs["filetype"]
    assert list(attrs["schema_version"]) == [1, attrs["schema_version"][1]]
    for key in ["tool_version", "git_sha", "created", "command_line", "config", "seed", "build", "device"]:
        assert key in attrs, f"root attribute {key} missing"
    assert "trajectories = 3000" in attrs["config"], "the effective config (after --set) is stored"
    assert "1 thread" in attrs["device"] and "2 threads" in two.attrs["device"]

    group = one["experiments/quadratic_sgd"]
    assert group.attrs["schedule.eta"] == 0.1 and group.attrs["problem.dim"] == 4
    step = group["step"]
    assert step.attrs["CLASS"] == b"DIMENSION_SCALE"
    f_mean = group["f_mean"]
    assert f_mean.shape == step.shape
    assert f_mean.dims[0][0].name == step.name, "step scale attached to f_mean"
    x2 = group["x2_mean"]
    assert x2.shape == (step.shape[0], 4)
    assert x2.dims[0][0].name == step.name
    assert np.all(np.diff(step[...]) > 0)

    # Datasets identical to the byte for 1 and 2 threads.
    compared = 0
    def visit(name, obj):
        global compared
        if isinstance(obj, h5py.Dataset):
            a, b = obj[...], two[name][...]
            assert a.dtype == b.dtype and a.shape == b.shape, name
            assert a.tobytes() == b.tobytes(), f"{name} differs between 1 and 2 threads"
            compared += 1
    one.visititems(visit)
    assert compared >= 20, compared
    print(f"ok: provenance, dimension scales, and {compared} datasets byte-identical for 1 and 2 threads")
PY
