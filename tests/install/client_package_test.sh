#!/usr/bin/env bash
# client_package_test.sh CMAKE BUILD_DIR SOURCE_DIR RINGKV_BINARY CXX: installs the client
# package of BUILD_DIR into a temporary prefix (`cmake --install --component client`), checks
# what it holds, builds examples/client against it twice (find_package(ringkv) with CMake, and
# pkg-config with the compiler alone), and runs both builds against a real node.
set -euo pipefail
cmake=${1:?usage: client_package_test.sh CMAKE BUILD_DIR SOURCE_DIR RINGKV_BINARY CXX}
build_dir=$2
source_dir=$3
ringkv=$4
cxx=$5
work=$(mktemp -d /tmp/ringkv-package-XXXXXX)
prefix=$work/prefix
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    kill -KILL "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "cmake --install $build_dir --prefix $prefix --component client"
"$cmake" --install "$build_dir" --prefix "$prefix" --component client >/dev/null
(cd "$prefix" && find . -type f | sort | sed 's|^\./|  |')
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./ringkv/client.h ./ringkv/status.h " ] ||
  fail "the package should hold the public headers only, it holds: $headers"
for file in lib/cmake/ringkv/ringkvConfig.cmake lib/pkgconfig/ringkv.pc lib/libringkv_client.a; do
  [ -f "$prefix/$file" ] || fail "$file is missing"
done
# The archives carry client code only: no Node, membership, peer messages or storage engines.
server_symbols=' [TW] ringkv::(core::((Node|Gossiper|Ring|HashTree)::|encode_gossip)|storage::|'
server_symbols+='api::(parse_incoming|peer_from_wire))'
if nm -C "$prefix"/lib/*.a 2>/dev/null | grep -E "$server_symbols" | head -5 | grep .; then
  fail "server code in the client package (above)"
fi

step "examples/client with find_package(ringkv)"
"$cmake" -S "$source_dir/examples/client" -B "$work/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "configuring the example against the package"; }
"$cmake" --build "$work/build" >"$work/build.log" ||
  { cat "$work/build.log"; fail "building the example"; }

step "examples/client with pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
echo "  pkg-config --cflags --libs ringkv: $(pkg-config --cflags --libs ringkv)"
# shellcheck disable=SC2046  # pkg-config's output is a list of flags.
"$cxx" -std=c++17 -O1 "$source_dir/examples/client/main.cc" -o "$work/example_pkg_config" \
  $(pkg-config --cflags --libs ringkv)

step "both against a node (ringkv serve, memory engine)"
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  # A port something answers on is taken; try another.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  "$ringkv" serve --node-id n1 --listen "127.0.0.1:$port" --data-dir "$work/n1-$attempt" \
    --engine memory --log-level warn >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 100); do
    if ! kill -0 "$node_pid" 2>/dev/null; then break; fi
    if "$ringkv" ring --server "127.0.0.1:$port" >/dev/null 2>&1; then break 2; fi
    sleep 0.1
  done
  kill -KILL "$node_pid" 2>/dev/null || true
  wait "$node_pid" 2>/dev/null || true
  node_pid=""
  echo "  the node did not start on port $port (attempt $attempt):"
  sed 's/^/    /' "$work/node.log"
done
[ -n "$node_pid" ] || fail "no node could be started"
"$work/build/ringkv_client_example" "127.0.0.1:$port" | sed 's/^/  cmake build: /'
"$work/example_pkg_config" "127.0.0.1:$port" | sed 's/^/  pkg-config build: /'
