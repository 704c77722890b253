#!/usr/bin/env bash
# Untrusted inputs never crash, hang or flood: a FIFO, a device, a folder, a huge or binary file
# given as a config or as a result file is refused before it is opened or parsed; result files
# that are damaged, foreign, empty or odd HDF5 give one line and exit 2 from inspect, report,
# verify and merge; report turns a Python failure into one line (the traceback only with
# --verbose). Each command runs under a 60 s timeout: a hang fails the case. (Issue 22, items 4, 6.)
source "$(dirname "$0")/trust_lib.bash"

small_config my.toml
"$SGDS_BIN" run my.toml -o good.h5 -q >/dev/null || { echo "FAIL: a good run"; exit 1; }
mkfifo fifo
mkdir folder
head -c 17000000 /dev/zero | tr '\0' '#' >huge.toml
head -c 4096 /dev/urandom >binary.toml
: >empty.toml

# Configs: refused before reading, or read and refused as TOML; the same for every command.
for command in run train sweep; do
  refused "${command}_fifo_config" "is a FIFO; expected a regular file" -- "$SGDS_BIN" "$command" fifo -o out_$command
  refused "${command}_device_config" "is a character device" -- "$SGDS_BIN" "$command" /dev/zero -o out_$command
  refused "${command}_folder_config" "is a folder" -- "$SGDS_BIN" "$command" folder -o out_$command
  refused "${command}_huge_config" "expected at most 16777216 bytes" -- "$SGDS_BIN" "$command" huge.toml -o out_$command
  refused "${command}_binary_config" "config:" -- "$SGDS_BIN" "$command" binary.toml -o out_$command
  refused "${command}_missing_config" "No such file or directory" -- "$SGDS_BIN" "$command" nowhere.toml -o out_$command
done
refused empty_config "key 'experiment'" -- "$SGDS_BIN" run empty.toml -o out.h5
refused smooth_fifo_figure "is a FIFO" -- "$SGDS_BIN" smooth --figure fifo -o out.h5
check no_output_made [ -z "$(ls | grep '^out')" ]

# Result files that are not whole sgdsmooth files.
cp good.h5 truncated.h5 && truncate -s 5000 truncated.h5
cp good.h5 flipped.h5 && printf '\x55' | dd of=flipped.h5 bs=1 seek=20000 conv=notrunc status=none
cp good.h5 grown.h5 && printf 'x' >>grown.h5
: >zero.h5
echo "just text" >text.h5
py -c "import h5py; f = h5py.File('foreign.h5', 'w'); f['x'] = [1, 2, 3]"
# A file that looks like an older sgdsmooth result (unsealed, schema 1.4) but breaks its layout.
py -c "
import h5py, numpy as np
f = h5py.File('hollow.h5', 'w')
f.attrs['filetype'] = 'sgdsmooth-result'
f.attrs['schema_version'] = np.array([1, 4], dtype='int64')
f.attrs['config'] = 'seed = 1'
g = f.create_group('experiments/broken')
g.attrs['name'] = 'broken'
g['step'] = np.array(['a', 'b'], dtype=h5py.string_dtype())
g['f_mean'] = np.zeros((3, 3)); g['f_se'] = np.zeros(2); g['f_count'] = np.zeros(5)
f.create_group('checks')
"
for input in fifo folder /dev/zero missing.h5 zero.h5 text.h5 truncated.h5 flipped.h5 grown.h5 foreign.h5; do
  label=$(basename "$input" .h5)
  refused "inspect_$label" "" -- "$SGDS_BIN" inspect "$input"
  refused "verify_$label" "NOT VERIFIED" -- bash -c "'$SGDS_BIN' verify '$input' 2>&1 1>/dev/null; '$SGDS_BIN' verify '$input' >&2"
  refused "report_$label" "" "figs_$label" -- "$SGDS_BIN" report "$input" -o "figs_$label"
done
refused report_python_failure "report: cannot read 'hollow.h5': it does not follow the sgdsmooth schema" figs_hollow -- \
  "$SGDS_BIN" report hollow.h5 -o figs_hollow
