#!/usr/bin/env bash
# Install the Debian 12 packages tradewar needs to build, test and run
# (compiler, Open MPI, parallel HDF5, GSL, libyaml, Random123, cmocka, nettle,
# Python's h5py/numpy/pandas/matplotlib/scipy/pytest/xarray with both netCDF
# engines, a local Slurm, shellcheck, clang's libFuzzer and Chromium for the
# tests). Does nothing when everything is installed already. Needs root (or
# sudo) only when something is missing. Every tool a test runs is listed here:
# a test never depends on something that happened to be installed by hand.
set -euo pipefail

PACKAGES=(
  cmake make gcc pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libgsl-dev libyaml-dev librandom123-dev libcmocka-dev nettle-dev
  python3 python3-h5py python3-numpy python3-scipy python3-matplotlib python3-pandas
  python3-pytest python3-xarray python3-netcdf4 python3-h5netcdf python3-tabulate
  slurm-wlm munge
  shellcheck
  clang libclang-rt-14-dev
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "tradewar: installing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "tradewar: these packages are missing and you are not root: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
