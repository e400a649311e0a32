#!/usr/bin/env bash
# check_client_closure.sh SRC_DIR GENERATED_SRC_DIR CLOSURE_FILE: fails when a source of the client
# library's link closure reaches, through #include "...", a project header that belongs to no
# library of the closure (say core/peer_message.h or storage/engine.h). CLOSURE_FILE is written by
# cmake/link_rules.cmake: lines "source PATH" (compiled files), "header PATH" (declared
# header-only files) and "public DIR" (a public include directory). A header beside a closure
# source (x.h for x.cc), a declared header, a public header and a generated header belong to it.
set -euo pipefail
src_dir=$(realpath "${1:?usage: check_client_closure.sh SRC_DIR GENERATED_SRC_DIR CLOSURE_FILE}")
gen_dir=$(realpath -m "$2")
closure_file=$3

declare -A allowed=()
include_dirs=("$src_dir" "$gen_dir")
todo=()
while read -r kind path; do
  case "$kind" in
    source)
      case "$path" in "$gen_dir"/*) continue ;; esac  # Generated code includes only itself.
      todo+=("$path")
      allowed[$path]=1
      [ -f "${path%.cc}.h" ] && allowed[${path%.cc}.h]=1
      ;;
    header) allowed[$path]=1 ;;
    public)
      include_dirs+=("$path")
      while IFS= read -r header; do allowed[$header]=1; done < <(find "$path" -name '*.h')
      ;;
  esac
done <"$closure_file"

status=0
declare -A seen=()
while ((${#todo[@]})); do
  file=${todo[0]}
  todo=("${todo[@]:1}")
  [ -n "${seen[$file]:-}" ] && continue
  seen[$file]=1
  while IFS= read -r name; do
    resolved=""
    for dir in "$(dirname "$file")" "${include_dirs[@]}"; do
      if [ -f "$dir/$name" ]; then resolved=$(realpath "$dir/$name"); break; fi
    done
    case "$resolved" in
      "") # protoc's output (x.pb.h for src/x.proto) may not exist yet when this runs.
          [[ "$name" == *.pb.h && -f "$src_dir/${name%.pb.h}.proto" ]] && continue
          echo "error: ${file#"$src_dir"/} includes \"$name\", which is no project header" >&2
          status=1 ;;
      "$gen_dir"/*) ;;
      *)
        if [ -z "${allowed[$resolved]:-}" ]; then
          echo "error: ${file#"$src_dir"/} includes ${resolved#"$src_dir"/}, which belongs to no" \
               "library of the client's link closure (server code: keep it out of the client)" >&2
          status=1
        else
          todo+=("$resolved")
        fi ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done
exit $status
