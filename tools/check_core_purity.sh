#!/usr/bin/env bash
# Fails when the deterministic core (src/core) includes I/O, threading, clock or random headers, or
# reads a clock. Tests (*_test.cc) may use anything. See docs/ARCHITECTURE.md, "Layers".
set -euo pipefail
core_dir=${1:?usage: check_core_purity.sh SRC_CORE_DIR}
status=0
banned_includes='#include *[<"](boost/asio|asio|boost/beast|rocksdb/|thread>|mutex>|shared_mutex>|condition_variable>|future>|random>|filesystem>|fstream>|iostream>|chrono>|ctime>|cstdio>|spdlog/)'
clock_reads='(system_clock|steady_clock|high_resolution_clock)::now|std::rand\(|[^_a-z]rand\(\)|time\(nullptr\)|random_device|getenv\('
files=$(find "$core_dir" -name '*.h' -o -name '*.cc' | grep -v '_test\.cc$' || true)
for f in $files; do
  if grep -nE "$banned_includes" "$f"; then
    echo "error: $f includes a header the pure core may not use" >&2
    status=1
  fi
  if grep -nE "$clock_reads" "$f"; then
    echo "error: $f reads a clock, the environment or global randomness" >&2
    status=1
  fi
done
exit $status
