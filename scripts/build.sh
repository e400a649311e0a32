#!/usr/bin/env bash
# build.sh release|test: configures and builds ringkv. `release` is an optimized build for the
# demo and benchmarks (build-release/); `test` is a debug build (assertions on, -O1 as the
# sanitizer documentation advises for usable speed) with AddressSanitizer and
# UndefinedBehaviorSanitizer for the test suite (build-test/).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: build.sh release|test}
jobs=$(nproc)
case "$kind" in
  release)
    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRINGKV_SANITIZE=OFF \
      -DRINGKV_TESTS=OFF -DRINGKV_BENCH=ON >/dev/null
    ninja -C build-release -j"$jobs"
    ;;
  test)
    cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
      -DRINGKV_SANITIZE=ON \
      -DRINGKV_TESTS=ON -DRINGKV_BENCH=OFF >/dev/null
    ninja -C build-test -j"$jobs"
    ;;
  *)
    echo "usage: build.sh release|test" >&2
    exit 2
    ;;
esac
