#!/usr/bin/env bash
# Sharpness per chosen epoch: measure.curvature_epochs = [...] measures the Hessian and sharpness
# measures at those epochs as well as at the end, into per-epoch tables [epoch][replica] (NaN at
# the other epochs). The last epoch's values are the final ones (the same streams); the start is
# the same in two runs of one seed (same initial weights), so compare's paired difference there is
# exactly 0; `compare --metric sharpness_worst` reads them with CIs across replicas, and without
# the key it takes the final values. Bad epoch lists are refused in one line. (Issue 25, item 6.)
# The shipped path-dependence config runs shrunk. (Issue 26, item 6.)
source "$(dirname "$0")/trust_lib.bash"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }

config() {  # FILE MEASURE-EXTRA
  cat >"$1" <<TOML
seed = 5
[data]
source = "fashion-mnist"
train_samples = 300
test_samples = 100
[model]
kind = "mlp"
hidden = [8]
[train]
replicas = 3
epochs = 3
[measure]
noise_samples = 64
curvature_samples = 64
power_iterations = 4
hutchinson_probes = 2
sharpness_samples = 64
sharpness_batch = 32
sharpness_steps = 3
average_draws = 2
$2
[[run]]
name = "constant"
schedule = { kind = "constant", eta = 0.05, batch = 16 }
[[run]]
name = "large_batch"
schedule = { kind = "constant", eta = 0.05, batch = 64 }
TOML
}
config chosen.toml 'curvature_epochs = [0, 2, 3]'
"$SGDS_BIN" train chosen.toml -o chosen.h5 --quiet >/dev/null
check per_epoch_tables_at_chosen_epochs py - <<'PY'
import h5py, numpy as np
f = h5py.File("chosen.h5", "r")["networks"]
names = ("hessian_top_eigenvalue", "hessian_trace", "hessian_trace_se", "sharpness_worst_linf",
         "sharpness_worst_linf_se", "sharpness_average", "sharpness_average_se")
for run in ("constant", "large_batch"):
    g = f[run]
    for name in names:
        v = g[name][()]
        assert v.shape == (4, 3), (name, v.shape)
        assert np.isnan(v[1]).all() and np.isfinite(v[[0, 2, 3]]).all(), (run, name, v)
        # the last epoch's measurement is the final one, bit for bit
        assert np.array_equal(v[3], g["final"][name][()]), (run, name, v[3], g["final"][name][()])
        assert g[name].attrs["description"].endswith("(NaN at the others)")
    assert np.all(g["hessian_top_eigenvalue"][()][[0, 2, 3]] > 0)
# The start: the same weights in both runs, so the same numbers
for name in names:
    assert np.array_equal(f["constant"][name][0], f["large_batch"][name][0]), name
PY
check xarray_names_the_axes py -c "
import xarray as xr
ds = xr.open_dataset('chosen.h5', group='networks/constant', engine='h5netcdf')
assert ds['sharpness_worst_linf'].dims == ('epoch', 'replica'), ds['sharpness_worst_linf'].dims"

"$SGDS_BIN" compare chosen.h5 --metric sharpness_worst --baseline constant -o cmp >/dev/null
check compare_reads_per_epoch_sharpness grep -q "worst-case l_inf sharpness" cmp/compare.md
check compare_pairs_by_replica grep -q "paired by replica" cmp/compare.md

config final_only.toml ''
"$SGDS_BIN" train final_only.toml -o final_only.h5 --quiet >/dev/null
check no_key_no_tables py -c "
import h5py
g = h5py.File('final_only.h5', 'r')['networks/constant']
assert 'sharpness_worst_linf' not in g and 'sharpness_worst_linf' in g['final'], list(g)"
check same_final_values_without_the_key py -c "
import h5py, numpy as np
a, b = h5py.File('chosen.h5', 'r')['networks'], h5py.File('final_only.h5', 'r')['networks']
for run in ('constant', 'large_batch'):
    for k in a[run]['final']:
        assert np.array_equal(a[run]['final'][k][()], b[run]['final'][k][()], equal_nan=True), (run, k)
    for k in ('train_loss', 'test_accuracy', 'c2', 'delta'):
        assert np.array_equal(a[run][k][()], b[run][k][()], equal_nan=True), (run, k)"
"$SGDS_BIN" compare final_only.h5 --metric hessian_top -o cmp_final >/dev/null
check compare_falls_back_to_final grep -q "measured at the end only" cmp_final/compare.md

# The shipped path-dependence config (issue 26, item 6), shrunk: its runs share the last stage's
# eta and b, differ before it, and carry curvature at the chosen epochs.
"$SGDS_BIN" train "$SGDS_SOURCE_DIR/configs/nn_sharpness_path_reduced.toml" -o path.h5 -q \
  --set data.train_samples=200 --set data.test_samples=100 --set train.replicas=2 --set train.epochs=2 \
  --set 'defaults.schedule.lengths=[1, 1]' --set 'measure.curvature_epochs=[0, 1, 2]' \
  --set measure.noise_samples=64 --set measure.curvature_samples=64 --set measure.sharpness_samples=64 \
  --set measure.power_iterations=3 --set measure.hutchinson_probes=2 >/dev/null 2>&1 ||
  { echo "FAIL: the shrunk sharpness-path config"; exit 1; }
check shipped_path_config_same_last_stage py -c "
import h5py, numpy as np
f = h5py.File('path.h5', 'r')['networks']
runs = ['batch_2x', 'constant', 'lr_2x', 'lr_4x']
assert sorted(k for k in f if k != 'correlations') == runs, list(f)
first = {r: (float(np.ravel(f[r]['eta'])[0]), float(np.ravel(f[r]['batch'])[0])) for r in runs}
last = {r: (float(np.ravel(f[r]['eta'])[-1]), float(np.ravel(f[r]['batch'])[-1])) for r in runs}
assert len(set(last.values())) == 1 and last['constant'] == (0.05, 32.0), last
assert first['lr_2x'] == (0.1, 32.0) and first['batch_2x'] == (0.05, 8.0) and first['lr_4x'] == (0.2, 32.0), first
h = np.asarray(f['lr_2x']['hessian_top_eigenvalue'])
assert h.shape == (3, 2) and np.isfinite(h).all(), h"

bad() {  # NAME EXPECT MEASURE-EXTRA
  config "$1.toml" "$3"
  refused "$1" "$2" out.h5 -- "$SGDS_BIN" train "$1.toml" -o out.h5
}
bad beyond_epochs "measure.curvature_epochs' = [.. 4 ..]: expected epochs run 'constant' measures" 'curvature_epochs = [0, 4]'
bad not_measured "multiples of measure.every = 2" $'every = 2\ncurvature_epochs = [1]'
bad not_increasing "measure.curvature_epochs' = [.. 2, 1 ..]: expected increasing epochs" 'curvature_epochs = [2, 1]'
bad fractional "expected whole epochs 0 (the start) .. train.epochs" 'curvature_epochs = [1.5]'
bad negative "measure.curvature_epochs'" 'curvature_epochs = [-1]'
bad nothing_to_measure "no epochs while measure.curvature and measure.sharpness are both false" \
  $'curvature = false\nsharpness = false\ncurvature_epochs = [1]'
finish
