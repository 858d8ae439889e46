#!/bin/bash
# Installs sepnn's Debian 12 packages (as root, or through sudo).
set -euo pipefail
packages=(
  cmake ninja-build g++ git
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev libgtest-dev
  python3-torch python3-torchvision python3-onnx python3-numpy libopenblas0-pthread
  python3-tqdm python3-matplotlib dataset-fashion-mnist
  libonnx-testdata g++-aarch64-linux-gnu qemu-user-static openmpi-bin libopenmpi-dev
  libssl-dev clang-19 libclang-rt-19-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
