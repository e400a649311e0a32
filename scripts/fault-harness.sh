#!/usr/bin/env bash
# fault-harness.sh [--duration S] [--seed N] [--hosts K] [--control] [--ci] [--build DIR] [...]:
# runs a real ringkv cluster of K hosts (default 5) as network namespaces under a seeded nemesis
# (partitions, kill -9, pause, wipe, join, leave) with RESP workloads (SET, sibling sets, the
# counter and set types; --workloads picks them) and a client-library workload, then checks that
# no acknowledged write was lost (tests/faults/harness.py; design at its top; figures in
# docs/FAULTS.md). --control: the control run (plain SET and GET-then-SET increments), which
# must lose writes. --ci: a real run then a control run, about 3 minutes (the CTest test
# `fault_harness`, label `faults`). Needs root.
# Uses build-test/ by default (--build build-release for long runs); `--help` for every option.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "fault harness skipped: needs root (network namespaces)"
  exit 77
fi
if ! /usr/bin/python3 -c 'import redis' 2>/dev/null || ! command -v ip >/dev/null; then
  ./scripts/install-deps.sh
fi
exec /usr/bin/python3 -B tests/faults/harness.py "$@"
