#!/bin/bash
# libFuzzer targets (fuzz/): builds them in build-fuzz with clang-19 (only sepnn's
# code instrumented: coverage + ASan + UBSan), replays every input under
# fuzz/regressions/<target>/ (each must pass), then fuzzes each target for a
# bounded number of executions from fuzz/seeds/<target>/ into a scratch corpus
# (build-fuzz/fuzz-corpus/<target>; the seeds are only read).
# A crash fails the script; its input is kept under build-fuzz/fuzz-artifacts/<target>/
# (path printed): minimize it and add it to fuzz/regressions/<target>/ with the fix
# (fuzz/regressions/README.md).
#
# Usage: scripts/fuzz.sh [TARGET...]        (default: every target)
# Environment: FUZZ_JOBS (ninja -j, default 2), FUZZ_MAX_TIME (seconds of fuzzing
# per target at most, default 60), FUZZ_RUNS_SCALE (multiplies every target's
# executions, default 1; 0 replays the regressions only).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-fuzz
LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
JOBS=${FUZZ_JOBS:-2}
MAX_TIME=${FUZZ_MAX_TIME:-60}
SCALE=${FUZZ_RUNS_SCALE:-1}

# Executions per target: about 30-45 s each on one core of a 2-core CI machine
# (measured exec/s: import 90-300, JSON readers 10k-30k, wire ~15k).
all=(onnx_import_fuzzer policy_json_fuzzer cluster_json_fuzzer runtime_cluster_fuzzer
     wire_frame_fuzzer)
declare -A runs=(
  [onnx_import_fuzzer]=8000
  [policy_json_fuzzer]=1000000
  [cluster_json_fuzzer]=1000000
  [runtime_cluster_fuzzer]=400000
  [wire_frame_fuzzer]=600000
)
declare -A dict=(
  [policy_json_fuzzer]=fuzz/json.dict
  [cluster_json_fuzzer]=fuzz/json.dict
  [runtime_cluster_fuzzer]=fuzz/json.dict
)

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -n "${runs[$t]:-}" ] || { echo "fuzz.sh: unknown target '$t' (${all[*]})" >&2; exit 2; }
done

command -v clang++-19 >/dev/null || scripts/install-deps.sh
start=$(date +%s)
CC=clang-19 CXX=clang++-19 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSEPNN_BUILD_FUZZERS=ON -DLLVM_EXTERNAL_LIT="$LIT" >/dev/null
ninja -C "$BUILD" -j"$JOBS" "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
[ -x /usr/lib/llvm-19/bin/llvm-symbolizer ] &&
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-19/bin/llvm-symbolizer
common=(-rss_limit_mb=2048 -timeout=10)
logs=$BUILD/fuzz-logs
mkdir -p "$logs"
failed=()
summary=()

# What went wrong, from a libFuzzer log: the report and the top of its stack.
report() {
  grep -E -m1 -A14 'ERROR: |runtime error:|FUZZ_CHECK|terminate called|deadly signal|ALARM|out-of-memory' "$1" |
    cut -c1-240 | sed 's/^/    /' || tail -20 "$1"
}

# 1. Regressions: every kept input must now pass.
for t in "${targets[@]}"; do
  dir=fuzz/regressions/$t
  [ -d "$dir" ] || continue
  mapfile -t inputs < <(find "$dir" -type f ! -name '*.md' | sort)
  [ ${#inputs[@]} -gt 0 ] || continue
  log=$logs/$t.regressions.log
  if "$BUILD/fuzz/$t" "${common[@]}" "${inputs[@]}" >"$log" 2>&1; then
    echo "fuzz: $t: ${#inputs[@]} regression input(s) pass"
  else
    echo "fuzz: $t: a regression input fails (log: $log):"
    grep -E '^Running: ' "$log" | tail -1 | sed 's/^/    /'
    report "$log"
    failed+=("$t (regression)")
  fi
done

# 2. Bounded fuzzing from the seeds.
for t in "${targets[@]}"; do
  n=$(( ${runs[$t]} * SCALE ))
  [ "$n" -gt 0 ] || continue
  corpus=$BUILD/fuzz-corpus/$t
  artifacts=$BUILD/fuzz-artifacts/$t
  log=$logs/$t.log
  rm -rf "$corpus"
  mkdir -p "$corpus" "$artifacts"
  extra=()
  [ -n "${dict[$t]:-}" ] && extra+=(-dict="${dict[$t]}")
  t0=$(date +%s)
  rc=0
  timeout -k 10 $((MAX_TIME + 120)) "$BUILD/fuzz/$t" "${common[@]}" "${extra[@]}" \
    -runs="$n" -max_total_time="$MAX_TIME" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "fuzz/seeds/$t" >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - t0 ))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' ||
          grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  line="$t: ${execs:-?} executions in ${secs}s"
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $line, no crash"
  else
    echo "fuzz: $line: CRASH (exit $rc, log: $log)"
    report "$log"
    kept=$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/Test unit written to //' || true)
    echo "    input kept: ${kept:-none (see the log)}"
    failed+=("$t")
    line+=" CRASH, input: ${kept:-?}"
  fi
  summary+=("$line")
done

echo "fuzz: summary ($(( $(date +%s) - start ))s in all):"
printf '    %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: all targets pass"
