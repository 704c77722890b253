#!/usr/bin/env bash
# The Python reader opens a real result file with its labelled arrays, and refuses a future schema
# major and a foreign HDF5 file with a clear one-line error (as does `sgdsmooth report`).
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"
export PYTHONPATH="$SGDS_SOURCE_DIR/analysis/python" MPLBACKEND=Agg

"$SGDS_BIN" run "$SGDS_SOURCE_DIR/configs/tracer.toml" -o tracer.h5 --threads 2 --quiet \
  --set 'experiment.*.trajectories=512' > /dev/null
"$SGDS_PYTHON" - <<'PY'
import os, sys
import h5py, numpy as np, shutil
import sgdsmooth

r = sgdsmooth.open_result("tracer.h5")
assert r.schema_version[0] == sgdsmooth.SCHEMA_MAJOR, r.schema_version
assert r.experiment_names() == ["quadratic_sgd", "quadratic_shb"], r.experiment_names()
e = r.experiment("quadratic_sgd")
assert e.parameters["schedule.eta"] == 0.1 and e.parameters["problem.name"] == "quadratic", e.parameters
assert e.step[0] == 0 and e.step[-1] == 200 and len(e.step) == 41, e.step
f, x2 = e.series["f"], e.series["x2"]
assert f.axes == ("step",) and x2.axes == ("step", "coordinate"), (f.axes, x2.axes)
assert x2.mean.shape == (41, 4) and np.all(f.count == 512), (x2.mean.shape, f.count)
# The same numbers as h5py reads directly, and f = (a/2) sum x_i^2 holds for the means (a = 1).
with h5py.File("tracer.h5", "r") as raw:
    assert np.array_equal(raw["experiments/quadratic_sgd/f_mean"][()], f.mean)
assert np.allclose(f.mean, 0.5 * x2.mean.sum(axis=1), rtol=1e-9), "f mean != a/2 sum x2 mean"
r.close()

shutil.copy("tracer.h5", "future.h5")
with h5py.File("future.h5", "a") as g:
    g.attrs["schema_version"] = np.array([2, 0], dtype=np.int64)
sys.path.insert(0, os.path.join(os.environ["SGDS_SOURCE_DIR"], "tests", "cli"))
from seal import seal
seal("future.h5")  # sealed again, as a future sgdsmooth would seal it
with h5py.File("foreign.h5", "w") as g:
    g["data"] = np.arange(3)

for name, expected in (("future.h5", "schema version 2.0"), ("foreign.h5", "not an sgdsmooth result file")):
    try:
        sgdsmooth.open_result(name)
    except sgdsmooth.ResultFileError as error:
        assert expected in str(error), f"{name}: unclear refusal: {error}"
        print(f"refused as expected: {error}")
    else:
        raise AssertionError(f"{name} was accepted")
PY

# The report command refuses them too: exit 2, one line naming the problem, no output folder.
for name in future.h5 foreign.h5; do
  set +e
  "$SGDS_BIN" report "$name" -o "figs_$name" 2> err.txt
  status=$?
  set -e
  [[ $status -eq 2 ]] || { echo "report on $name: exit $status, expected 2"; cat err.txt; exit 1; }
  grep -Eq "schema version 2.0|not an sgdsmooth result file" err.txt || { echo "unclear error:"; cat err.txt; exit 1; }
  [[ ! -e "figs_$name" ]] || { echo "report on $name left output behind"; exit 1; }
done
# The Python module alone (for users without the binary) refuses with exit 2 as well.
set +e
"$SGDS_PYTHON" -m sgdsmooth.report future.h5 -o figs_py 2> err.txt
status=$?
set -e
[[ $status -eq 2 ]] && grep -q "schema version 2.0" err.txt || { echo "python report: exit $status"; cat err.txt; exit 1; }
echo "pyreader_schema: ok"
