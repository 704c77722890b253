#!/usr/bin/env bash
# Sourced by tests/cli/notebooks_*.sh (not a test itself: ctest globs *.sh only). execute_notebook runs a
# notebook with nbconvert into $SGDS_SCRATCH, with the binary under test and a scratch output folder;
# expect_output checks that the executed copy printed PATTERN and holds at least N figures.

set -euo pipefail
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH"
export SGDS_NOTEBOOK_OUT="$SGDS_SCRATCH/data"
unset SGDS_NB01_RESULTS SGDS_NB02_RESULTS SGDS_NB03_RESULTS SGDS_NB04_RESULTS SGDS_NB05_RESULTS \
  SGDS_NB06_RESULTS SGDS_NB07_RESULTS

execute_notebook() {
  local name=$1
  command -v jupyter-nbconvert > /dev/null || { echo "jupyter-nbconvert missing (scripts/install_deps.sh installs it)"; exit 1; }
  # startup_timeout: on a 2-core machine loaded four times over, a kernel once took over the
  # default 60 s to answer (a failure that said nothing about the notebook).
  # SGDS_NOTEBOOK_TIMEOUT: seconds a cell may take (under AddressSanitizer the training cells are ~5x slower).
  jupyter-nbconvert --to notebook --execute --ExecutePreprocessor.timeout="${SGDS_NOTEBOOK_TIMEOUT:-120}" --ExecutePreprocessor.startup_timeout=300 \
    "$SGDS_SOURCE_DIR/notebooks/$name" --output-dir "$SGDS_SCRATCH" > "$SGDS_SCRATCH/nbconvert.log" 2>&1 ||
    { tail -40 "$SGDS_SCRATCH/nbconvert.log"; echo "$name failed to execute"; exit 1; }
}

expect_output() {
  local name=$1 pattern=$2 figures=$3
  /usr/bin/python3 - "$SGDS_SCRATCH/$name" "$pattern" "$figures" <<'PY'
import json, re, sys
nb = json.load(open(sys.argv[1]))
text, images = [], 0
for cell in nb["cells"]:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            sys.exit(f"cell raised {out['ename']}: {out['evalue']}")
        text.append("".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", "")))
        images += "image/png" in out.get("data", {})
joined = "\n".join(text)
if not re.search(sys.argv[2], joined):
    sys.exit(f"output lacks /{sys.argv[2]}/:\n{joined[-2000:]}")
if images < int(sys.argv[3]):
    sys.exit(f"{images} figures, expected at least {sys.argv[3]}")
print(f"{sys.argv[1]}: ok, {images} figures")
PY
}
