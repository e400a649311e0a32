#!/usr/bin/env bash
# fuzz.sh [SECONDS]: builds the libFuzzer targets with clang (every src/**/*_fuzz.cc, declared
# with ringkv_fuzz() beside it) and runs each for SECONDS (default 60), as many at a time as there
# are cores. Each starts from its committed seeds (fuzz/corpus/<target>, read only) and its own
# growing corpus (build-fuzz/corpus/<target>, not committed). A crash, a failed check, a
# sanitizer report, a leak or an input running over 10 s fails the run; the input that did it is
# kept as build-fuzz/artifacts/<target>-crash-* (replay: build-fuzz/fuzz/<target> FILE).
# scripts/test.sh runs it with 20 s per target.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh fuzz
seconds=${1:-60}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DRINGKV_FUZZ=ON -DRINGKV_TESTS=OFF -DRINGKV_BENCH=OFF >/dev/null
ninja -C build-fuzz -j"$(nproc)" fuzz_targets
mkdir -p build-fuzz/artifacts build-fuzz/logs
# libFuzzer reports leaks itself; the sanitizers stop at the first error (the fuzz build also
# compiles UBSan as non-recoverable).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {  # TARGET NAME: one fuzzing run, its output in build-fuzz/logs/NAME.log.
  local corpus=build-fuzz/corpus/$2 seeds=()
  mkdir -p "$corpus"
  [ -d "fuzz/corpus/$2" ] && seeds=("fuzz/corpus/$2")
  "$1" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$2-" "$corpus" "${seeds[@]}" \
    >"build-fuzz/logs/$2.log" 2>&1
}

# The targets this build declares (build-fuzz/fuzz may hold binaries of removed ones).
mapfile -t names <build-fuzz/fuzz_targets.txt
declare -A pids=()
passed=0
failed=()
finish() {  # NAME: waits for its run and reports it.
  local name=$1
  if wait "${pids[$name]}"; then
    passed=$((passed + 1))
    local inputs files
    inputs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "build-fuzz/logs/$name.log" |
      grep -o '[0-9]*$')
    files=$(find "build-fuzz/corpus/$name" -type f | wc -l)
    echo "== $name: $inputs inputs in ${seconds}s, corpus $files files"
  else
    failed+=("$name")
    echo "== $name FAILED (build-fuzz/logs/$name.log):"
    grep -v -E '^#[0-9]+' "build-fuzz/logs/$name.log" | tail -n 40
  fi
  unset "pids[$name]"
}
running=()
for name in "${names[@]}"; do
  run_one "build-fuzz/fuzz/$name" "$name" &
  pids[$name]=$!
  running+=("$name")
  if ((${#running[@]} >= $(nproc))); then
    finish "${running[0]}"
    running=("${running[@]:1}")
  fi
done
for name in "${running[@]}"; do finish "$name"; done
echo "fuzz: $passed passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
