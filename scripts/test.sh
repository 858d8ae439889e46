#!/bin/bash
# Installs the dependencies, builds sepnn and runs every test (lit + FileCheck,
# the runtime's gtest suite, end-to-end runs against PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cmake --build build --target check-sepnn
