#!/usr/bin/env bash
# Benchmarks for docs/PERFORMANCE.md: redis-benchmark against a local redis-server and against
# ringkv (one node; one node of a three-node cluster, n=3 r=2 w=2), memory and RocksDB
# (sync=batch), in one run so the ratios compare like with like; then `ringkv bench` YCSB
# workloads A and C through the client library. Needs redis-server (apt-get install redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }
./scripts/build.sh release >/dev/null

ringkv=./build-release/src/cli/ringkv
duration_s=${BENCH_DURATION_S:-10}
work=$(mktemp -d /tmp/ringkv-bench-XXXXXX)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; redis-cli -p 7900 shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

redis_bench() {  # PORT LABEL
  for pipeline in 1 16; do
    redis-benchmark -p "$1" -t set,get -c 50 -n 200000 -q -P "$pipeline" 2>&1 | tr '\r' '\n' |
      grep "requests per second" | sed "s/^/$2 -P $pipeline /"
  done
}

start_cluster() {  # NODES ENGINE
  local nodes=$1 engine=$2 peers=""
  for i in $(seq "$nodes"); do peers+="${peers:+,}n$i=127.0.0.1:$((7910 + i))"; done
  for i in $(seq "$nodes"); do
    "$ringkv" serve --node-id "n$i" --listen "127.0.0.1:$((7910 + i))" \
      --resp-listen "127.0.0.1:$((7920 + i))" --data-dir "$work/$engine-$nodes-n$i" \
      --engine "$engine" --sync batch --peers "$peers" --log-level warn &
    pids+=($!)
  done
  for i in $(seq "$nodes"); do
    until "$ringkv" ring --server "127.0.0.1:$((7910 + i))" >/dev/null 2>&1; do sleep 0.1; done
  done
}

echo "== redis-benchmark -t set,get -c 50 -n 200000 -q [-P 16]"
redis-server --port 7900 --save '' --appendonly no --daemonize yes >/dev/null
sleep 0.5
redis_bench 7900 "redis-server"
redis-cli -p 7900 shutdown nosave >/dev/null 2>&1 || true
for setup in "1 memory" "3 memory" "1 rocksdb" "3 rocksdb"; do
  read -r nodes engine <<<"$setup"
  start_cluster "$nodes" "$engine"
  redis_bench 7921 "ringkv ${nodes}-node $engine"
  stop_all
done

echo
echo "== ringkv bench (YCSB), 100-byte values, 10000 records, zipfian, 16 clients, ${duration_s} s"
for setup in "1 memory" "3 memory" "1 rocksdb" "3 rocksdb"; do
  read -r nodes engine <<<"$setup"
  start_cluster "$nodes" "$engine"
  for workload in A C; do
    "$ringkv" bench --servers 127.0.0.1:7911 --workload "$workload" --clients 16 \
      --duration-s "$duration_s" --json "$work/out.json" --progress-interval-ms 100000 \
      >/dev/null 2>&1 || true
    python3 - "$work/out.json" "$nodes" "$engine" "$workload" <<'PY'
import json, sys
path, nodes, engine, workload = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"ringkv {nodes}-node {engine} workload {workload}: no result ({e})"); sys.exit()
run = r["run"]
def line(op):
    lat = run["operations"][op]["latency_us"]
    return (f"{op} p50 {lat['p50']:.0f} / p95 {lat['p95']:.0f} / p99 {lat['p99']:.0f} / "
            f"p99.9 {lat['p99_9']:.0f} us")
ops = [op for op in ("read", "update") if op in run["operations"]]
print(f"ringkv {nodes}-node {engine} workload {workload}: {run['throughput_ops_per_s']:.0f} ops/s,"
      f" {run['errors']} errors; " + "; ".join(line(op) for op in ops))
PY
  done
  stop_all
done
