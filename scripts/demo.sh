#!/usr/bin/env bash
# The main job: builds ringkv and runs a local four-node cluster (RocksDB, n=3 r=2 w=2) that forms
# by itself through gossip with two seeds. It writes and reads through the CLI (concurrent siblings
# and a context that reconciles them) and the Redis protocol (two clients incrementing one counter
# and adding to one set through different nodes while a node is paused with SIGSTOP: every
# increment and member is on every node after), prints the ring ownership per node,
# runs a short benchmark through the partition-aware client, kills one node with SIGKILL and shows
# writes continuing while fallbacks keep hints for it, restarts it and shows the hints drain
# (`ringkv status`), has a fifth node join and another leave (their data moves, `status` shows the
# states and pending transfers), and stops the cluster with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release

ringkv=./build-release/src/cli/ringkv
base_port=${RINGKV_DEMO_PORT:-7301}
work=$(mktemp -d /tmp/ringkv-demo-XXXXXX)
declare -A pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

address() { echo "127.0.0.1:$((base_port + $1 - 1))"; }
resp_address() { echo "127.0.0.1:$((base_port + 100 + $1 - 1))"; }
seeds="n1=$(address 1),n2=$(address 2)"

start_node() {
  local i=$1
  "$ringkv" serve --node-id "n$i" --listen "$(address "$i")" --resp-listen "$(resp_address "$i")" \
    --data-dir "$work/n$i" --seeds "$seeds" --gossip-interval-ms 250 --engine rocksdb --sync batch \
    >>"$work/n$i.log" 2>&1 &
  pids[$i]=$!
}
wait_ready() {
  for _ in $(seq 100); do
    if "$ringkv" ring --server "$(address "$1")" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "node n$1 did not start:"; cat "$work/n$1.log"; exit 1
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ ringkv %s\n' "$*"; "$ringkv" "$@" || true; }
context_of() { "$ringkv" get --server "$1" "$2" | sed -n 's/^context: //p'; }

# Waits until `ringkv status` shows $1 members, all up, with no transfer pending.
members_up() { "$ringkv" status --server "$(address 1)" --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
print(len(m) if all(x["state"] == "up" and x["transfers_pending"] == 0 for x in m) else -1)'; }
wait_members() {
  for _ in $(seq 300); do
    [ "$(members_up || true)" = "$1" ] && return 0
    sleep 0.1
  done
  echo "the cluster did not settle at $1 members"; "$ringkv" status --server "$(address 1)"; exit 1
}

step "start four nodes with the same seeds ($seeds): they form one cluster by gossip"
for i in 1 2 3 4; do start_node "$i"; done
for i in 1 2 3 4; do wait_ready "$i"; done
wait_members 4
grep -h "listening" "$work"/n*.log

step "ring ownership per node (256 partitions, n=3 r=2 w=2: each key on 3 of the 4 nodes)"
run ring --server "$(address 1)"

step "write through one node, read through the others"
run put --server "$(address 1)" user:1 '{"name":"ada"}'
run get --server "$(address 2)" user:1
run get --server "$(address 3)" user:1

step "two blind writes through different nodes are concurrent: both kept as siblings"
run put --server "$(address 1)" color red
run put --server "$(address 2)" color blue
run get --server "$(address 3)" color

step "a write with the read's context supersedes exactly what that read saw"
run put --server "$(address 3)" --context "$(context_of "$(address 3)" color)" color purple
run get --server "$(address 1)" color

if command -v redis-cli >/dev/null; then
  step "the same data through the Redis protocol"
  port=$((base_port + 100))
  printf '$ redis-cli -p %s SET session:9 active; GET session:9; GET color\n' "$port"
  redis-cli -p "$port" SET session:9 active
  redis-cli -p "$port" GET session:9
  redis-cli -p "$port" GET color
  step "Redis data types: two clients INCR one counter and SADD to one set through n1 and n2 while n4 is paused (SIGSTOP)"
  kill -STOP "${pids[4]}"
  sleep 2.5  # The others stop hearing from n4: its replicas' writes go to the other two.
  resp_port() { echo $((base_port + 100 + $1 - 1)); }
  client() {  # client NODE NAME: 150 INCRs and 150 SADDs of NAME-i, one pipeline each
    for i in $(seq 1 150); do echo "INCR visits"; echo "SADD seen $2-$i"; done |
      redis-cli -p "$(resp_port "$1")" >"$work/client-$2.out" 2>&1
  }
  client 1 alice & a=$!
  client 2 bob & b=$!
  wait "$a" "$b"
  # Replies alternate: INCR's new value, SADD's 1. An error line is an unacknowledged command.
  counts=$(cat "$work/client-alice.out" "$work/client-bob.out" | awk '
    NR % 2 == 1 && /^[0-9]+$/ { incr++ } NR % 2 == 0 && /^1$/ { sadd++ }
    END { printf "%d %d", incr, sadd }')
  read -r acked_incr acked_sadd <<<"$counts"
  echo "acknowledged while n4 was paused: $acked_incr of 300 INCRs, $acked_sadd of 300 SADDs"
  kill -CONT "${pids[4]}"
  sleep 2  # n4 is heard again; hints for it are handed back.
  for i in 1 2 3 4; do
    visits=$(redis-cli -p "$(resp_port "$i")" GET visits)
    seen=$(redis-cli -p "$(resp_port "$i")" SCARD seen)
    printf '$ redis-cli -p %s GET visits; SCARD seen  ->  %s %s\n' "$(resp_port "$i")" "$visits" "$seen"
    if ((visits < acked_incr || seen < acked_sadd)); then
      echo "n$i lost acknowledged writes: $visits < $acked_incr or $seen < $acked_sadd"; exit 1
    fi
  done
  echo "every node has every acknowledged increment and member (an unacknowledged command may" \
    "still have been applied, so more is allowed)"
fi

step "a short benchmark: YCSB workload A (50% reads, 50% updates), 3 s, 8 clients"
run bench --servers "$(address 1)" --workload A --record-count 2000 --clients 8 --duration-s 3 \
  --progress-interval-ms 1000

step "SIGKILL node n2: writes continue (sloppy quorum), fallbacks keep hints for n2"
kill -KILL "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true; unset 'pids[2]'
sleep 2.5  # The others stop hearing from n2 and route its writes to fallbacks.
for k in $(seq 1 20); do "$ringkv" put --server "$(address 1)" "after-kill:$k" "v$k" >/dev/null; done
echo "20 writes acknowledged with n2 down"
run get --server "$(address 3)" after-kill:5
run status --server "$(address 1)"

step "restart n2: hints are handed back and deleted once n2 acknowledged them"
start_node 2; wait_ready 2
for _ in $(seq 50); do
  held=$("$ringkv" status --server "$(address 1)" --json |
         python3 -c 'import json,sys; print(sum(m["hints_held"] for m in json.load(sys.stdin)["members"]))')
  [ "$held" = 0 ] && break
  sleep 0.2
done
run status --server "$(address 1)"
run get --server "$(address 2)" after-kill:3

step "a fifth node joins by itself (auto join): it takes its share of partitions from the others"
start_node 5
for _ in $(seq 100); do
  "$ringkv" status --server "$(address 1)" --json 2>/dev/null | grep -q '"n5"' && break
  sleep 0.05
done
run status --server "$(address 1)"
wait_members 5
run status --server "$(address 1)"
run get --server "$(address 5)" user:1

step "n3 leaves: it hands every key it holds to the new owners, then stops by itself"
run leave --server "$(address 3)"
while kill -0 "${pids[3]}" 2>/dev/null; do sleep 0.1; done
unset 'pids[3]'
grep -h "left the cluster" "$work/n3.log" | sed 's/^.*\] //'
wait_members 4
run status --server "$(address 1)"
run get --server "$(address 4)" after-kill:7

step "SIGTERM: clean shutdown of the cluster"
for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}"; done
for i in "${!pids[@]}"; do wait "${pids[$i]}" && echo "n$i exited with status 0"; done
pids=()
