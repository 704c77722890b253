#!/usr/bin/env bash
# -o replaces only what it may: a new file, or an earlier sgdsmooth result of the same kind. An
# input of the command, a folder, a symlink, a FIFO, a device, a file that is not a sealed
# sgdsmooth result (or one of another kind), an output inside the sweep folder being merged, an
# unwritable place: refused before any computation, one line, exit 2, and the file is untouched.
# Names that HDF5 cannot take as groups are refused by validation. (Issue 22, item 3.)
source "$(dirname "$0")/trust_lib.bash"

small_config my.toml
cp my.toml original.toml
"$SGDS_BIN" run my.toml -o earlier.h5 -q >/dev/null || { echo "FAIL: a first run"; exit 1; }
"$SGDS_BIN" check schedule_identities --quick -o a_check.h5 -q >/dev/null || { echo "FAIL: a check file"; exit 1; }
before=$(snapshot my.toml earlier.h5 a_check.h5)

# The config itself, directly, by a hard link and through a symlink.
refused config_as_output "an input of this command" -- "$SGDS_BIN" run my.toml -o my.toml -q
ln my.toml hardlink.toml
refused hard_link_to_config "an input of this command" -- "$SGDS_BIN" run my.toml -o hardlink.toml -q
ln -s earlier.h5 link.h5
refused symlink_output "is a symbolic link" -- "$SGDS_BIN" run my.toml -o link.h5 -q
mkfifo fifo.h5
refused fifo_output "is a FIFO" -- "$SGDS_BIN" run my.toml -o fifo.h5 -q
refused device_output "is a character device" -- "$SGDS_BIN" run my.toml -o /dev/null -q
mkdir folder.h5
refused folder_output "is a folder" -- "$SGDS_BIN" run my.toml -o folder.h5 -q
refused trailing_slash "names a folder" -- "$SGDS_BIN" run my.toml -o new_folder/ -q
refused dot_output "names a folder" -- "$SGDS_BIN" run my.toml -o . -q
echo "my notes" >notes.txt
refused foreign_text_file "is not a sealed sgdsmooth result" -- "$SGDS_BIN" run my.toml -o notes.txt -q
py -c "import h5py; h5py.File('foreign.h5', 'w')['x'] = [1, 2]"
refused foreign_hdf5_file "is not a sealed sgdsmooth result" -- "$SGDS_BIN" run my.toml -o foreign.h5 -q
refused other_kind "is an sgdsmooth check result, not a run result" -- "$SGDS_BIN" run my.toml -o a_check.h5 -q
refused run_over_check_kind "is an sgdsmooth run result, not a check result" -- \
  "$SGDS_BIN" check schedule_identities --quick -o earlier.h5 -q
echo "not a folder" >a_file
refused parent_is_a_file "Not a directory" -- "$SGDS_BIN" run my.toml -o a_file/out.h5 -q
refused unwritable_place "cannot" -- "$SGDS_BIN" run my.toml -o /proc/sgdsmooth_no/out.h5 -q
refused empty_name "expected a file name" -- "$SGDS_BIN" run my.toml -o "" -q
long=$(printf 'x%.0s' $(seq 1 300))
refused name_too_long "File name too long" -- "$SGDS_BIN" run my.toml -o "$long.h5" -q
unchanged inputs_and_results_untouched "$before" my.toml earlier.h5 a_check.h5
check notes_untouched cmp -s notes.txt <(echo "my notes")

# Replacing an earlier result of the same kind is allowed, and the new file is sealed.
check replace_same_kind "$SGDS_BIN" run my.toml -o earlier.h5 -q
check replaced_file_verifies "$SGDS_BIN" verify earlier.h5

# Experiment and run names that HDF5 or a file system cannot take.
for bad in '.' '..' '.hidden' 'a/b'; do
  sed "s|name = \"first\"|name = \"$bad\"|" my.toml >bad_name.toml
  refused "experiment_name_$(echo "$bad" | tr './' 'ds')" "key 'experiment[0].name'" new.h5 -- \
    "$SGDS_BIN" run bad_name.toml -o new.h5 -q
done

# Sweeps: a merge output inside the folder it merges (here: over a point file), and a sweep into
# a folder of someone else's files.
"$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" --set 'experiment.*.trajectories=64' \
  --set 'experiment.*.steps=10' -o runs -q || { echo "FAIL: a sweep"; exit 1; }
points_before=$(snapshot runs/points/*.h5)
refused merge_over_a_point "refusing to replace it" -- "$SGDS_BIN" merge runs -o runs/points/p0000000.h5
refused merge_into_folder "inside 'runs'" -- "$SGDS_BIN" merge runs -o runs/merged.h5
unchanged points_untouched "$points_before" runs/points/*.h5
check resume_after_refusals "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" \
  --set 'experiment.*.trajectories=64' --set 'experiment.*.steps=10' -o runs -q --resume
mkdir -p someone && echo data >someone/keep.txt
refused sweep_into_foreign_folder "is not a sweep folder" -- \
  "$SGDS_BIN" sweep "$SGDS_SOURCE_DIR/configs/sweep_example.toml" -o someone -q
check foreign_folder_untouched [ "$(ls someone)" = keep.txt ]

# report -o: a new or empty folder, or an earlier report's; never a folder of other files.
"$SGDS_BIN" report earlier.h5 -o figures >/dev/null || { echo "FAIL: a report"; exit 1; }
check report_again_into_its_folder "$SGDS_BIN" report earlier.h5 -o figures
refused report_into_foreign_folder "holds files this command did not write" -- "$SGDS_BIN" report earlier.h5 -o someone
refused report_into_a_file "expected a folder" -- "$SGDS_BIN" report earlier.h5 -o notes.txt
finish
