#!/usr/bin/env bash
# make_config.sh RINGKV_BINARY OUTPUT: writes the ringkv.toml the .deb installs as
# /etc/ringkv/ringkv.toml. It is `ringkv settings` (every setting with its meaning, type and
# default) with every setting commented out except the few the package sets, so the file always
# matches the binary it ships with. Fails when one of those settings is not in the binary's list.
set -euo pipefail
binary=${1:?usage: make_config.sh RINGKV_BINARY OUTPUT}
output=${2:?usage: make_config.sh RINGKV_BINARY OUTPUT}
# The package's values: one node on loopback (nothing is reachable from other machines until the
# administrator chooses addresses), its data under the unit's writable directory.
package_settings='
node_id = "n1"
listen = "127.0.0.1:7001"
data_dir = "/var/lib/ringkv/data"
resp_listen = "127.0.0.1:6379"
'
trap 'rm -f "$output.tmp"' EXIT
settings=$("$binary" settings)
{
  cat <<'HEADER'
# /etc/ringkv/ringkv.toml: the settings of the node ringkv.service runs
# (`ringkv serve --config /etc/ringkv/ringkv.toml`, as the ringkv user).
#
# The package sets the four settings that are not commented out: one node listening on loopback
# only, with its data under /var/lib/ringkv. Every other setting is listed at its default; remove
# the '#' to change it. A flag of `ringkv serve` wins over this file, an unknown or invalid
# setting stops the node at start with a message naming it (see `journalctl -u ringkv`), and
# `ringkv settings` prints the defaults of the installed version.
#
# A node of a cluster needs its own node_id, an address the other machines reach (listen, or
# advertise) and the cluster's seeds (or peers); the membership it joins is kept in data_dir.
# Start it with `systemctl enable --now ringkv` once they are set.
HEADER
  printf '%s\n' "$settings" | awk -v package_settings="$package_settings" '
    BEGIN {
      count = split(package_settings, lines, "\n")
      for (i = 1; i <= count; i++) {
        if (lines[i] == "") continue
        split(lines[i], parts, " = ")
        value[parts[1]] = lines[i]
      }
    }
    NR == 1 && /^# Every setting/ { next }
    /^[a-z_]+ = / {
      if ($1 in value) { print value[$1]; found[$1] = 1 } else { print "# " $0 }
      next
    }
    { print }
    END {
      for (key in value) {
        if (!(key in found)) {
          print "make_config.sh: `ringkv settings` has no setting " key > "/dev/stderr"
          exit 1
        }
      }
    }'
} >"$output.tmp"
mv "$output.tmp" "$output"
