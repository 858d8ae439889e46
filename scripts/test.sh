#!/bin/bash
# Installs the dependencies, builds sepnn and runs every test (lit + FileCheck,
# the runtime's gtest suite, end-to-end runs against PyTorch, fault and soak
# tests), then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
# and the transport tests under ThreadSanitizer (scripts/sanitize.sh), then
# every fuzzer for a bounded number of executions (scripts/fuzz.sh).
# SEPNN_TEST_QUICK=1 stops after the plain suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cmake --build build --target check-sepnn
[ "${SEPNN_TEST_QUICK:-0}" = 1 ] && exit 0
scripts/sanitize.sh asan tsan
FUZZ_MAX_TIME=${FUZZ_MAX_TIME:-30} scripts/fuzz.sh
