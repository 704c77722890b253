#!/usr/bin/env bash
# `sgdsmooth report` writes one PNG per experiment and per check plus report.md that names every
# figure, states n and the band, and carries the verdict table (mutants marked as expected FAILs).
set -euo pipefail
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_PYTHON:?}" "${SGDS_SCRATCH:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH"

"$SGDS_BIN" run "$SGDS_SOURCE_DIR/configs/tracer.toml" -o tracer.h5 --threads 2 --quiet \
  --set 'experiment.*.trajectories=512' > /dev/null
"$SGDS_BIN" check quadratic_ar1_variance --quick --mutants -o checks.h5 --threads 2 --quiet > /dev/null

"$SGDS_BIN" report tracer.h5 -o figs_tracer
"$SGDS_BIN" report checks.h5 -o figs_checks

png_ok() {  # a real PNG of plausible size
  [[ -s "$1" ]] && [[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] &&
    [[ $(stat -c %s "$1") -gt 10000 ]] || { echo "bad or missing PNG: $1"; exit 1; }
}
png_ok figs_tracer/experiment_quadratic_sgd.png
png_ok figs_tracer/experiment_quadratic_shb.png
png_ok figs_checks/check_quadratic_ar1_variance.png

for dir in figs_tracer figs_checks; do
  for png in "$dir"/*.png; do
    grep -q "]($(basename "$png"))" "$dir/report.md" || { echo "$png not in $dir/report.md"; exit 1; }
  done
  grep -q "schema_version: 1." "$dir/report.md" || { echo "$dir/report.md lacks provenance"; exit 1; }
done
grep -q "n = 512 trajectories" figs_tracer/report.md || { echo "tracer report does not state n"; exit 1; }
grep -q "95% CIs (mean ± 1.96 SE)" figs_tracer/report.md || { echo "tracer report does not state the band"; exit 1; }
grep -Eq '^\| quadratic_ar1_variance \| - \| \*\*PASS\*\* \|' figs_checks/report.md || { echo "verdict row missing"; cat figs_checks/report.md; exit 1; }
# every mutant of the check is listed as an expected FAIL, and none as uncaught
mutants=$(grep -c '^| quadratic_ar1_variance | [a-z_]* | FAIL (expected)' figs_checks/report.md)
[[ $mutants -ge 1 ]] || { echo "no mutant rows"; exit 1; }
! grep -q "MUTANT NOT CAUGHT" figs_checks/report.md || { echo "uncaught mutant"; exit 1; }
echo "report_figures: ok ($mutants mutants listed)"
