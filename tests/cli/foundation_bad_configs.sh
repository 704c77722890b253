#!/usr/bin/env bash
# Every malformed config in tests/data/bad_configs: exit 2, exactly one line on stderr that names
# the key (the file's "# expect:" line), nothing on stdout, and no output file created.
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH"
failures=0 count=0
for config in "$SGDS_SOURCE_DIR"/tests/data/bad_configs/*.toml; do
  count=$((count + 1))
  name=$(basename "$config" .toml)
  expect=$(sed -n 's/^# expect: //p' "$config" | head -1)
  out="$SGDS_SCRATCH/$name.h5"
  "$SGDS_BIN" run "$config" -o "$out" -q >"$SGDS_SCRATCH/$name.stdout" 2>"$SGDS_SCRATCH/$name.stderr"
  status=$?
  lines=$(wc -l <"$SGDS_SCRATCH/$name.stderr")
  message=$(cat "$SGDS_SCRATCH/$name.stderr")
  problem=""
  [ "$status" -eq 2 ] || problem+=" exit=$status (want 2);"
  [ "$lines" -eq 1 ] || problem+=" stderr has $lines lines (want 1);"
  grep -qF -- "$expect" "$SGDS_SCRATCH/$name.stderr" || problem+=" message lacks '$expect';"
  [ ! -s "$SGDS_SCRATCH/$name.stdout" ] || problem+=" wrote to stdout;"
  ls "$SGDS_SCRATCH" | grep -q "^$name.h5" && problem+=" output file exists;"
  if [ -n "$problem" ]; then
    echo "FAIL $name:$problem message: $message"
    failures=$((failures + 1))
  else
    echo "ok   $name: $message"
  fi
done
# Bad command-line input is refused the same way.
for args in "run /nonexistent.toml" "run $SGDS_SOURCE_DIR/configs/tracer.toml --threads -1 -o $SGDS_SCRATCH/t.h5" \
            "run $SGDS_SOURCE_DIR/configs/tracer.toml --set nonsense -o $SGDS_SCRATCH/t.h5" "check no_such_check" \
            "inspect /nonexistent.h5" "run"; do
  count=$((count + 1))
  "$SGDS_BIN" $args >/dev/null 2>"$SGDS_SCRATCH/cli.stderr"
  status=$?
  if [ "$status" -ne 2 ] || [ "$(wc -l <"$SGDS_SCRATCH/cli.stderr")" -ne 1 ] || [ -e "$SGDS_SCRATCH/t.h5" ]; then
    echo "FAIL sgdsmooth $args: exit $status, stderr: $(cat "$SGDS_SCRATCH/cli.stderr")"
    failures=$((failures + 1))
  else
    echo "ok   sgdsmooth $args: $(cat "$SGDS_SCRATCH/cli.stderr")"
  fi
done
echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
