#!/bin/bash
# Configures and builds sepnn (compiler, tools, runtime) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
cmake --build build -j "$(nproc)"
