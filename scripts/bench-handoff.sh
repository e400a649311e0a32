#!/usr/bin/env bash
# Hint delivery throughput for docs/PERFORMANCE.md: a four-node cluster (RocksDB, sync=batch),
# one node killed, RECORDS records loaded through `ringkv bench` (the fallbacks keep hints for the
# dead node), then the node is restarted and the time until every node holds zero hints is taken.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release >/dev/null
ringkv=./build-release/src/cli/ringkv
records=${RECORDS:-20000}
work=$(mktemp -d /tmp/ringkv-handoff-XXXXXX)
peers="n1=127.0.0.1:7801,n2=127.0.0.1:7802,n3=127.0.0.1:7803,n4=127.0.0.1:7804"
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
start() {
  "$ringkv" serve --node-id "n$1" --listen "127.0.0.1:780$1" --data-dir "$work/n$1" \
    --peers "$peers" --log-level warn >>"$work/n$1.log" 2>&1 &
  pids+=($!)
}
hints() {
  "$ringkv" status --server 127.0.0.1:7801 --json | python3 -c \
    'import json,sys; m=json.load(sys.stdin)["members"]; print(sum(x["hints_held"] for x in m), sum(x["hint_bytes"] for x in m))'
}
for i in 1 2 3 4; do start "$i"; done
for i in 1 2 3 4; do until "$ringkv" ring --server "127.0.0.1:780$i" >/dev/null 2>&1; do sleep 0.1; done; done
kill -KILL "${pids[3]}"
sleep 2.5
"$ringkv" bench --servers 127.0.0.1:7801 --workload C --record-count "$records" --clients 16 \
  --operations 1 --progress-interval-ms 100000 2>&1 | grep "^load:"
read -r held bytes < <(hints)
echo "hints held for n4: $held ($bytes bytes)"
start 4
begin=$(date +%s.%N)
until [ "$(hints 2>/dev/null | cut -d' ' -f1)" = 0 ]; do sleep 0.05; done
elapsed=$(echo "$(date +%s.%N) - $begin" | bc)
echo "all hints delivered and deleted in ${elapsed} s (includes n4's restart):" \
  "$(echo "$held / $elapsed" | bc) hints/s, $(echo "scale=2; $bytes / $elapsed / 1048576" | bc) MB/s"
