#!/bin/bash
# Packs built programs for a GPU machine that lacks this project's libraries (Eigen, fmt, toml++,
# HDF5 dev...): the programs go to BUNDLE/bin, every shared library they need except glibc's own
# and cuBLAS (540 MB with cuBLASLt; the GPU image's CUDA 13 has it) to BUNDLE/lib, and the peer
# programs (../shared/peers) to BUNDLE/peers. Run there with
#   LD_LIBRARY_PATH=BUNDLE/lib:/usr/local/cuda/lib64 SGDS_PREBUILT=BUNDLE/bin SGDS_PEERS_DIR=BUNDLE/peers bench/gpu_acceptance.sh
# Usage: scripts/make_gpu_bundle.sh BUILD_DIR BUNDLE PROGRAM...   (PROGRAM relative to BUILD_DIR)
set -euo pipefail
build=$1 bundle=$2
shift 2
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/peers"
for program in "$@"; do
  cp "$build/$program" "$bundle/bin/"
  strip "$bundle/bin/$(basename "$program")"
  ldd "$build/$program" | awk '/=> \//{print $3}' |
    grep -vE '/(libc|libm|libpthread|libdl|librt|libresolv)\.so|ld-linux' |
    grep -vE '/(libcublas|libcublasLt)\.so' |  # too big to carry (libcublasLt: 540 MB): the GPU image's CUDA 13 has them
    while read -r lib; do cp -Ln "$lib" "$bundle/lib/" 2>/dev/null || true; done
done
here=$(cd "$(dirname "$0")/.." && pwd)
cp "$here/../shared/peers/"* "$bundle/peers/" 2>/dev/null || true
# The commit the programs were built from: the device's copy of the working tree keeps the .git of
# the session's start, so a `git rev-parse` there names an older commit.
echo "$(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- . ':!bench/RESULTS.md' || echo "+dirty")" > "$bundle/COMMIT"
du -sh "$bundle"
