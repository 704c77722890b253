#!/usr/bin/env bash
# Fuzz regression: a few hundred corrupted variants of a small result file and of a sweep folder,
# made deterministically here (a fixed seed): truncations, flipped bytes, zeroed blocks, the seal
# stripped (files that then read as older sgdsmooth files, damaged), foreign HDF5 files, future
# schema majors sealed as a future sgdsmooth would. Every variant goes through inspect, report and
# verify (files) or merge and verify (folders): no signal, no hang (30 s), exit 2, at most 3 lines,
# nothing written. (Issue 22, item 8; the coverage-guided fuzzers in fuzz/ and their corpus stay.)
source "$(dirname "$0")/trust_lib.bash"

cat >tiny.toml <<'TOML'
seed = 3
[[experiment]]
name = "q"
trajectories = 16
steps = 4
problem = { name = "quadratic", dim = 2 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.1, batch = 1 }
record = { per_trajectory = true }
TOML
cat >tiny_sweep.toml <<'TOML'
seed = 4
[sweep]
grid = { "experiment.*.schedule.eta" = [0.05, 0.1] }
[[experiment]]
name = "q"
trajectories = 8
steps = 3
problem = { name = "quadratic", dim = 2 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.1, batch = 1 }
TOML
"$SGDS_BIN" run tiny.toml -o tiny.h5 -q >/dev/null || { echo "FAIL: the run to corrupt"; exit 1; }
"$SGDS_BIN" sweep tiny_sweep.toml -o tiny_sweep -q || { echo "FAIL: the sweep to corrupt"; exit 1; }

py - "$SGDS_SOURCE_DIR/tests/cli" <<'PY'
import os, shutil, sys
import h5py
import numpy as np
sys.path.insert(0, sys.argv[1])
from seal import seal

rng = np.random.default_rng(20261206)
good = open("tiny.h5", "rb").read()
os.makedirs("files", exist_ok=True)

def put(name, data):
    assert bytes(data) != good, name  # a variant that changed nothing is no corruption
    with open(f"files/{name}.h5", "wb") as f:
        f.write(bytes(data))

def damaged(data, count):
    original = bytes(data)
    while True:
        changed = damage_once(original, count)
        if bytes(changed) != original:
            return changed

def damage_once(data, count):
    data = bytearray(data)
    for _ in range(count):
        kind = rng.integers(3)
        if kind == 0:  # flip bits in a few bytes
            for at in rng.integers(0, len(data), size=rng.integers(1, 9)):
                data[at] ^= int(rng.integers(1, 256))
        elif kind == 1:  # zero a block
            at, size = int(rng.integers(0, len(data))), int(rng.integers(1, 4097))
            data[at:at + size] = bytes(len(data[at:at + size]))
        else:  # cut short
            del data[int(rng.integers(0, len(data))):]
    return data

for i, length in enumerate([0, 1, 8, 511, 512, 513, 1024] + list(rng.integers(0, len(good) - 1, size=53))):
    put(f"truncated_{i:03d}", good[:int(length)])
for i in range(80):
    put(f"flipped_{i:03d}", damaged(good, 1) if i % 2 else bytearray(a ^ b for a, b in zip(good, np.where(
        np.arange(len(good)) == int(rng.integers(0, len(good))), int(rng.integers(1, 256)), 0).astype(np.uint8))))
for i in range(40):
    while True:
        data = bytearray(good)
        at, size = int(rng.integers(0, len(good))), int(rng.integers(1, 8193))
        data[at:at + size] = bytes(len(data[at:at + size]))
        if bytes(data) != good:
            break
    put(f"zeroed_{i:03d}", data)
for i in range(30):  # the seal stripped, then damage: read as an older sgdsmooth file would be
    data = bytearray(good)
    data[:512] = bytes(512)
    put(f"unsealed_{i:03d}", damaged(data, 1 + i % 3) if i else data)
for i in range(15):  # foreign HDF5 files of random shapes
    with h5py.File(f"files/foreign_{i:03d}.h5", "w") as f:
        for k in range(int(rng.integers(0, 6))):
            f.create_dataset(f"g{k}/d{k}", data=rng.normal(size=int(rng.integers(1, 50))))
        if i % 3 == 0:
            f.attrs["filetype"] = "something-else"
        if i % 3 == 1:  # claims to be ours but has no schema
            f.attrs["filetype"] = "sgdsmooth-result"
for i, (major, minor) in enumerate([(2, 0), (3, 1), (99, 0), (0, 9), (-1, 0), (2, 5)]):
    shutil.copy("tiny.h5", f"files/future_{i:03d}.h5")
    with h5py.File(f"files/future_{i:03d}.h5", "a") as f:
        f.attrs["schema_version"] = np.array([major, minor], dtype="int64")
    seal(f"files/future_{i:03d}.h5")

# Sweep folders with one point file or the manifest damaged.
points = sorted(os.listdir("tiny_sweep/points"))
points = [p for p in points if p.endswith(".h5")]
os.makedirs("folders", exist_ok=True)
for i in range(60):
    folder = f"folders/f{i:03d}"
    shutil.copytree("tiny_sweep", folder)
    if i < 45:
        target = f"{folder}/points/{points[i % len(points)]}"
        data = open(target, "rb").read()
        if i % 5 == 4:
            shutil.copy(f"files/foreign_{i % 15:03d}.h5", target)
        else:
            open(target, "wb").write(bytes(damaged(data, 1 + i % 2)))
    else:
        target = f"{folder}/sweep.toml"
        data = open(target, "rb").read()
        open(target, "wb").write(bytes(damaged(data, 1)))
print(f"{len(os.listdir('files'))} files, {len(os.listdir('folders'))} folders")
PY

# One variant through one command: exit 2, at most 3 lines, no signal or hang, nothing written.
variants=0
try() {  # NAME OUTPUT command...
  local name=$1 output=$2
  shift 2
  variants=$((variants + 1))
  timeout 30 "$@" >out.txt 2>&1 </dev/null
  local status=$? problem=""
  [ "$status" -eq 2 ] || problem+=" exit $status;"
  [ "$(wc -l <out.txt)" -le 3 ] || problem+=" $(wc -l <out.txt) lines;"
  [ ! -e "$output" ] || problem+=" wrote $output;"
  [ -z "$(find . -name '*.partial-*' | head -1)" ] || problem+=" left $(find . -name '*.partial-*' | head -1);"
  if [ -n "$problem" ]; then fail_case "$name" "$problem $(head -c 300 out.txt)"; rm -rf "$output"; fi
}
for file in files/*.h5; do
  name=$(basename "$file" .h5)
  try "inspect_$name" none "$SGDS_BIN" inspect "$file"
  try "report_$name" "figs_$name" "$SGDS_BIN" report "$file" -o "figs_$name"
  try "verify_$name" none "$SGDS_BIN" verify "$file"
done
for folder in folders/*; do
  name=$(basename "$folder")
  try "merge_$name" merged.h5 "$SGDS_BIN" merge "$folder" -o merged.h5
  try "verify_$name" none "$SGDS_BIN" verify "$folder"
done
cases=$variants
echo "$variants command runs on $(ls files | wc -l) files and $(ls folders | wc -l) folders"
finish
