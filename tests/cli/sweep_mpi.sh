#!/usr/bin/env bash
# mpirun -np 2 on this machine gives the same merged file as one process. Skips (exit 77) when
# mpirun is missing or the binary was built without MPI (cmake -DSGDS_MPI=ON).
set -u
: "${SGDS_BIN:?}" "${SGDS_SOURCE_DIR:?}" "${SGDS_SCRATCH:?}" "${SGDS_PYTHON:?}"
rm -rf "$SGDS_SCRATCH" && mkdir -p "$SGDS_SCRATCH" && cd "$SGDS_SCRATCH" || exit 1
command -v mpirun >/dev/null || { echo "SKIP: no mpirun on PATH"; exit 77; }
sweep="$SGDS_SOURCE_DIR/configs/sweep_example.toml"
small=(--set 'experiment.*.trajectories=512' --set 'experiment.*.steps=40')
fail() { echo "FAIL: $*"; exit 1; }
# Under AddressSanitizer the ranks do not check for leaks: OpenMPI 4.1 keeps what MPI_Init
# allocates, much of it in plugins it unloads at exit (no symbols to suppress by); the same sweep
# code is leak-checked without MPI by sweep_shards and sweep_resume.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
mpi=(mpirun -np 2 --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

"${mpi[@]}" "$SGDS_BIN" sweep "$sweep" "${small[@]}" -o ranks --threads 1 >mpi.out 2>mpi.log
status=$?
if grep -q 'built without MPI' mpi.log; then
  echo "SKIP: $SGDS_BIN was built without MPI (configure with -DSGDS_MPI=ON to run this test)"
  exit 77
fi
[ "$status" -eq 0 ] || fail "mpirun sweep: exit $status: $(cat mpi.log)"
grep -q 'rank 1/2' mpi.log || fail "no progress from rank 1: $(cat mpi.log)"
[ "$(grep -c 'point .* done' mpi.log)" -eq 24 ] || fail "want 24 progress lines over both ranks: $(cat mpi.log)"
"$SGDS_BIN" sweep "$sweep" "${small[@]}" -o single -q || fail "single-process sweep"
"$SGDS_BIN" merge ranks -o ranks.h5 >/dev/null && "$SGDS_BIN" merge single -o single.h5 >/dev/null || fail "merge"
"$SGDS_PYTHON" "$SGDS_SOURCE_DIR/tests/cli/sweep_compare.py" single.h5 ranks.h5 || fail "2 ranks differ from 1 process"
echo "ok: mpirun -np 2 gives the same merged datasets as one process"
