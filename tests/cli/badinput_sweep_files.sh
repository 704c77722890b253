#!/usr/bin/env bash
# Bad input around sweeps and result files: every sweep file in tests/data/bad_inputs/sweeps, and
# missing, truncated, foreign or wrong-version files, unwritable paths, a full disk (file-size
# limit), folders of another sweep. Each: exit 2, one line on stderr naming the problem, nothing
# on stdout, no output or partial file, and nothing earlier lost (complete points survive).
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
sweep="$SGDS_SOURCE_DIR/configs/sweep_example.toml"
small=(--set 'experiment.*.trajectories=256' --set 'experiment.*.steps=20')
failures=0 count=0

# expect_refusal NAME EXPECTED_TEXT OUTPUT_THAT_MUST_NOT_EXIST -- command...
expect_refusal() {
  local name=$1 expect=$2 output=$3
  shift 4
  count=$((count + 1))
  "$@" >"$name.stdout" 2>"$name.stderr"
  local status=$? problem=""
  [ "$status" -eq 2 ] || problem+=" exit=$status (want 2);"
  [ "$(wc -l <"$name.stderr")" -eq 1 ] || problem+=" stderr has $(wc -l <"$name.stderr") lines (want 1);"
  grep -qF -- "$expect" "$name.stderr" || problem+=" message lacks '$expect';"
  [ ! -s "$name.stdout" ] || problem+=" wrote to stdout;"
  [ -z "$output" ] || [ ! -e "$output" ] || problem+=" $output exists;"
  [ -z "$(find . -name '*.partial-*' -o -name '*.tmp-*')" ] || problem+=" partial files: $(find . -name '*.partial-*');"
  if [ -n "$problem" ]; then
    echo "FAIL $name:$problem message: $(cat "$name.stderr")"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(cat "$name.stderr")"
  fi
}
snapshot() { (cd "$1" && find . -type f ! -path './points/.staging/*' -print0 | sort -z | xargs -0 md5sum); }
check_unchanged() {  # folder, snapshot file, case name
  if ! snapshot "$1" | cmp -s - "$2"; then
    echo "FAIL $3: files in $1 changed or were lost"
    failures=$((failures + 1))
  fi
}

