#!/usr/bin/env bash
# A full disk says so: "No space left on device" (errno), naming the file; an earlier file of that
# name is left as it was; no temporary file remains. The disk is made full by LD_PRELOADing
# tests/support/full_disk_preload.c: writes into $SGDS_FULL_DISK_DIR fail with ENOSPC after
# $SGDS_FULL_DISK_AFTER bytes. Each command is tried with the disk full from the first byte and
# from a point in the middle of its writing. (Issue 22, item 7.)
source "$(dirname "$0")/trust_lib.bash"
: "${SGDS_FULL_DISK_PRELOAD:?}"

mkdir -p full
small_config my.toml
"$SGDS_BIN" run my.toml -o full/run.h5 -q >/dev/null || { echo "FAIL: a first run"; exit 1; }
"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" --set 'experiment.*.trajectories=32' \
  --set 'experiment.*.steps=5' -o runs -q || { echo "FAIL: a sweep"; exit 1; }
"$SGDS_BIN" merge runs -o full/merged.h5 >/dev/null || { echo "FAIL: a merge"; exit 1; }
"$SGDS_BIN" check schedule_identities --quick -o full/check.h5 -q >/dev/null || { echo "FAIL: a check"; exit 1; }
before=$(snapshot full/run.h5 full/merged.h5 full/check.h5)
cat >on_full_disk <<SH  # BYTES command...: the command with the disk under full/ full after BYTES
#!/usr/bin/env bash
bytes=\$1
shift
# (under AddressSanitizer the preload comes before ASan's runtime: allowed explicitly)
exec env LD_PRELOAD="$SGDS_FULL_DISK_PRELOAD" ASAN_OPTIONS="\${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
  SGDS_FULL_DISK_DIR=full SGDS_FULL_DISK_AFTER="\$bytes" "\$@"
SH
chmod +x on_full_disk

for bytes in 0 5000; do
  ALLOW_STDOUT=1 refused "run_full_$bytes" "full/run.h5" -- ./on_full_disk $bytes "$SGDS_BIN" run my.toml -o full/run.h5 -q
  refused "merge_full_$bytes" "cannot write 'full/merged.h5'" -- ./on_full_disk $bytes "$SGDS_BIN" merge runs -o full/merged.h5
  ALLOW_STDOUT=1 refused "check_full_$bytes" "cannot write 'full/check.h5'" -- \
    ./on_full_disk $bytes "$SGDS_BIN" check schedule_identities --quick -o full/check.h5 -q
done
# The reason is the system's, in its words.
./on_full_disk 5000 "$SGDS_BIN" run my.toml -o full/run.h5 -q >/dev/null 2>reason.txt
check says_no_space_left grep -q "No space left on device" reason.txt
./on_full_disk 0 "$SGDS_BIN" merge runs -o full/merged.h5 >/dev/null 2>reason.txt
check merge_says_no_space_left grep -q "No space left on device" reason.txt
unchanged earlier_files_intact "$before" full/run.h5 full/merged.h5 full/check.h5
check earlier_files_verify "$SGDS_BIN" verify full/run.h5 full/merged.h5 full/check.h5
check no_temporary_left [ -z "$(ls full | grep partial)" ]

# A sweep whose disk fills: the points recorded before stay whole; space back, --resume completes it.
mkdir -p full/sweep
"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" --set 'experiment.*.trajectories=32' \
  --set 'experiment.*.steps=5' -o full/sweep --shard 0/2 -q || { echo "FAIL: half a sweep"; exit 1; }
refused sweep_full "No space left on device" -- ./on_full_disk 0 "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" \
  --set 'experiment.*.trajectories=32' --set 'experiment.*.steps=5' -o full/sweep --resume -q
check sweep_points_whole "$SGDS_BIN" verify full/sweep
check sweep_resumes_when_space_is_back "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" \
  --set 'experiment.*.trajectories=32' --set 'experiment.*.steps=5' -o full/sweep --resume -q
check resumed_sweep_merges "$SGDS_BIN" merge full/sweep -o resumed.h5
finish
