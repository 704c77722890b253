#!/usr/bin/env bash
# Install the Debian packages sgdsmooth needs, skipping those already present.
# As root it runs apt-get; otherwise it prints the exact apt-get line and exits 2.
set -euo pipefail
packages=(
  cmake g++ make pkg-config git
  libeigen3-dev librandom123-dev libboost-dev libboost-math-dev
  libhdf5-dev hdf5-tools catch2 libcli11-dev libfmt-dev libtomlplusplus-dev zlib1g-dev
  libginac-dev
  libopenmpi-dev openmpi-bin
  dataset-fashion-mnist
  python3-numpy python3-h5py python3-matplotlib python3-scipy
  python3-xarray python3-h5netcdf python3-netcdf4 python3-pandas
  jupyter-nbconvert python3-nbformat python3-ipykernel
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps: missing Debian packages; as root run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 2
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
