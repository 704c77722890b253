#!/usr/bin/env bash
# Files that open everywhere: every array of an experiment group (per-trajectory arrays too), of a
# network run and its final values, of the rank correlations and of a merged sweep's /sweep has a
# dimension scale on every axis, so xarray opens each group with both the h5netcdf and the netcdf4
# engine and names the dimensions (step, columnD, probability, trajectory, epoch, replica, run,
# point, axis_key); and sgdsmooth.tidy gives a pandas table. (Issue 25, item 5.)
source "$(dirname "$0")/trust_lib.bash"
py -c "import xarray, h5netcdf, netCDF4, pandas" 2>/dev/null ||
  { echo "python3-xarray, -h5netcdf, -netcdf4 or -pandas missing (scripts/install_deps.sh installs them): skipped"; exit 77; }

cat >run.toml <<'TOML'
seed = 4
[defaults]
trajectories = 50
steps = 30
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 1.0, spread = 1.0 }
record = { checkpoints = 6, per_trajectory = true, success_radius = 0.5 }
schedule = { eta = 0.05 }
[[experiment]]
name = "rastrigin"
problem = { name = "rastrigin", dim = 3 }
[[experiment]]
name = "double_well"
problem = { name = "double_well", dim = 1 }
TOML
"$SGDS_BIN" run run.toml -o run.h5 --threads 2 --quiet >/dev/null
cat >sweep.toml <<'TOML'
seed = 4
[[experiment]]
name = "q"
trajectories = 20
steps = 10
problem = { name = "quadratic", dim = 2 }
schedule = { eta = 0.1 }
[sweep]
replicates = 2
grid = { "experiment.*.schedule.batch" = [1, 4] }
TOML
"$SGDS_BIN" sweep sweep.toml -o sweep_dir --threads 2 --quiet >/dev/null
"$SGDS_BIN" merge sweep_dir -o sweep.h5 >/dev/null

opens() {  # FILE GROUP DIMS...: both engines open the group and every variable's dims are named
  py - "$@" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import xarray as xr
filename, group, expected = sys.argv[1], sys.argv[2], set(sys.argv[3:])
for engine in ("h5netcdf", "netcdf4"):
    ds = xr.open_dataset(filename, group=group, engine=engine)
    dims = set(ds.sizes)
    assert not [d for d in dims if d.startswith("phony_dim")], (engine, group, dims)
    assert expected <= dims, (engine, group, sorted(dims), sorted(expected))
    assert len(ds.data_vars) > 0, (engine, group)
    ds.load()  # the values read, not only the layout
PY
}
check experiment_with_per_trajectory opens run.h5 experiments/rastrigin step column3 probability trajectory
check one_dimensional_experiment opens run.h5 experiments/double_well step trajectory column1
check sweep_table opens sweep.h5 sweep point axis_key
check sweep_point_experiment opens sweep.h5 points/p0000000/q step
check per_trajectory_values py -c "
import warnings; warnings.simplefilter('ignore')
import xarray as xr, h5py, numpy as np
ds = xr.open_dataset('run.h5', group='experiments/rastrigin', engine='h5netcdf')
assert ds['trajectory_f'].dims == ('trajectory', 'step') and ds['final_x'].dims == ('trajectory', 'column3'), ds
raw = h5py.File('run.h5', 'r')['experiments/rastrigin/trajectory_f'][()]
assert np.array_equal(ds['trajectory_f'].values, raw, equal_nan=True)"

if [[ -d /usr/share/datasets/fashion-mnist ]]; then
  cat >train.toml <<'TOML'
seed = 1
[data]
source = "fashion-mnist"
train_samples = 200
test_samples = 100
[model]
kind = "mlp"
hidden = [8]
[train]
replicas = 2
epochs = 1
[measure]
noise_samples = 64
curvature = false
sharpness = false
[defaults]
schedule = { kind = "constant", batch = 20 }
[[run]]
name = "a"
schedule = { eta = 0.05 }
[[run]]
name = "b"
schedule = { eta = 0.1 }
[[run]]
name = "c"
schedule = { eta = 0.2 }
TOML
  "$SGDS_BIN" train train.toml -o train.h5 --threads 2 --quiet >train.out
  check network_run opens train.h5 networks/a epoch replica
  check network_final opens train.h5 networks/a/final replica
  check network_correlations opens train.h5 networks/correlations run
  # Three runs: the estimate only, never a degenerate bootstrap interval.
  check too_few_runs_said grep -q "too few runs (n = 3) for an interval" train.out
  check too_few_runs_in_file py -c "
import h5py, numpy as np; g = h5py.File('train.h5', 'r')['networks/correlations']
v = g.attrs['kendall_tau_delta_vs_test_accuracy']
assert np.isfinite(v[0]) and np.isnan(v[1]) and np.isnan(v[2]), v
assert 'too few runs (n = 3)' in (g.attrs['note'].decode() if isinstance(g.attrs['note'], bytes) else g.attrs['note'])"
else
  echo "no Fashion-MNIST: the network cases are not run"
fi

# A tidy table for pandas: one row per (experiment, step), the observables' means and SEs as columns.
check tidy_table py -c "
import sys; sys.path.insert(0, '$SGDS_SOURCE_DIR/analysis/python')
import sgdsmooth, numpy as np
table = sgdsmooth.tidy('run.h5')
assert set(table['experiment']) == {'rastrigin', 'double_well'}, table
assert {'step', 'f_mean', 'f_se', 'f_count', 'eta', 'delta', 'success_rate'} <= set(table.columns), list(table.columns)
assert len(table) == 12, len(table)
f = table[table.experiment == 'rastrigin'].f_mean.to_numpy()
import h5py; assert np.array_equal(f, h5py.File('run.h5', 'r')['experiments/rastrigin/f_mean'][()])"
finish
