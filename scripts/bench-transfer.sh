#!/usr/bin/env bash
# Ownership transfer throughput for docs/PERFORMANCE.md: three nodes with gossip membership
# (RocksDB, sync=batch, n=3), RECORDS records of VALUE_SIZE bytes loaded through `ringkv bench`;
# then a fourth node joins (timed until every member is up with no transfer pending) and a member
# leaves (timed until it has handed everything off and stopped). Bytes are the nodes' own
# transfer_bytes_handed_off counters (keys + stored objects acknowledged by every home replica).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release >/dev/null
ringkv=./build-release/src/cli/ringkv
records=${RECORDS:-20000}
value_size=${VALUE_SIZE:-4096}
work=$(mktemp -d /tmp/ringkv-transfer-XXXXXX)
seeds="n1=127.0.0.1:7901,n2=127.0.0.1:7902"
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
start() {
  "$ringkv" serve --node-id "n$1" --listen "127.0.0.1:790$1" --data-dir "$work/n$1" \
    --seeds "$seeds" --gossip-interval-ms 200 --transfer-bytes-per-s 1073741824 \
    --log-level warn >>"$work/n$1.log" 2>&1 &
  pids+=($!)
}
# Prints: members, members up, transfers pending (sum), transfer bytes handed off (sum).
summary() {
  "$ringkv" status --server "$1" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
up = sum(1 for x in m if x["state"] == "up")
pending = sum(x["transfers_pending"] for x in m if x["reachable"])
sent = sum(x["counters"].get("transfer_bytes_handed_off", 0) for x in m if x["reachable"])
print(len(m), up, pending, sent)'
}
wait_settled() {  # $1: server, $2: members expected
  until read -r n up pending sent < <(summary "$1" 2>/dev/null) &&
      [ "$n" = "$2" ] && [ "$up" = "$2" ] && [ "$pending" = 0 ]; do sleep 0.05; done
}
for i in 1 2 3; do start "$i"; done
wait_settled 127.0.0.1:7901 3
"$ringkv" bench --servers 127.0.0.1:7901 --workload C --record-count "$records" \
  --value-size "$value_size" --clients 16 --operations 1 --progress-interval-ms 100000 2>&1 |
  grep "^load:"

read -r _ _ _ before < <(summary 127.0.0.1:7901)
begin=$(date +%s.%N)
start 4
sleep 0.5
wait_settled 127.0.0.1:7901 4
elapsed=$(echo "$(date +%s.%N) - $begin" | bc)
read -r _ _ _ after < <(summary 127.0.0.1:7901)
bytes=$((after - before))
echo "join: n4 took its share in ${elapsed} s (includes its start):" \
  "$(echo "scale=1; $bytes / 1048576" | bc) MB handed off," \
  "$(echo "scale=1; $bytes / $elapsed / 1048576" | bc) MB/s"

begin=$(date +%s.%N)
"$ringkv" leave --server 127.0.0.1:7903 >/dev/null
while kill -0 "${pids[2]}" 2>/dev/null; do sleep 0.02; done
elapsed=$(echo "$(date +%s.%N) - $begin" | bc)
# The leaver logs what it handed off, then lingers 5 gossip intervals (1 s here) before exiting.
bytes=$(grep -o "handed off [0-9]* keys ([0-9]* bytes)" "$work/n3.log" | tail -1 | grep -o "([0-9]*" | tr -d '(')
seconds=$(echo "$elapsed - 1" | bc)
echo "leave: n3 handed $(echo "scale=1; $bytes / 1048576" | bc) MB off in ${seconds} s"   "(excluding 1 s of lingering gossip): $(echo "scale=1; $bytes / $seconds / 1048576" | bc) MB/s"
wait_settled 127.0.0.1:7901 3
"$ringkv" status --server 127.0.0.1:7901
