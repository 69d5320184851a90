#!/usr/bin/env bash
# Installs the Debian packages lorakit builds and tests against, if any is missing.
# Runs apt-get as root directly, or through sudo otherwise.
set -euo pipefail

# openmpi-bin and libopenmpi-dev: `mpirun -np N lorakit train` and its tests (lorakit loads libmpi at run time).
packages=(libopenblas-dev liblapacke-dev libncurses-dev libreadline-dev tmux openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
