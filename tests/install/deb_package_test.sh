#!/usr/bin/env bash
# deb_package_test.sh CMAKE CPACK RELEASE_BUILD_DIR VERSION: builds the .deb of the release build
# (cmake/deb.cmake), checks its control data and contents, installs it into this machine with
# dpkg -i, checks the unit with systemd-analyze where that can run, starts the node the way the
# unit does (its User, Group, WorkingDirectory, UMask, LimitNOFILE, NoNewPrivileges and ExecStart,
# read from the installed unit; only the ports are overridden by flags), checks that it serves,
# stops it with SIGTERM, reinstalls, removes and purges, checking what each leaves behind.
# Needs root (exits 77, a skip, otherwise). It refuses to run on a machine where ringkv is
# installed or its user or paths exist, and puts the machine back as it found it, even on failure.
set -euo pipefail
usage="usage: deb_package_test.sh CMAKE CPACK RELEASE_BUILD_DIR VERSION"
cmake=${1:?$usage}
cpack=${2:?$usage}
build_dir=${3:?$usage}
version=${4:?$usage}

step() { printf '== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# Runs a command quietly; on failure prints its output and fails with the message $1.
quiet() {
  local message=$1
  shift
  local output
  if ! output=$("$@" 2>&1); then
    printf '%s\n' "$output" | sed 's/^/  | /' >&2
    fail "$message"
  fi
}

# dpkg, waiting while another dpkg or apt-get holds its lock (other work on the machine may be
# installing packages), until SECONDS reaches $1.
dpkg_waiting() {
  local deadline=$1
  shift
  local output status
  while :; do
    status=0
    output=$(dpkg "$@" 2>&1) || status=$?
    if ((status != 0 && SECONDS < deadline)) && grep -q 'locked by another process' <<<"$output"
    then
      sleep 2
      continue
    fi
    printf '%s\n' "$output"
    return "$status"
  done
}
# The test's own work waits for the lock until 150 s, its cleanup until 270 s: within the CTest
# timeout (300 s), which would kill it without a cleanup.
main_deadline_s=150
cleanup_deadline_s=270

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: installs a package into this machine with dpkg -i; needs root"
  exit 77
fi
for tool in dpkg dpkg-deb dpkg-query setpriv redis-cli readelf ldd; do
  command -v "$tool" >/dev/null || fail "$tool is missing (./scripts/install-deps.sh)"
done

user=ringkv
unit=/lib/systemd/system/ringkv.service
config=/etc/ringkv/ringkv.toml
state_dir=/var/lib/ringkv
wants_link=/etc/systemd/system/multi-user.target.wants/ringkv.service
owned_paths=(/etc/ringkv "$state_dir" /usr/bin/ringkv "$unit" "$wants_link")

package_state() { dpkg-query -W -f='${db:Status-Abbrev}' ringkv 2>/dev/null || true; }
# A file, directory or link, dangling or not.
exists() { [ -e "$1" ] || [ -L "$1" ]; }
# Succeeds when dpkg knows nothing of the package (never installed, or purged).
package_gone() { case "$(package_state)" in "" | "un " | "pn ") return 0 ;; esac; return 1; }

# The machine must not hold anything the test would remove at the end.
package_gone || fail "the package ringkv is known to dpkg here ($(package_state)); the test" \
                     "installs and purges it, so it does not run (dpkg -P ringkv first)"
for path in "${owned_paths[@]}"; do
  ! exists "$path" || fail "$path exists; the test would remove it, so it does not run"
done
if getent passwd "$user" >/dev/null || getent group "$user" >/dev/null; then
  fail "a user or group $user exists; the test would remove it, so it does not run"
fi
wants_dir_existed=0
[ -d "${wants_link%/*}" ] && wants_dir_existed=1

