#!/usr/bin/env bash
# Runs every ringkv test: installs packages if needed, builds with ASan+UBSan (build-test/) and the
# release build (build-release/, which the deb_package test packages), runs CTest, then builds the
# libFuzzer targets with clang and runs each briefly from its seeds (scripts/fuzz.sh,
# RINGKV_FUZZ_SECONDS per target, default 20; 0 skips it). Arguments go to ctest. Fails when a
# test or a fuzz target failed (both steps run either way).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh fuzz
./scripts/build.sh test
./scripts/build.sh release
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fuzz_seconds=${RINGKV_FUZZ_SECONDS:-20}
status=0
ctest --test-dir build-test --output-on-failure -j"$(nproc)" "$@" || status=$?
if ((fuzz_seconds > 0)); then
  printf '\n== fuzz targets, %s s each (scripts/fuzz.sh)\n' "$fuzz_seconds"
  ./scripts/fuzz.sh "$fuzz_seconds" || status=1
fi
exit "$status"