# The sweep-file corpus: refused before any folder is made.
for file in "$SGDS_SOURCE_DIR"/tests/data/bad_inputs/sweeps/*.toml; do
  name=$(basename "$file" .toml)
  expect_refusal "sweep_$name" "$(sed -n 's/^# expect: //p' "$file" | head -1)" "out_$name" -- \
    "$SGDS_BIN" sweep "$file" -o "out_$name" -q
done

# A complete sweep and a half-done one (shard 0/2) to test against.
"$SGDS_BIN" sweep "$sweep" "${small[@]}" -o good -q || { echo "FAIL: good sweep"; exit 1; }
"$SGDS_BIN" merge good -o good.h5 >/dev/null || { echo "FAIL: merge good"; exit 1; }
"$SGDS_BIN" sweep "$sweep" "${small[@]}" -o half --shard 0/2 -q || { echo "FAIL: half sweep"; exit 1; }
snapshot good >good.md5
snapshot half >half.md5

expect_refusal missing_sweep_file "config '/nonexistent/sweep.toml': No such file or directory" out_missing -- \
  "$SGDS_BIN" sweep /nonexistent/sweep.toml -o out_missing -q
echo "not a folder" >a_file
expect_refusal unwritable_folder "cannot create 'a_file/sub'" "" -- "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o a_file/sub -q
expect_refusal no_output_folder "-o DIR" "" -- "$SGDS_BIN" sweep "$sweep" "${small[@]}" -q
expect_refusal shard_out_of_range "shard '2/2'" out_shard -- "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o out_shard --shard 2/2 -q
expect_refusal slurm_task_out_of_range "Slurm array task 5" out_slurm -- \
  env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=2 "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o out_slurm -q
expect_refusal folder_of_another_sweep "holds a different sweep" "" -- \
  "$SGDS_BIN" sweep "$sweep" "${small[@]}" --set seed=9 -o good -q
check_unchanged good good.md5 folder_of_another_sweep
expect_refusal rerun_without_resume "pass --resume" "" -- "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o good -q
check_unchanged good good.md5 rerun_without_resume

expect_refusal merge_missing_folder "sweep folder 'nowhere' does not exist" out.h5 -- "$SGDS_BIN" merge nowhere -o out.h5
mkdir -p not_a_sweep
expect_refusal merge_foreign_folder "is not a sweep folder" out.h5 -- "$SGDS_BIN" merge not_a_sweep -o out.h5
expect_refusal merge_incomplete "12 of 24 points missing" out.h5 -- "$SGDS_BIN" merge half -o out.h5
check_unchanged half half.md5 merge_incomplete
expect_refusal merge_unwritable_output "output 'a_file/out.h5': Not a directory" "" -- "$SGDS_BIN" merge good -o a_file/out.h5

# Damaged point files: truncated, foreign HDF5, changed after sealing, wrong schema version (sealed
# again as a future sgdsmooth would), from another sweep.
"$SGDS_BIN" sweep "$sweep" "${small[@]}" --set seed=9 -o other -q || { echo "FAIL: other sweep"; exit 1; }
damage() {  # copy of good with point 3 replaced by what the command makes of it
  rm -rf damaged && cp -r good damaged && "$@"
}
damage truncate -s 1000 damaged/points/p0000003.h5
expect_refusal merge_truncated_point "p0000003.h5' cannot be trusted (corrupted (107097 bytes short" out.h5 -- "$SGDS_BIN" merge damaged -o out.h5
"$SGDS_PYTHON" -c "import h5py; f = h5py.File('foreign.h5', 'w'); f['x'] = [1, 2, 3]; f.attrs['filetype'] = 'other'"
damage cp foreign.h5 damaged/points/p0000003.h5
expect_refusal merge_foreign_point "not an sgdsmooth result file" out.h5 -- "$SGDS_BIN" merge damaged -o out.h5
cp good/points/p0000003.h5 future.h5
"$SGDS_PYTHON" -c "import h5py, numpy; h5py.File('future.h5', 'a').attrs['schema_version'] = numpy.array([2, 0], dtype='int64')"
damage cp future.h5 damaged/points/p0000003.h5
expect_refusal merge_changed_point "p0000003.h5' cannot be trusted (corrupted (checksum mismatch" out.h5 -- \
  "$SGDS_BIN" merge damaged -o out.h5
"$SGDS_PYTHON" "$SGDS_SOURCE_DIR/tests/cli/seal.py" future.h5  # as a future sgdsmooth would seal it
damage cp future.h5 damaged/points/p0000003.h5
expect_refusal merge_wrong_schema_point "schema version 2.0" out.h5 -- "$SGDS_BIN" merge damaged -o out.h5
damage cp other/points/p0000003.h5 damaged/points/p0000003.h5
expect_refusal merge_point_of_other_sweep "does not belong to this sweep" out.h5 -- "$SGDS_BIN" merge damaged -o out.h5
damage rm damaged/sweep.toml
expect_refusal merge_without_manifest "is not a sweep folder" out.h5 -- "$SGDS_BIN" merge damaged -o out.h5

# Files on which libhdf5 itself crashes (fuzzing finds, kept in tests/data/fuzz_crashes): every
# command that reads result files refuses them after a trial read in a child process.
for crash in "$SGDS_SOURCE_DIR"/tests/data/fuzz_crashes/*.h5; do
  name=$(basename "$crash" .h5)
  expect_refusal "inspect_$name" "corrupted HDF5 file" "" -- "$SGDS_BIN" inspect "$crash"
  expect_refusal "report_$name" "corrupted HDF5 file" "report_$name" -- "$SGDS_BIN" report "$crash" -o "report_$name"
  damage cp "$crash" damaged/points/p0000003.h5
  expect_refusal "merge_$name" "p0000003.h5' cannot be trusted (corrupted HDF5 file" out.h5 -- \
    "$SGDS_BIN" merge damaged -o out.h5
  # --resume verifies every point file it would keep: it refuses the damaged one, naming it, and
  # runs nothing; after the advised delete + --resume the merge is whole.
  count=$((count + 1))
  rm damaged/points/p0000005.h5
  if ! "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o damaged --resume -q 2>resume.stderr &&
     grep -q "p0000003.h5' cannot be trusted" resume.stderr && [ ! -f damaged/points/p0000005.h5 ] &&
     ! "$SGDS_BIN" merge damaged -o out.h5 2>/dev/null && [ ! -e out.h5 ] && rm damaged/points/p0000003.h5 &&
     "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o damaged --resume -q && "$SGDS_BIN" merge damaged -o out.h5 >/dev/null &&
     "$SGDS_PYTHON" "$SGDS_SOURCE_DIR/tests/cli/sweep_compare.py" good.h5 out.h5 >/dev/null; then
    echo "ok   resume_$name: refused naming the damaged point; after deleting it, resume + merge = the clean run"
  else
    echo "FAIL resume_$name"
    failures=$((failures + 1))
  fi
  rm -f out.h5
done

# inspect refuses the same damaged files.
cp good.h5 truncated.h5 && truncate -s 2000 truncated.h5
expect_refusal inspect_truncated "truncated.h5" "" -- "$SGDS_BIN" inspect truncated.h5
expect_refusal inspect_foreign "not an sgdsmooth result file" "" -- "$SGDS_BIN" inspect foreign.h5
expect_refusal inspect_wrong_schema "schema version 2.0" "" -- "$SGDS_BIN" inspect future.h5
expect_refusal inspect_text_file "not a readable HDF5 file" "" -- "$SGDS_BIN" inspect a_file

# A full disk, simulated with a file-size limit (SIGXFSZ ignored so that writes fail with EFBIG):
# the resumed sweep stops with one line, keeps every complete point and leaves no partial point.
limited() { (trap '' XFSZ; ulimit -f "$1"; shift; exec "$@"); }
expect_refusal disk_full_sweep "disk full" "" -- limited 8 "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o half --resume -q
check_unchanged half half.md5 disk_full_sweep
expect_refusal disk_full_merge "cannot write 'good_full.h5'" good_full.h5 -- limited 8 "$SGDS_BIN" merge good -o good_full.h5
# ... and once space is back, --resume completes it into the same datasets as the clean run.
count=$((count + 1))
if "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o half --resume -q && "$SGDS_BIN" merge half -o half.h5 >/dev/null &&
   "$SGDS_PYTHON" "$SGDS_SOURCE_DIR/tests/cli/sweep_compare.py" good.h5 half.h5 >/dev/null; then
  echo "ok   resume after the full disk gives the clean run's datasets"
else
  echo "FAIL resume after the full disk"
  failures=$((failures + 1))
fi

echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