work=$(mktemp -d /tmp/ringkv-deb-XXXXXX)
node_pid=""
stop_node_now() {
  if [ -n "$node_pid" ]; then
    kill -KILL "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
  fi
}
# Back to the state found at the start: everything checked absent above is removed again.
cleanup() {
  local status=$?
  set +e
  stop_node_now
  if ! package_gone; then
    dpkg_waiting "$cleanup_deadline_s" --purge ringkv >"$work/cleanup-purge.log" 2>&1 ||
      cat "$work/cleanup-purge.log" >&2
  fi
  rm -rf /etc/ringkv "$state_dir"
  rm -f "$wants_link"
  ((wants_dir_existed)) || rmdir "${wants_link%/*}" 2>/dev/null
  getent passwd "$user" >/dev/null && userdel "$user"
  getent group "$user" >/dev/null && groupdel "$user"
  local left=()
  for path in "${owned_paths[@]}"; do
    if exists "$path"; then left+=("$path"); fi
  done
  getent passwd "$user" >/dev/null && left+=("user $user")
  package_gone || left+=("package ringkv")
  if ((${#left[@]})); then
    echo "FAIL: the cleanup left behind: ${left[*]}" >&2
    status=1
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# A signal (ctest's timeout, Ctrl-C) exits through the cleanup too.
trap 'exit 143' TERM
trap 'exit 130' INT

# Fields of the package's control file.
deb_field() { dpkg-deb -f "$deb" "$1"; }
# The value of KEY in the [Service] section of the installed unit, or nothing.
unit_value() {
  awk -v key="$1" '
    /^\[/ { in_service = ($0 == "[Service]"); next }
    in_service && index($0, key "=") == 1 { value = substr($0, length(key) + 2) }
    END { print value }' "$unit"
}

step "cpack in $build_dir"
[ -f "$build_dir/CPackConfig.cmake" ] ||
  fail "$build_dir is not a configured build (./scripts/build.sh release)"
grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt" ||
  fail "$build_dir is not a release build"
grep -qx 'RINGKV_SANITIZE:BOOL=OFF' "$build_dir/CMakeCache.txt" ||
  fail "$build_dir is a sanitized build; the package ships the release binary"
quiet "building ringkv in $build_dir" "$cmake" --build "$build_dir" --target ringkv ringkv_deb_files
quiet "cpack" "$cpack" --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/cpack"
arch=$(dpkg --print-architecture)
deb=$work/cpack/ringkv_${version}-1_${arch}.deb
[ -f "$deb" ] || fail "cpack wrote no $deb: $(ls "$work/cpack")"
echo "  $(basename "$deb"), $(stat -c %s "$deb") bytes"

step "dpkg-deb -I: control data"
dpkg-deb -I "$deb" | sed 's/^/  /'
[ "$(deb_field Package)" = ringkv ] || fail "Package is '$(deb_field Package)'"
[ "$(deb_field Version)" = "$version-1" ] ||
  fail "Version is '$(deb_field Version)', the project's is $version"
[ "$(deb_field Architecture)" = "$arch" ] || fail "Architecture is '$(deb_field Architecture)'"
# Depends names exactly the Debian packages holding the libraries the binary links directly.
dpkg-deb -x "$deb" "$work/root"
binary=$work/root/usr/bin/ringkv
expected_depends=()
while read -r soname; do
  path=$(ldd "$binary" | awk -v soname="$soname" '$1 == soname && $2 == "=>" { print $3 }')
  [ -n "$path" ] || fail "ldd does not resolve $soname"
  owner=""
  for candidate in "$path" "${path#/usr}" "/usr$path" "$(realpath "$path")"; do
    owner=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$owner" ] && break
  done
  [ -n "$owner" ] || fail "no Debian package holds $path ($soname)"
  expected_depends+=("$owner")
done < <(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
# A library's shlibs file may name a virtual package its package provides (libspdlog1.10 provides
# libspdlog1.10-fmt9): each owner stands for itself and for what it provides.
mapfile -t owners < <(printf '%s\n' "${expected_depends[@]}" | sort -u)
mapfile -t depends < <(deb_field Depends | tr ',' '\n' | sed 's/^ *//; s/[ :].*//' | sort -u)
declare -A owner_of=()
for owner in "${owners[@]}"; do
  owner_of[$owner]=$owner
  for provided in $(dpkg-query -W -f='${Provides}' "$owner" | tr ',' ' ' | sed 's/([^)]*)//g'); do
    owner_of[$provided]=$owner
  done
done
declare -A matched=()
for name in "${depends[@]}"; do
  [ -n "${owner_of[$name]:-}" ] ||
    fail "Depends names $name, which holds none of the libraries the binary links"
  matched[${owner_of[$name]}]=1
done
for owner in "${owners[@]}"; do
  [ -n "${matched[$owner]:-}" ] ||
    fail "Depends does not name $owner, whose library the binary links"
done
echo "  Depends covers exactly the packages of the linked libraries: ${owners[*]}"
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = "$config" ] ||
  fail "conffiles is '$(cat "$work/control/conffiles")', not $config"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "the package has no executable $script"
done

step "dpkg-deb -c: contents"
dpkg-deb -c "$deb" | sed 's/^/  /'
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort | tr '\n' ';')
expected_files="-rw-r--r-- root/root ./etc/ringkv/ringkv.toml;"
expected_files+="-rw-r--r-- root/root ./lib/systemd/system/ringkv.service;"
expected_files+="-rwxr-xr-x root/root ./usr/bin/ringkv;"
[ "$files" = "$expected_files" ] ||
  fail "the package should hold the binary, the config and the unit only, it holds: $files"
# The packaged settings: loopback listeners, data under /var/lib/ringkv, everything else commented.
packaged=$work/root$config
active=$(grep -Ev '^[[:space:]]*(#|$)' "$packaged")
printf '%s\n' "$active" | sed 's/^/  active in ringkv.toml: /'
printf '%s\n' "$active" | grep -qx 'data_dir = "/var/lib/ringkv/[^"]*"' ||
  fail "the packaged data_dir is not under /var/lib/ringkv"
for setting in listen resp_listen; do
  printf '%s\n' "$active" | grep -qx "$setting = \"127\\.0\\.0\\.1:[0-9]*\"" ||
    fail "the packaged $setting is not a loopback address"
done
[ "$(grep -c '^# [a-z_]* = ' "$packaged")" -gt 20 ] ||
  fail "the packaged ringkv.toml does not list the other settings commented out"

step "dpkg -i"
quiet "dpkg -i" dpkg_waiting "$main_deadline_s" -i "$deb"
[ "$(package_state)" = "ii " ] || fail "after dpkg -i the package is '$(package_state)'"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$user") ||
  fail "postinst created no user $user"
((uid < 1000)) || fail "$user has uid $uid, not a system uid"
[ "$(getent group "$user" | cut -d: -f3)" = "$gid" ] || fail "$user's primary group is not $user"
[ "$home" = "$state_dir" ] || fail "$user's home is $home"
[ "$shell" = /usr/sbin/nologin ] || fail "$user's shell is $shell"
[ "$(stat -c '%U:%G %a' "$state_dir")" = "$user:$user 750" ] ||
  fail "$state_dir is $(stat -c '%U:%G %a' "$state_dir"), not $user:$user 750"
cmp -s "$config" "$packaged" || fail "the installed $config differs from the packaged one"
/usr/bin/ringkv settings >/dev/null || fail "the installed binary does not run"
echo "  user $user (uid $uid), $state_dir $(stat -c '%U:%G %a' "$state_dir")"

step "systemd-analyze verify and security"
if ! command -v systemd-analyze >/dev/null; then
  echo "  SKIPPED: systemd-analyze is not installed (Debian package systemd)"
else
  # A unit with nothing to report tells whether systemd-analyze can run in this container.
  printf '[Service]\nExecStart=/bin/true\n' >"$work/probe.service"
  if probe=$(systemd-analyze verify "$work/probe.service" 2>&1) && [ -z "$probe" ]; then
    report=$(systemd-analyze verify "$unit" 2>&1) || true
    if [ -n "$report" ]; then
      printf '%s\n' "$report" | sed 's/^/  | /' >&2
      fail "systemd-analyze verify $unit reports the above"
    fi
    echo "  systemd-analyze verify: nothing to report"
    # The hardening's overall exposure (0 to 10, lower is safer); 2.8 when this was written.
    security=$(systemd-analyze security --offline=true --threshold=35 "$unit" 2>&1) ||
      { printf '%s\n' "$security" | sed 's/^/  | /' >&2; fail "the unit's exposure is over 3.5"; }
    printf '%s\n' "$security" | tail -1 | sed 's/^/  /'
  else
    printf '%s\n' "$probe" | sed 's/^/  | /'
    echo "  SKIPPED: systemd-analyze cannot verify even a trivial unit in this container"
  fi
fi

step "the unit's settings"
grep -c '^ExecStart=' "$unit" | grep -qx 1 || fail "the unit should have one ExecStart"
exec_start=$(unit_value ExecStart)
# What systemd would do with prefixes, specifiers, variables and quoting is not reproduced here.
case "$exec_start" in
  [-@:+!]* | *[%\$\"\'\\]*) fail "ExecStart=$exec_start is more than a plain command line" ;;
esac
read -ra exec_argv <<<"$exec_start"
[ "${exec_argv[0]}" = /usr/bin/ringkv ] ||
  fail "ExecStart runs ${exec_argv[0]}, not the packaged binary"
declare -A want=([User]=$user [Group]=$user [NoNewPrivileges]=yes [ProtectSystem]=strict
                 [ReadWritePaths]=$state_dir [PrivateTmp]=yes [Restart]=on-failure
                 [WorkingDirectory]=$state_dir)
for key in "${!want[@]}"; do
  [ "$(unit_value "$key")" = "${want[$key]}" ] ||
    fail "the unit has $key='$(unit_value "$key")', not '${want[$key]}'"
done
unit_type=$(unit_value Type)
# ringkv does not call sd_notify, so notify would never see the node ready.
case "$unit_type" in simple | exec) ;; *) fail "the unit has Type=$unit_type" ;; esac
limit_nofile=$(unit_value LimitNOFILE)
[[ "$limit_nofile" =~ ^[0-9]+$ ]] || fail "LimitNOFILE='$limit_nofile' is not one number"
umask_value=$(unit_value UMask)
[[ "$umask_value" =~ ^0[0-7]{3}$ ]] || fail "UMask='$umask_value'"
echo "  ExecStart=$exec_start (User=$user, Type=$unit_type, LimitNOFILE=$limit_nofile)"
# systemd sets LimitNOFILE as PID 1, with CAP_SYS_RESOURCE. A container without that capability
# cannot raise its hard limit: the node then gets the hard limit, and the check says so.
nofile=$limit_nofile
if ! (ulimit -n "$limit_nofile") 2>/dev/null; then
  nofile=$(ulimit -Hn)
  echo "  NOT CHECKED: LimitNOFILE=$limit_nofile cannot be set here (hard limit $nofile, no" \
       "CAP_SYS_RESOURCE); the node runs with $nofile"
fi

# Two free loopback ports: the packaged 7001 and 6379 may be taken by other tests or a Redis.
ports=$(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
read -r port resp_port <<<"$ports"
# Starts the node as systemd would start the unit: the same user, groups, directory, umask, file
# limit, no_new_privs, a fresh environment and ExecStart's command line, plus the two port flags.
start_node() {
  (
    cd "$(unit_value WorkingDirectory)"
    umask "$umask_value"
    ulimit -n "$nofile"
    exec setpriv --reuid="$(unit_value User)" --regid="$(unit_value Group)" --init-groups \
      --no-new-privs --reset-env -- "${exec_argv[@]}" \
      --listen "127.0.0.1:$port" --resp-listen "127.0.0.1:$resp_port"
  ) >>"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 200); do
    kill -0 "$node_pid" 2>/dev/null ||
      { sed 's/^/  | /' "$work/node.log" >&2; fail "the node exited at start"; }
    [ "$(redis-cli -h 127.0.0.1 -p "$resp_port" PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  sed 's/^/  | /' "$work/node.log" >&2
  fail "the node did not answer PING on 127.0.0.1:$resp_port within 20 s"
}
# Stops the node as systemd does (SIGTERM, then TimeoutStopSec); it must exit with status 0.
stop_node() {
  kill -TERM "$node_pid"
  local status=0
  wait "$node_pid" || status=$?
  node_pid=""
  ((status == 0)) || { sed 's/^/  | /' "$work/node.log" >&2; fail "SIGTERM: exit status $status"; }
}
resp() { redis-cli -h 127.0.0.1 -p "$resp_port" "$@"; }

step "the node as the unit starts it (ports $port, RESP $resp_port)"
start_node
read -r process_user process_group < <(ps -o user=,group= -p "$node_pid")
[ "$process_user $process_group" = "$user $user" ] ||
  fail "the node runs as $process_user:$process_group"
grep -qx 'NoNewPrivs:[[:space:]]*1' "/proc/$node_pid/status" || fail "no_new_privs is not set"
grep -Eq "^Max open files +$nofile +$nofile " "/proc/$node_pid/limits" ||
  fail "the node's file limit: $(grep 'Max open files' "/proc/$node_pid/limits")"
[ "$(resp SET greeting hello)" = OK ] || fail "SET over RESP"
[ "$(resp GET greeting)" = hello ] || fail "GET over RESP"
status_out=$(/usr/bin/ringkv status --server "127.0.0.1:$port") || fail "ringkv status"
printf '%s\n' "$status_out" | sed 's/^/  /'
printf '%s\n' "$status_out" | grep -Eq '^n1 +127\.0\.0\.1:[0-9]+ +up ' || fail "n1 is not up"
[ "$(stat -c %U "$state_dir/data")" = "$user" ] || fail "$state_dir/data is not the node's"
[ -f "$state_dir/data/CURRENT" ] || fail "no RocksDB database in $state_dir/data"
stop_node
# As the ringkv user the node can write only its data directory and world-writable places such as
# /tmp, which the unit makes read-only (ProtectSystem=strict) or private (PrivateTmp): it must have
# written none of them.
stray=$(find /tmp /var/tmp /dev/shm /run -xdev -user "$user" 2>/dev/null | head -5 || true)
[ -z "$stray" ] || fail "the node wrote outside $state_dir: $stray"
echo "  served PING, SET, GET and status as $user; SIGTERM: exit status 0"

step "restarted: the data is still there"
start_node
[ "$(resp GET greeting)" = hello ] || fail "the key written before the restart is gone"
stop_node

step "dpkg -i again (an upgrade to the same version): the scripts are idempotent"
quiet "dpkg -i a second time" dpkg_waiting "$main_deadline_s" -i "$deb"
[ "$(id -u "$user")" = "$uid" ] || fail "the second install changed $user's uid"
[ "$(stat -c '%U:%G %a' "$state_dir")" = "$user:$user 750" ] || fail "$state_dir changed"
[ -f "$state_dir/data/CURRENT" ] || fail "the second install lost the data"

step "dpkg -r: the settings and the data stay"
echo '# changed by the administrator (deb_package_test.sh)' >>"$config"
quiet "dpkg -r" dpkg_waiting "$main_deadline_s" -r ringkv
[ "$(package_state)" = "rc " ] || fail "after dpkg -r the package is '$(package_state)', not rc"
for path in /usr/bin/ringkv "$unit"; do [ ! -e "$path" ] || fail "dpkg -r left $path"; done
grep -q 'changed by the administrator' "$config" || fail "dpkg -r did not keep $config"
[ -f "$state_dir/data/CURRENT" ] || fail "dpkg -r removed the data"
getent passwd "$user" >/dev/null || fail "dpkg -r removed the user"

step "dpkg -i after dpkg -r: the administrator's settings are kept"
quiet "dpkg -i after dpkg -r" dpkg_waiting "$main_deadline_s" -i "$deb"
grep -q 'changed by the administrator' "$config" || fail "reinstalling replaced the changed $config"
if command -v systemctl >/dev/null; then
  quiet "systemctl enable" systemctl enable ringkv.service
  [ -L "$wants_link" ] || fail "systemctl enable made no $wants_link"
else
  mkdir -p "${wants_link%/*}"
  ln -s "$unit" "$wants_link"  # What `systemctl enable` makes.
fi

step "dpkg -P: the settings, the data and the enablement go; the user stays"
quiet "dpkg -P" dpkg_waiting "$main_deadline_s" -P ringkv
package_gone || fail "after dpkg -P the package is '$(package_state)'"
for path in "${owned_paths[@]}"; do
  ! exists "$path" || fail "dpkg -P left $path"
done
getent passwd "$user" >/dev/null || fail "dpkg -P removed the user (Debian keeps system users)"
echo "  ok: the cleanup removes the user $user, as it was not here before the test"
