#!/bin/bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan:
# sepnn, its runtime and every device program that the tests compile), then the
# runtime's transport tests under ThreadSanitizer (build-tsan). clang-19 (Debian:
# clang-19 libclang-rt-19-dev, installed by scripts/install-deps.sh).
# Usage: scripts/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(asan tsan)

for step in "${steps[@]}"; do
  case "$step" in
  asan)
    san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
      -DLLVM_EXTERNAL_LIT="$LIT" >/dev/null
    ninja -C build-asan -j2
    # Any report fails the process that made it, and with it the test.
    export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cmake --build build-asan --target check-sepnn
    ;;
  tsan)
    cmake -S runtime -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_CXX_FLAGS="-fsanitize=thread -g" >/dev/null
    ninja -C build-tsan -j2 sepnn_rt_tests
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    build-tsan/sepnn_rt_tests --gtest_filter='Transport.*:ClusterKey.*:E2E.*'
    # the kernels' thread pool, with more threads than cores
    SEPNN_THREADS=3 build-tsan/sepnn_rt_tests --gtest_filter='Fast*'
    ;;
  *)
    echo "usage: $0 [asan|tsan]..." >&2
    exit 2
    ;;
  esac
done
