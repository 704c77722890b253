#!/usr/bin/env bash
# The library's layers point down (docs/DEVELOPING.md): each folder may include only itself and
# the folders below it. Prints every include that points up or sideways and exits 1 if any does.
#
#   scripts/check_layers.sh [SOURCE_DIR]
#
#   core      Philox streams, host-device marks, config tables, catalogue, running statistics
#   theory    functions, kernels, schedules, closed forms          (core)
#   data      result files, seals, output paths                    (core)
#   sim       engines, networks, sweeps                            (core, theory, data)
#   analysis  statistics, checks, smoothing estimates              (core, theory, data, sim)
# apps/, tests/, bench/, fuzz/ and dev/ sit above the library and may include any of it.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
declare -A allowed=(
  [core]="core"
  [theory]="core theory"
  [data]="core data"
  [sim]="core theory data sim"
  [analysis]="core theory data sim analysis"
)
violations=0
for layer in core theory data sim analysis; do
  [ -d "$root/$layer" ] || { echo "no folder '$layer' under '$root'"; exit 2; }
  while IFS=: read -r file line text; do
    [[ $text =~ \"([^\"]*)\" ]] || continue  # (bash's own match: no process per include)
    target=${BASH_REMATCH[1]}
    folder=${target%%/*}
    [ "$folder" = "$target" ] && continue  # a header beside the file or from a package ("philox.h")
    if [[ "$target" == *..* ]] || [[ " ${allowed[$layer]} " != *" $folder "* ]]; then
      echo "${file#"$root"/}:$line: $layer includes \"$target\" (allowed: ${allowed[$layer]})"
      violations=$((violations + 1))
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$root/$layer" \
             --include='*.hpp' --include='*.cpp' --include='*.cu' --include='*.cuh' --include='*.h')
done
if [ "$violations" -gt 0 ]; then echo "$violations include(s) point up"; exit 1; fi
echo "layers: every include points down"
