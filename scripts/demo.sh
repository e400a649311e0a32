#!/usr/bin/env bash
# The main job: builds ringkv, starts a node (RocksDB engine, sync=batch), writes and reads keys
# through the CLI (including concurrent siblings and a context that reconciles them), kills the
# node with SIGKILL, restarts it, reads everything back, and stops it with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release

ringkv=./build-release/src/cli/ringkv
port=${RINGKV_DEMO_PORT:-7301}
server=127.0.0.1:$port
work=$(mktemp -d /tmp/ringkv-demo-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_node() {
  "$ringkv" serve --node-id n1 --listen "$server" --data-dir "$work/data" --engine rocksdb \
    --sync batch >>"$work/node.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if "$ringkv" get --server "$server" --timeout-ms 200 __ping >/dev/null 2>&1 ||
       [ $? -eq 3 ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "node did not start:"; cat "$work/node.log"; exit 1
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ ringkv %s\n' "$*"; "$ringkv" "$@" || true; }
context_of() { "$ringkv" get --server "$server" "$1" | sed -n 's/^context: //p'; }

step "start node n1 on $server (data in $work/data)"
start_node
tail -n 1 "$work/node.log"

step "write and read a few keys"
run put --server "$server" user:1 '{"name":"ada"}'
run put --server "$server" user:2 '{"name":"grace"}'
run put --server "$server" --bucket carts cart:7 'apples=3'
run get --server "$server" user:1
run get --server "$server" --bucket carts cart:7

step "two blind writes to one key are concurrent: both are kept as siblings"
run put --server "$server" color red
run put --server "$server" color blue
run get --server "$server" color

step "a write with the read's context supersedes exactly what that read saw"
run put --server "$server" --context "$(context_of color)" color purple
run get --server "$server" color

step "delete with a context"
run del --server "$server" --context "$(context_of user:2)" user:2
run get --server "$server" user:2

step "bad input gets a clear error"
head -c 1048577 /dev/zero >"$work/big.bin"
run put --server "$server" --value-file "$work/big.bin" big  # 1 MiB + 1 byte
run put --server "$server" "$(head -c 65537 /dev/zero | tr '\0' k)" v 2>&1 | cut -c1-200

step "SIGKILL the node, restart it, read everything back"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
start_node
run get --server "$server" user:1
run get --server "$server" color
run get --server "$server" --bucket carts cart:7

step "SIGTERM: clean shutdown"
kill -TERM "$pid"; wait "$pid"; echo "node exited with status $?"; pid=
tail -n 2 "$work/node.log"
