#!/usr/bin/env bash
# fuzz.sh [SECONDS]: builds the libFuzzer targets with clang (src/**/*_fuzz.cc) and runs each for
# SECONDS (default 60) on all cores it may use. Corpora live in build-fuzz/corpus/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
seconds=${1:-60}
command -v clang++ >/dev/null || { apt-get update -qq && apt-get install -y -qq clang; }
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DRINGKV_FUZZ=ON -DRINGKV_TESTS=OFF -DRINGKV_BENCH=OFF >/dev/null
ninja -C build-fuzz -j"$(nproc)" fuzz_targets
for target in build-fuzz/fuzz/*_fuzz; do
  name=$(basename "$target")
  mkdir -p "build-fuzz/corpus/$name"
  echo "== $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -print_final_stats=1 "build-fuzz/corpus/$name" 2>&1 |
    grep -E "stat::number_of_executed_units|ERROR|crash" || true
done
