#!/usr/bin/env bash
# npm_deps.sh DIR: installs the Node.js client libraries the node client tests use (pinned by
# package-lock.json beside this script) into DIR/node_modules. Test-only: nothing outside DIR
# and npm's own cache (~/.npm) is written.
#
# Idempotent and cheap when nothing changed: DIR/node_modules/.ringkv-installed holds a hash of
# package.json and package-lock.json, and `npm ci` runs only when node_modules is missing or that
# hash differs (the lock changed). --prefer-offline takes packages from npm's cache without asking
# the registry, so a rebuild, or a new build directory, installs offline once they were fetched.
# Concurrent runs on one DIR (the fixture and a test started by hand) take turns: flock DIR/.lock.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: npm_deps.sh DIR}
node_major_min=18
lock_wait_seconds_max=600

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "npm_deps.sh: '$tool' not found; ./scripts/install-deps.sh installs Debian's" \
      "nodejs and npm" >&2
    exit 1
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < node_major_min)); then
  echo "npm_deps.sh: node $(node --version) is too old, $node_major_min or newer is needed" >&2
  exit 1
fi
if ((node_major < 20)); then
  echo "note: redis 6 and ioredis 6 declare node >= 20; node $(node --version) runs them (the" \
    "tests pass on Debian 12's node 18.20.4, docs/REDIS.md)"
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
exec 9>"$dir/.lock"
flock -w "$lock_wait_seconds_max" 9
wanted=$(cat "$source_dir/package.json" "$source_dir/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp="$dir/node_modules/.ringkv-installed"
if [[ -f $stamp && $(<"$stamp") == "$wanted" ]]; then
  echo "node client libraries up to date in $dir/node_modules (node $(node --version))"
  exit 0
fi
cp "$source_dir/package.json" "$source_dir/package-lock.json" "$dir/"
cd "$dir"
# npm ci deletes node_modules first, so a failed install leaves no stamp and is retried next time.
# --ignore-scripts: neither library has install scripts, and a test dependency gets no hook to
# run code at install. --engine-strict=false: the libraries declare node >= 20 but are checked
# here on Debian 12's node 18 too (docs/REDIS.md); npm only warns.
npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --engine-strict=false \
  --loglevel=error
echo "$wanted" >"$stamp"
echo "installed $(node -p 'Object.keys(require("./package.json").dependencies).map(
  (name) => name + "@" + require(`./node_modules/${name}/package.json`).version).join(", ")') \
in $dir/node_modules (node $(node --version), npm $(npm --version))"
