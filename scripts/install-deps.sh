#!/usr/bin/env bash
# install-deps.sh [fuzz]: installs the Debian 12 packages ringkv builds and tests with; `fuzz` adds
# clang 14 and its libFuzzer/sanitizer runtimes (scripts/fuzz.sh, which scripts/test.sh runs).
# Idempotent: runs apt-get only when something is missing (and then `apt-get update` first).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev librocksdb-dev libssl-dev libprotobuf-dev protobuf-compiler libxxhash-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  redis-tools
  # the fault harness (scripts/fault-harness.sh): namespaces and veth, its orchestrator, RESP
  iproute2 python3 python3-redis
  # promtool, which checks the /metrics exposition (tests/clients/http_test.py); headless
  # Chromium for the dashboard test (tests/clients/dashboard_test.py)
  prometheus chromium
  # the Debian package and its test (cmake/deb.cmake, tests/install/deb_package_test.sh):
  # dpkg-shlibdeps and file for cpack's dependency list, systemd-analyze to verify the unit
  dpkg-dev file systemd
)
for group in "$@"; do
  case "$group" in
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "usage: install-deps.sh [fuzz]" >&2; exit 2 ;;
  esac
done
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js and npm for the node client tests (tests/clients/node): Debian's nodejs and npm, checked
# as commands rather than packages, because a nodejs from elsewhere (NodeSource's bundles npm and
# conflicts with Debian's npm package) serves as well.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