"$SGDS_BIN" report good.h5 -o figs_kept >/dev/null || { echo "FAIL: a good report"; exit 1; }
kept=$(snapshot figs_kept/*)
refused report_failure_keeps_earlier_report "it does not follow the sgdsmooth schema" -- "$SGDS_BIN" report hollow.h5 -o figs_kept
unchanged earlier_report_untouched "$kept" figs_kept/*
"$SGDS_BIN" report hollow.h5 -o figs_verbose --verbose >/dev/null 2>verbose.err
check report_verbose_has_traceback grep -q Traceback verbose.err

# Unsealed files that libhdf5 reads without complaint but that would exhaust memory: values that
# decode to far more than the file holds (a gzip bomb, unwritten chunks read as fill values, many
# datasets each below the limit) are refused before they are decoded; an array where one value
# belongs is refused, not read past. The last is a legitimate 16 MB unsealed file, read.
py - <<'PY'
import h5py, numpy as np
def base(name):
    f = h5py.File(name, "w")
    f.attrs["filetype"] = "sgdsmooth-result"
    f.attrs["schema_version"] = np.array([1, 4], dtype="int64")
    f.attrs["config"] = "seed = 1"
    g = f.create_group("experiments/a")
    g.attrs["name"] = "a"
    g["step"] = np.arange(3, dtype="int64"); g["diverged"] = np.zeros(3, dtype="int64")
    g["f_mean"] = np.zeros(3); g["f_se"] = np.zeros(3); g["f_count"] = np.ones(3, dtype="int64")
    return f, g
f, g = base("bomb_gzip.h5")
bomb = g.create_dataset("x_mean", shape=(1 << 16, 1024), dtype="f8", chunks=(1024, 1024), compression="gzip")
for i in range(64): bomb[i * 1024:(i + 1) * 1024] = np.zeros((1024, 1024))  # every chunk: 0.5 MB that decode to 512 MiB
f.close()
f, g = base("bomb_fill.h5")
g.create_dataset("x_mean", shape=(1 << 20, 1024), dtype="f8", chunks=(1024, 1024))
f.close()
f, g = base("bomb_many.h5")
for i in range(64): g.create_dataset(f"y{i}_mean", shape=(1 << 23,), dtype="f8", chunks=(1 << 16,))
f.close()
f, g = base("array_filetype.h5")
f.attrs.create("filetype", ["sgdsmooth-result"] * 3, dtype=h5py.string_dtype())
f.close()
f, g = base("large_plain.h5")
g["big_mean"] = np.zeros((2000, 1000)); g["big_se"] = np.zeros((2000, 1000)); g["big_count"] = np.ones(2000, dtype="int64")
f.close()
PY
for bomb in bomb_gzip bomb_fill bomb_many; do
  refused "inspect_$bomb" "a decompression bomb; not read" -- "$SGDS_BIN" inspect $bomb.h5
  refused "report_$bomb" "a decompression bomb; not read" "figs_$bomb" -- "$SGDS_BIN" report $bomb.h5 -o "figs_$bomb"
done
refused inspect_gzip_names_dataset "stopped before /experiments/a/x_mean, 512.0 MiB" -- "$SGDS_BIN" inspect bomb_gzip.h5
refused inspect_array_filetype "attribute /@filetype holds 3 values; expected one string" -- "$SGDS_BIN" inspect array_filetype.h5
check inspect_large_plain_file_read "$SGDS_BIN" inspect large_plain.h5

# A sweep folder whose point is a FIFO or a folder: refused naming it, without blocking.
"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" --set 'experiment.*.trajectories=32' \
  --set 'experiment.*.steps=5' -o runs -q || { echo "FAIL: a sweep"; exit 1; }
rm runs/points/p0000004.h5 && mkfifo runs/points/p0000004.h5
refused merge_fifo_point "p0000004.h5' is not a regular file" merged.h5 -- "$SGDS_BIN" merge runs -o merged.h5
refused resume_fifo_point "p0000004.h5' is not a regular file" -- "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" \
  --set 'experiment.*.trajectories=32' --set 'experiment.*.steps=5' -o runs -q --resume
refused verify_fifo_point "p0000004.h5" -- bash -c "'$SGDS_BIN' verify runs >/dev/null; '$SGDS_BIN' verify runs 2>&1 | grep p0000004 >&2; exit 2"
finish
