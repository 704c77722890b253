#!/usr/bin/env bash
# A top-level [defaults] table is deep-merged into every [[experiment]] (and every [[run]] of a
# train config): a config written with [defaults] gives the same numbers and the same resolved
# parameters as the same config with every key repeated; the experiment's own keys win; inline
# tables merge key by key; a wrong or unknown inherited key is refused naming its defaults.* path;
# --set addresses defaults; --only runs the named experiments and the file records which.
# (Issue 25, item 1.)
source "$(dirname "$0")/trust_lib.bash"

cat >repeated.toml <<'TOML'
seed = 5
[[experiment]]
name = "constant"
trajectories = 64
steps = 40
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 0.0, spread = 3.0 }
schedule = { kind = "constant", eta = 0.01, batch = 4 }
[[experiment]]
name = "decay"
trajectories = 64
steps = 40
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 0.0, spread = 3.0 }
schedule = { kind = "lr_decay", eta = 0.01, batch = 4, every = 10, factor = 0.5 }
[[experiment]]
name = "longer"
trajectories = 64
steps = 80
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 0.0, spread = 3.0 }
schedule = { kind = "constant", eta = 0.02, batch = 4 }
TOML
cat >defaults.toml <<'TOML'
seed = 5
[defaults]
trajectories = 64
steps = 40
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
init = { x0 = 0.0, spread = 3.0 }
schedule = { eta = 0.01, batch = 4 }
[[experiment]]
name = "constant"
[[experiment]]
name = "decay"
schedule = { kind = "lr_decay", every = 10, factor = 0.5 }
[[experiment]]
name = "longer"
steps = 80
schedule = { eta = 0.02 }
TOML

# Every dataset and every experiment attribute (the resolved parameters) of the two files agree;
# only the root's stored config text differs, and it keeps the [defaults] the user wrote.
same_experiments() {  # A.h5 B.h5 [NAMES]: the experiment groups are identical, byte for byte
  py - "$@" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = sys.argv[3].split(",") if len(sys.argv) > 3 else sorted(a["experiments"])
assert sorted(b["experiments"]) == sorted(names), (sorted(b["experiments"]), names)
skip = {"seconds", "DIMENSION_LIST", "REFERENCE_LIST"}
def attrs(o): return {k: np.asarray(v).tolist() for k, v in o.attrs.items() if k not in skip}
count = 0
for name in names:
    ga, gb = a["experiments"][name], b["experiments"][name]
    assert attrs(ga) == attrs(gb), (name, attrs(ga), attrs(gb))
    items = []
    ga.visititems(lambda k, o: items.append(k))
    for k in items:
        if isinstance(ga[k], h5py.Dataset):
            assert ga[k][()].tobytes() == gb[k][()].tobytes(), (name, k)
            count += 1
        assert attrs(ga[k]) == attrs(gb[k]), (name, k)
assert count > 10, count
PY
}
"$SGDS_BIN" run repeated.toml -o repeated.h5 --threads 2 --quiet >/dev/null
"$SGDS_BIN" run defaults.toml -o defaults.h5 --threads 2 --quiet >/dev/null
check defaults_equal_repeated same_experiments repeated.h5 defaults.h5
check config_keeps_defaults_table py -c "
import h5py; t = h5py.File('defaults.h5', 'r').attrs['config']
t = t.decode() if isinstance(t, bytes) else t
assert '[defaults]' in t, t"
check resolved_schedule_merged py -c "
import h5py; g = h5py.File('defaults.h5', 'r')['experiments/decay']
v = lambda k: g.attrs[k].decode() if isinstance(g.attrs[k], bytes) else g.attrs[k]
assert v('schedule.kind') == 'lr_decay' and float(v('schedule.eta')) == 0.01 and int(v('schedule.batch')) == 4, dict(g.attrs)"

# --set addresses defaults: experiments without their own eta take it, 'longer' keeps 0.02.
"$SGDS_BIN" run defaults.toml -o set.h5 --threads 2 --quiet --set defaults.schedule.eta=0.005 >/dev/null
check set_reaches_defaults py -c "
import h5py; f = h5py.File('set.h5', 'r')['experiments']
eta = {n: float(f[n].attrs['schedule.eta']) for n in f}
assert eta == {'constant': 0.005, 'decay': 0.005, 'longer': 0.02}, eta"

# --only: the named experiments, identical to the full run's, and the stored config lists only them.
"$SGDS_BIN" run defaults.toml -o only.h5 --threads 2 --quiet --only decay,longer >/dev/null
check only_runs_the_named same_experiments defaults.h5 only.h5 decay,longer
check only_recorded_in_config py -c "
import h5py; t = h5py.File('only.h5', 'r').attrs['config']
t = t.decode() if isinstance(t, bytes) else t
assert \"name = 'constant'\" not in t and \"name = 'decay'\" in t, t"
refused only_unknown_name "--only: no experiment named 'decai': expected one of constant, decay, longer" out.h5 -- \
  "$SGDS_BIN" run defaults.toml -o out.h5 --only decai

# Refusals name where an inherited key came from; an experiment's own key is named as its own.
sed 's/^steps = 40$/steps = 40\nstepz = 3/' defaults.toml >typo.toml
refused inherited_unknown_key "unknown key 'defaults.stepz' (inherited by 'experiment[0].stepz') = 3" out.h5 -- \
  "$SGDS_BIN" run typo.toml -o out.h5
sed 's/^schedule = { eta = 0.01, batch = 4 }$/schedule = { eta = 0.01, batch = 0 }/' defaults.toml >range.toml
refused inherited_out_of_range "key 'defaults.schedule.batch' (inherited by 'experiment[0].schedule.batch') = 0" out.h5 -- \
  "$SGDS_BIN" run range.toml -o out.h5
# A kind-specific key the experiment's kind does not take is refused after the merge.
sed 's/^schedule = { eta = 0.01, batch = 4 }$/schedule = { eta = 0.01, batch = 4, every = 10 }/' defaults.toml >kind.toml
refused inherited_contradicts_kind "'defaults.schedule.every' (inherited by 'experiment[0].schedule.every')" out.h5 -- \
  "$SGDS_BIN" run kind.toml -o out.h5
refused own_key_named_as_own "key 'experiment[2].steps' = -1" out.h5 -- \
  "$SGDS_BIN" run defaults.toml -o out.h5 --set experiment.2.steps=-1
printf 'defaults = 3\n[[experiment]]\nname = "a"\n' >scalar.toml
refused defaults_not_a_table "key 'defaults' = 3: expected a table" out.h5 -- "$SGDS_BIN" run scalar.toml -o out.h5

# The shipped configs use [defaults] and still parse (train configs too, where the data exists).
for config in implicit_go_rastrigin explicit_go_benchmarks gradopt tracer; do
  check "shipped_${config}_has_defaults" grep -q '^\[defaults\]' "$SGDS_SOURCE_DIR/configs/$config.toml"
done
"$SGDS_BIN" run "$SGDS_SOURCE_DIR/configs/implicit_go_rastrigin.toml" -o implicit.h5 --threads 2 --quiet \
  --only lr_decay,cosine_noiseless --set defaults.trajectories=16 --set defaults.steps=50 >/dev/null
check shipped_implicit_go_runs py -c "
import h5py; f = h5py.File('implicit.h5', 'r')['experiments']
assert sorted(f) == ['cosine_noiseless', 'lr_decay'], list(f)
assert float(f['lr_decay'].attrs['schedule.eta']) == 0.012 and int(f['lr_decay'].attrs['trajectories']) == 16"
finish
