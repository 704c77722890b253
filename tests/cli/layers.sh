#!/usr/bin/env bash
# The library's includes point down (scripts/check_layers.sh), and the rule checker catches an
# include planted upward in a copy of the sources. (Issue 24, item 3.)
set -u
src=$SGDS_SOURCE_DIR
scratch=$SGDS_SCRATCH
rm -rf "$scratch" && mkdir -p "$scratch"
failures=0
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

if out=$(bash "$src/scripts/check_layers.sh" "$src" 2>&1); then echo "ok   source_layers"; else fail "source_layers"; echo "$out"; fi

planted() {  # NAME FILE INCLUDE: copy the library, add the include to FILE, expect it named
  local name=$1 file=$2 include=$3 copy="$scratch/$1"
  mkdir -p "$copy"
  for layer in core theory data sim analysis; do cp -r "$src/$layer" "$copy/"; done
  printf '#include "%s"\n' "$include" >>"$copy/$file"
  out=$(bash "$src/scripts/check_layers.sh" "$copy" 2>&1)
  status=$?
  if [ "$status" -eq 1 ] && grep -qF "$file:" <<<"$out" && grep -qF "\"$include\"" <<<"$out"; then
    echo "ok   $name"
  else
    fail "$name (exit $status)"; echo "$out"
  fi
}
planted theory_includes_sim theory/kernels.hpp sim/engine_spec.hpp
planted core_includes_theory core/rng.hpp theory/kernels.hpp
planted data_includes_analysis data/result_file.cpp analysis/check.hpp
planted data_includes_sim data/result_file.hpp sim/experiment.hpp
planted sim_includes_analysis sim/cuda/cuda_engine.hpp analysis/statistics.hpp
planted relative_path core/catalogue.cpp ../sim/experiment.hpp
planted library_includes_apps analysis/check.cpp apps/command.hpp

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all layer cases passed"
