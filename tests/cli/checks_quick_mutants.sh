#!/usr/bin/env bash
# The README's main command: `sgdsmooth check --quick --mutants` exits 0, no check FAILs on the
# true theory, every mutant line reads "FAIL (expected)", the -o file holds every check, and every
# verdict is the one kept in analysis/checks/expected_quick.toml (--expect): a trend that flips
# from SUPPORTED to CONTRADICTED fails here. A baseline with one verdict changed makes it exit 1.
set -u
: "${SGDS_BIN:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}" "${SGDS_SOURCE_DIR:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
failures=0
baseline="$SGDS_SOURCE_DIR/analysis/checks/expected_quick.toml"
"$SGDS_BIN" check --quick --mutants -q -o checks.h5 --expect "$baseline" >table.txt 2>stderr.txt
status=$?
cat table.txt
[ "$status" -eq 0 ] || { echo "FAIL: exit status $status: $(cat stderr.txt)"; failures=$((failures + 1)); }
# A mutant row's first column is NAME[MUTANT] (maybe shortened with "..."); the CI column also has brackets.
mutant_lines=$(awk '$1 ~ /\[/' table.txt | wc -l)
expected_lines=$(awk '$1 ~ /\[/' table.txt | grep -c 'FAIL (expected)$')
[ "$mutant_lines" -gt 0 ] || { echo "FAIL: no mutant lines"; failures=$((failures + 1)); }
[ "$mutant_lines" -eq "$expected_lines" ] || {
  echo "FAIL: $((mutant_lines - expected_lines)) of $mutant_lines mutants not caught"
  failures=$((failures + 1))
}
if awk '$1 !~ /\[/' table.txt | grep -qE ' FAIL$'; then
  echo "FAIL: a check fails on the true theory"
  failures=$((failures + 1))
fi
# Every check listed by the program is in the file with a verdict.
"$SGDS_PYTHON" - <<'PY' || failures=$((failures + 1))
import h5py, subprocess, os, sys
with h5py.File("checks.h5", "r") as f:
    names = list(f["checks"].keys())
    bad = [n for n in names if f["checks"][n].attrs["verdict"] not in ("PASS", "SUPPORTED", "CONTRADICTED", "INCONCLUSIVE")]
    mutants = sum(len(f["mutants"][n]) for n in f["mutants"]) if "mutants" in f else 0
    not_failed = [(n, m) for n in f["mutants"] for m in f["mutants"][n] if f["mutants"][n][m].attrs["verdict"] != "FAIL"]
print(f"{len(names)} checks, {mutants} mutants in checks.h5")
if bad or not_failed or len(names) < 5:
    print("FAIL: bad verdicts", bad, not_failed)
    sys.exit(1)
PY
grep -q "every verdict is the baseline's" table.txt || { echo "FAIL: verdicts differ from $baseline"; failures=$((failures + 1)); }
# A flipped trend: the same run against a baseline that says otherwise exits 1, naming the check.
sed 's/^graduated_vs_constant = .*/graduated_vs_constant = "SUPPORTED"/' "$baseline" >flipped.toml
"$SGDS_BIN" check graduated_vs_constant --quick -q --expect flipped.toml >flipped.txt 2>&1
status=$?
if [ "$status" -ne 1 ] || ! grep -q "VERDICT CHANGED: graduated_vs_constant is CONTRADICTED, the baseline says SUPPORTED" flipped.txt; then
  echo "FAIL: a flipped verdict gave exit $status: $(tail -3 flipped.txt)"
  failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] && echo "ok" || exit 1
