#!/usr/bin/env bash
# Sourced by tests/cli/trust_*.sh (not a test itself: ctest globs *.sh only). Each trust test turns
# one defect class of issue 22 into cases a user or an adversary would try:
#   refused NAME EXPECT [MUST_NOT_EXIST] -- command...   exit 2, one line on stderr containing
#       EXPECT, nothing on stdout, MUST_NOT_EXIST absent, no temporary file anywhere here (unless
#       ALLOW_PARTIAL is set: another command is writing; ALLOW_STDOUT: the command had started)
#   unchanged SNAPSHOT FILE...                           the files' bytes are what they were
#   finish                                               the summary line; exit 1 if any case failed
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
failures=0 cases=0
py() { env -u LD_LIBRARY_PATH -u LD_PRELOAD "$SGDS_PYTHON" "$@"; }

fail_case() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

refused() {
  local name=$1 expect=$2 output=""
  shift 2
  if [ "$1" != "--" ]; then output=$1; shift; fi
  shift
  cases=$((cases + 1))
  timeout 60 "$@" >"$name.stdout" 2>"$name.stderr" </dev/null
  local status=$? problem=""
  [ "$status" -eq 2 ] || problem+=" exit=$status (want 2);"
  [ "$(wc -l <"$name.stderr")" -eq 1 ] || problem+=" stderr has $(wc -l <"$name.stderr") lines (want 1);"
  grep -qF -- "$expect" "$name.stderr" || problem+=" message lacks '$expect';"
  [ ! -s "$name.stdout" ] || [ -n "${ALLOW_STDOUT:-}" ] || problem+=" wrote to stdout: $(head -c 200 "$name.stdout");"
  [ -z "$output" ] || [ ! -e "$output" ] || problem+=" $output exists;"
  local partial
  partial=$(find . -name '*.partial-*' 2>/dev/null | head -3)
  [ -z "$partial" ] || [ -n "${ALLOW_PARTIAL:-}" ] || problem+=" temporary files left: $partial;"
  if [ -n "$problem" ]; then fail_case "$name" "$problem stderr: $(head -c 400 "$name.stderr")"
  else echo "ok   $name: $(cat "$name.stderr")"; fi
  rm -f "$name.stdout" "$name.stderr"
}

snapshot() { md5sum "$@" 2>/dev/null; }
unchanged() {  # NAME SNAPSHOT_TEXT FILE...
  local name=$1 before=$2
  shift 2
  cases=$((cases + 1))
  if [ "$(snapshot "$@")" != "$before" ]; then fail_case "$name" "files changed or lost: $*"; else echo "ok   $name: unchanged"; fi
}

passed() { cases=$((cases + 1)); echo "ok   $1"; }
check() {  # NAME CONDITION-COMMAND...: a case that holds when the command succeeds
  local name=$1
  shift
  if "$@" >/dev/null 2>"$name.check_stderr"; then passed "$name"
  else cases=$((cases + 1)); fail_case "$name" "condition failed: $* ($(head -c 300 "$name.check_stderr"))"; fi
  rm -f "$name.check_stderr"
}

finish() {
  echo "$(basename "$0" .sh): $((cases - failures)) of $cases cases passed"
  [ "$failures" -eq 0 ]
  exit $?
}

# A small run config (two experiments) that finishes in well under a second.
small_config() {
  cat >"$1" <<'TOML'
seed = 11
[[experiment]]
name = "first"
trajectories = 128
steps = 20
problem = { name = "quadratic", dim = 2 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.1, batch = 2 }
[[experiment]]
name = "second"
trajectories = 128
steps = 20
problem = { name = "rastrigin", dim = 2 }
noise = { kind = "gaussian", scale = 0.5 }
schedule = { kind = "constant", eta = 0.01, batch = 1 }
TOML
}
