#!/usr/bin/env bash
# Loss-landscape slices (measure.landscape, issue 26 item 7): the shipped config shrunk runs, its
# file holds /networks/RUN/landscape with dimension scales, the centre of each grid is the final
# weights (trajectory ends at 0, 0), `report` draws one landscape figure per run, and bad keys are
# refused in one line before any training.
source "$(dirname "$0")/trust_lib.bash"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "no Fashion-MNIST (Debian dataset-fashion-mnist): skipped"; exit 77; }

"$SGDS_BIN" train "$SGDS_SOURCE_DIR/configs/nn_landscape_reduced.toml" -o slices.h5 --quiet >/dev/null
check landscape_group_and_shapes py - <<'PY'
import h5py, numpy as np
f = h5py.File("slices.h5", "r")
for run in ("constant", "lr_decay"):
    g = f["networks"][run]["landscape"]
    assert g.attrs["directions"] == "pca" and int(g.attrs["samples"]) == 128, dict(g.attrs)
    assert g["loss"].shape == (2, 7, 7) and g["loss_se"].shape == (2, 7, 7), g["loss"].shape
    assert g["trajectory"].shape == (2, 4, 2) and g["off_plane"].shape == (2, 4)
    assert list(g["replica"][()]) == [0, 1]
    t = g["trajectory"][()]
    assert np.all(t[:, -1] == 0.0) and np.all(np.hypot(t[:, 0, 0], t[:, 0, 1]) > 0), t
    e = g["explained_variance"][()]
    assert np.all(e[:, 0] >= e[:, 1]) and np.all(e.sum(axis=1) <= 1 + 1e-9), e
    loss = g["loss"][()]
    assert np.isfinite(loss).all() and np.all(g["loss_se"][()] > 0)
    # the centre is the final weights: lower than the grid's corners
    assert np.all(loss[:, 3, 3] < loss[:, [0, 0, 6, 6], [0, 6, 0, 6]].min(axis=1)), loss[:, 3, 3]
    assert g["loss"].dims[0][0].name.endswith("/landscape/replica") and g["trajectory"].dims[1][0].name.endswith("/landscape/epoch")
PY
"$SGDS_BIN" report slices.h5 -o slices_report >/dev/null
check report_draws_each_landscape test -s slices_report/network_constant_landscape.png -a \
  -s slices_report/network_lr_decay_landscape.png
check report_caption_states_n grep -q "n = 128 samples per point" slices_report/report.md
check report_tabulates_landscapes grep -q "^| constant | pca | 2 | " slices_report/report.md

printf 'seed = 1\n[data]\ntrain_samples = 100\n[model]\nhidden = [8]\n[train]\nepochs = 2\n[measure.landscape]\ndirections = "random"\nsamples = 128\n[[run]]\nname = "a"\nschedule = { eta = 0.1, batch = 10 }\n' >too_many.toml
refused samples_beyond_the_data "key 'measure.landscape.samples' = 128: expected at most the 100 training samples" \
  too_many.h5 -- "$SGDS_BIN" train too_many.toml -o too_many.h5
printf 'seed = 1\n[data]\ntrain_samples = 100\n[model]\nhidden = [8]\n[train]\nepochs = 1\n[measure.landscape]\ndirections = "pca"\nsamples = 64\n[[run]]\nname = "a"\nschedule = { eta = 0.1, batch = 10 }\n' >one_epoch.toml
refused pca_needs_two_epochs "key 'measure.landscape.directions' = \"pca\": expected \"random\" for run 'a'" \
  one_epoch.h5 -- "$SGDS_BIN" train one_epoch.toml -o one_epoch.h5
printf 'seed = 1\n[model]\nhidden = [8]\n[measure.landscape]\ndirections = "pca"\npoints = 20\n[[run]]\nname = "a"\nschedule = { eta = 0.1, batch = 10 }\n' >even.toml
refused even_points "key 'measure.landscape.points' = 20: expected an odd integer" even.h5 -- \
  "$SGDS_BIN" train even.toml -o even.h5
finish
