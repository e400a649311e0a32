#!/usr/bin/env bash
# trace_hashes.sh [BINARY]: prints the trace hash of every seed of the CI seed set (seeds 1-200,
# every third with storage faults, every fourth with membership churn, as src/sim/simulator_test.cc runs them). A pure move of core
# code must leave this output unchanged: diff it before and after (docs/CONVENTIONS.md,
# "Components").
set -euo pipefail
bin=${1:-build-release/src/cli/ringkv}
for seed in $(seq 1 200); do
  flags=()
  if ((seed % 3 == 0)); then flags+=(--storage-faults); fi
  if ((seed % 4 == 0)); then flags+=(--membership-churn); fi
  "$bin" sim --seed "$seed" "${flags[@]}" | sed -E 's/^(seed [0-9]+: [^ ]+) .*trace ([0-9a-f]+).*/\1 \2/'
done
