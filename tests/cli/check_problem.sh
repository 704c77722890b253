#!/usr/bin/env bash
# `check NAME --problem TABLE`: the one-step identity and the smoothing gradient identity put to a
# function of the user's (a formula or a catalogue function with its keys). The true theory
# passes, the wrong delta rules and the unsmoothed gradient fail on a function with curvature,
# the result file names the function, and bad tables or checks that take no function are
# refused in one line before anything runs. (Issue 25, item 4.)
source "$(dirname "$0")/trust_lib.bash"

formula='x1^4 - 3*x1*x2 + sin(3*x2)'
problem="{ name = \"expression\", dim = 2, f = \"$formula\" }"
"$SGDS_BIN" check one_step_identity smoothing_gradient_identity --quick --mutants --problem "$problem" \
  -o mine.h5 -q >mine.txt 2>mine.err
status=$?
check formula_true_theory_passes_and_mutants_fail test "$status" -eq 0
check one_step_passes grep -qE '^one_step_identity +[0-9]+ .* PASS$' mine.txt
check gradient_identity_passes grep -qE '^smoothing_gradient_identity +[0-9]+ .* PASS$' mine.txt
for mutant in 'one_step_identity\[delta_eta_c_over_b\]' 'one_step_identity\[delta_c_over_sqrt_b\]' \
  'smoothing_gradient_identity\[no_smoothing\]' 'smoothing_gradient_identity\[stein_over_delta_'; do
  check "caught_${mutant//[^a-z_]/}" grep -qE "^$mutant.*FAIL \(expected\)$" mine.txt
done
check file_names_the_function py -c "
import h5py
f = h5py.File('mine.h5', 'r')
text = f.attrs['config'] if 'config' in f.attrs else f['provenance'].attrs['config']
text = text.decode() if isinstance(text, bytes) else text
assert 'x1^4 - 3*x1*x2 + sin(3*x2)' in text, text
names = []
f.visit(names.append)
rules = [f[n].attrs['decision_rule'] for n in names if 'decision_rule' in f[n].attrs]
rules = [r.decode() if isinstance(r, bytes) else r for r in rules]
assert any('f = x1^4 - 3*x1*x2 + sin(3*x2)' in r for r in rules), rules"

# A catalogue function with its own keys, on every engine path it runs on.
"$SGDS_BIN" check one_step_identity --quick --problem '{ name = "rastrigin", dim = 3 }' -o rastrigin.h5 -q >rastrigin.txt
check catalogue_function_passes test $? -eq 0
check catalogue_rule_names_it py -c "
import h5py
f = h5py.File('rastrigin.h5', 'r')
names = []
f.visit(names.append)
rules = [f[n].attrs['decision_rule'] for n in names if 'decision_rule' in f[n].attrs]
rules = [r.decode() if isinstance(r, bytes) else r for r in rules]
assert len(rules) == 1 and rules[0].startswith('On rastrigin d=3: from 2 points'), rules"

# A quadratic formula: grad f_hat = grad f, so no_smoothing is rightly not caught, and said so.
"$SGDS_BIN" check smoothing_gradient_identity --quick --mutants -q \
  --problem '{ name = "expression", dim = 2, f = "x1^2 + 3*x2^2" }' >quadratic.txt
status=$?
check quadratic_exits_1_for_the_uncaught_mutant test "$status" -eq 1
check quadratic_true_theory_passes grep -qE '^smoothing_gradient_identity +[0-9]+ .* PASS$' quadratic.txt
check quadratic_no_smoothing_not_caught grep -q 'no_smoothing.*MUTANT NOT CAUGHT' quadratic.txt
check quadratic_says_why grep -q 'a wrong theory the function cannot tell apart' quadratic.txt

# Without names, --problem runs the checks that accept a function, and only those.
check list_says_which bash -c "'$SGDS_BIN' list checks | grep -B2 -- '--problem: can be pointed' | grep -q one_step_identity"

refused not_accepting "check: --problem: 'lyapunov_covariance' cannot be pointed at a function: expected one of" out.h5 -- \
  "$SGDS_BIN" check lyapunov_covariance --problem "$problem" -o out.h5
refused bad_formula "'--problem.f' = \"x1 +* 2\": expected a formula GiNaC can parse" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem '{ name = "expression", dim = 1, f = "x1 +* 2" }' -o out.h5
refused unknown_key "unknown key '--problem.scale' = 3" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem '{ name = "sphere", dim = 2, scale = 3 }' -o out.h5
refused finite_sum "'--problem.name' = \"teacher_student\" is a finite sum: expected a function" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem '{ name = "teacher_student" }' -o out.h5
refused smuggled_keys "--problem '{ name = \"sphere\" }\\ntrajectories = 5': expected one inline table" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem $'{ name = "sphere" }\ntrajectories = 5' -o out.h5
refused not_a_table "expected one inline table" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem '"sphere"' -o out.h5
refused with_baseline "--problem with --expect or --write-expected" out.h5 -- \
  "$SGDS_BIN" check one_step_identity --problem "$problem" --expect "$SGDS_SOURCE_DIR/analysis/checks/expected_quick.toml" \
  --quick -o out.h5
finish
