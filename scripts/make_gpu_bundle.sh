#!/bin/bash
# Packs built programs for a GPU machine that lacks this project's libraries (Eigen, fmt, toml++,
# HDF5 dev...): the programs go to BUNDLE/bin, every shared library they need except glibc's own
# and the CUDA toolkit's (cuBLAS, cudart: the GPU image has CUDA 13 in /usr/local/cuda, which the
# programs' RUNPATH names) to BUNDLE/lib, and the peer programs (../shared/peers) to BUNDLE/peers. Run there with
#   LD_LIBRARY_PATH=BUNDLE/lib SGDS_PREBUILT=BUNDLE/bin SGDS_PEERS_DIR=BUNDLE/peers bench/gpu_acceptance.sh
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
    grep -vE '/(libcublas|libcublasLt|libcudart)\.so' |  # CUDA 13's own, on the GPU image (libcublasLt: 540 MB)
    while read -r lib; do cp -Ln "$lib" "$bundle/lib/" 2>/dev/null || true; done
done
here=$(cd "$(dirname "$0")/.." && pwd)
cp "$here/../shared/peers/"* "$bundle/peers/" 2>/dev/null || true
du -sh "$bundle"
