#!/usr/bin/env bash
# Your own function without C++: problem = { name = "expression", dim, f = "..." } and
# `smooth --expression`. GiNaC differentiates the formula; the compiled f, gradient and Hessian
# run in the CPU engine. The formula of Rastrigin gives the built-in's trajectories; one SGD step
# on a formula checks E f(x_1) = f_hat_delta(x0 - eta grad f(x0)) with delta = eta C / sqrt(b),
# using only `run` and `smooth` (and fails for delta = eta C / b); bad formulas are refused in
# one line. (Issue 25, item 4.)
source "$(dirname "$0")/trust_lib.bash"

rastrigin='20 + x1^2 - 10*cos(2*pi*x1) + x2^2 - 10*cos(2*pi*x2)'
cat >same.toml <<TOML
seed = 8
[defaults]
trajectories = 256
steps = 100
noise = { kind = "gaussian", scale = 2.0 }
init = { x0 = 0.0, spread = 3.0 }
record = { checkpoints = 6, per_trajectory = true, success_radius = 0.5 }
schedule = { eta = 0.002, batch = 2 }
[[experiment]]
name = "formula"
problem = { name = "expression", dim = 2, f = "$rastrigin", minimiser = [0.0, 0.0] }
[[experiment]]
name = "builtin"
problem = { name = "rastrigin", dim = 2 }
TOML
"$SGDS_BIN" run same.toml -o same.h5 --threads 2 --quiet >/dev/null
check formula_gives_builtin_trajectories py -c "
import h5py, numpy as np
f = h5py.File('same.h5', 'r')['experiments']
a, b = f['formula/trajectory_f'][()], f['builtin/trajectory_f'][()]
assert a.shape == b.shape == (256, 6), a.shape
assert np.max(np.abs(a - b)) < 1e-8, np.max(np.abs(a - b))
for k in ('success_rate', 'f_gap_mean', 'dist_mean'):
    assert np.allclose(f['formula'][k][()], f['builtin'][k][()], rtol=1e-9, atol=1e-12), k"

# One step from x0 = (1.2, 0.5) on a formula of your own, then f_hat at y = x0 - eta grad f(x0).
formula='x1^4 - 2*x1^2 + x2^2 + 0.5*sin(3*x1*x2)'
eta=0.05 scale=8.0 batch=4
cat >step.toml <<TOML
seed = 21
[[experiment]]
name = "step"
trajectories = 65536
steps = 1
problem = { name = "expression", dim = 2, f = "$formula" }
noise = { kind = "gaussian", scale = $scale }
schedule = { eta = $eta, batch = $batch }
init = { x0 = [1.2, 0.5] }
record = { checkpoints = 2 }
TOML
"$SGDS_BIN" run step.toml -o step.h5 --threads 2 --quiet >/dev/null
"$SGDS_BIN" smooth --expression "$formula" --dim 2 --delta 1 --points "1.2,0.5" --samples 2 --csv >at_x0.csv
read -r y1 y2 < <(py -c "
import csv; row = next(csv.DictReader(open('at_x0.csv')))
g = [float(row['grad_f1']), float(row['grad_f2'])]
print(1.2 - $eta * g[0], 0.5 - $eta * g[1])")
for rule in sqrt_b b; do
  delta=$(py -c "import math; print($eta * $scale / (math.sqrt($batch) if '$rule' == 'sqrt_b' else $batch))")
  "$SGDS_BIN" smooth --expression "$formula" --dim 2 --delta "$delta" --points "$y1,$y2" --samples 262144 --seed 5 \
    --csv >"f_hat_$rule.csv"
done
z_of() {  # the z of mean f(x_1) against the Monte Carlo f_hat of one delta rule
  py -c "
import csv, h5py, math
g = h5py.File('step.h5', 'r')['experiments/step']
mean, se = g['f_mean'][-1], g['f_se'][-1]
row = next(csv.DictReader(open('f_hat_$1.csv')))
value, error = float(row['fhat_mc']), float(row['fhat_mc_se'])
print((mean - value) / math.hypot(se, error))"
}
z_right=$(z_of sqrt_b) z_wrong=$(z_of b)
echo "one step on '$formula': z = $z_right (delta = eta C / sqrt b), z = $z_wrong (delta = eta C / b)"
check delta_eta_c_over_sqrt_b_holds py -c "assert abs($z_right) <= 4.5, $z_right"
check delta_eta_c_over_b_rejected py -c "assert abs($z_wrong) > 4.5, $z_wrong"

# Without a minimiser: no gap, distance or success rate (NaN), never '0 of n'.
check no_minimiser_gives_nan py -c "
import h5py, numpy as np
g = h5py.File('step.h5', 'r')['experiments/step']
assert np.isnan(g['success_rate'][()]).all() and np.isnan(g['f_gap_mean'][()]).all(), g['success_rate'][()]
assert np.isfinite(g['f_mean'][()]).all()"

# The same config and seed give the same bytes in every process: GiNaC orders a sum's terms by
# hashes that change from run to run, so the compiler sorts them itself (three processes, one of
# them on one thread).
for i in 1 2 3; do
  "$SGDS_BIN" run step.toml -o "again$i.h5" --threads $((i == 3 ? 1 : 2)) --quiet >/dev/null
done
check same_bytes_every_process py -c "
import h5py
runs = [h5py.File(f'again{i}.h5', 'r')['experiments/step'] for i in (1, 2, 3)]
for k in ('f_mean', 'f_se', 'f_quantiles', 'grad_norm_mean', 'x_mean'):
    assert all(r[k][()].tobytes() == runs[0][k][()].tobytes() for r in runs[1:]), k"

bad() {  # NAME EXPECT PROBLEM-KEYS
  printf 'seed = 1\n[[experiment]]\nname = "a"\nsteps = 3\nproblem = { name = "expression", %s }\n' "$3" >"$1.toml"
  refused "$1" "$2" out.h5 -- "$SGDS_BIN" run "$1.toml" -o out.h5
}
bad unknown_variable "problem.f' = \"x1 + y\": expected a formula GiNaC can parse: symbol \"y\" not found (variables are x1 .. x2" 'dim = 2, f = "x1 + y"'
bad beyond_dim "symbol \"x3\" not found" 'dim = 2, f = "x1 + x3"'
bad syntax_error "problem.f' = \"x1 +* 2\": expected a formula GiNaC can parse" 'dim = 1, f = "x1 +* 2"'
bad unknown_function "no function \"foo\" with 1 arguments" 'dim = 1, f = "foo(x1)"'
bad minimiser_length "problem.minimiser' = [ 1.0 ]: expected an array of at least 2 numbers" 'dim = 2, f = "x1^2 + x2^2", minimiser = [1.0]'
bad minimiser_outside_domain "problem.minimiser' = [-1]: expected a point where f is finite" 'dim = 1, f = "log(x1)", minimiser = [-1.0]'
bad dim_too_large "problem.dim' = 65" 'dim = 65, f = "x1"'
bad missing_formula "problem.f' = (missing)" 'dim = 1'
bad bad_box "problem.box' = [1, 0]: expected [low, high] with low < high" 'dim = 1, f = "x1^2", box = [1.0, 0.0]'
refused smooth_bad_formula "'--expression.f' = \"x1 +\"" -- "$SGDS_BIN" smooth --expression "x1 +" --dim 1 --delta 1 --points 0
refused smooth_both "one of --function NAME and --expression FORMULA" -- \
  "$SGDS_BIN" smooth --expression "x1^2" --function sphere --delta 1 --points 0
finish
