#!/usr/bin/env bash
# check_doc_refs.sh [SOURCE_DIR]: fails when the repository's comments and docs point outside it
# or at things that are not there (docs/ARCHITECTURE.md, "Layers"). Three checks:
#   1. no tracked file names the design or style notes that live outside the repository (the
#      pattern below; a comment must say what matters itself or point into docs/);
#   2. every markdown link in README.md and docs/*.md to a repository path names an existing file
#      or folder, and a #fragment on a link to a markdown file names one of its headings;
#   3. every reference of the form docs/<NAME>.md, "<heading>" (how comments cite a section; it may
#      wrap onto the next comment line) names a doc that exists and a heading it has.
# Run by CTest (doc_refs). Without git (a source tarball) the files under SOURCE_DIR are checked.
set -euo pipefail
root=$(realpath "${1:-$(dirname "$0")/..}")
cd "$root"
status=0

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./.git -prune -o -path './build*' -prune -o -type f -print |
                         sed 's|^\./||')
fi

# 1. The notes outside the repository. Written as a regex so this file does not match itself;
# a name that merely ends the same way (another project's TIGER_STYLE) is not them.
outside='(^|[^A-Za-z0-9_])(DESIGN|STYLE)\.md'
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
if hits=$(grep -nIE "$outside" -- "${existing[@]}"); then
  echo "$hits"
  echo "error: the files above cite notes that are not in the repository; say what matters" \
       "in the comment or point into docs/" >&2
  status=1
fi

# The headings of every markdown file, by text and by GitHub's anchor (lower case, punctuation
# dropped, spaces as hyphens), read once: "doc<TAB>text" and "doc#anchor" keys.
declare -A headings=()
for f in "${files[@]}"; do
  [[ "$f" == *.md && -f "$f" ]] || continue
  while IFS=$'\t' read -r text anchor; do
    headings["$f"$'\t'"$text"]=1
    headings["$f#$anchor"]=1
  done < <(awk '/^```/ { fence = !fence; next }
                !fence && /^#+[[:space:]]/ {
                  text = $0; sub(/^#+[[:space:]]+/, "", text); sub(/[[:space:]]+$/, "", text)
                  anchor = tolower(text); gsub(/[^a-z0-9 _-]/, "", anchor); gsub(/ /, "-", anchor)
                  print text "\t" anchor
                }' "$f")
done
# Succeeds when markdown file $1 has a heading whose text is $2 (exact) or whose anchor is $3.
has_heading() {
  if [ -n "$2" ] && [ -n "${headings["$1"$'\t'"$2"]:-}" ]; then return 0; fi
  if [ -n "$3" ] && [ -n "${headings["$1#$3"]:-}" ]; then return 0; fi
  return 1
}

# 2. Markdown links.
docs=(README.md)
for f in docs/*.md; do [ -f "$f" ] && docs+=("$f"); done
for doc in "${docs[@]}"; do
  dir=$(dirname "$doc")
  while IFS= read -r target; do
    target=${target#*](}
    target=${target%)}
    target=${target%% *}  # [text](path "title")
    case "$target" in
      http://* | https://* | mailto:* | '') continue ;;
    esac
    path=${target%%#*}
    fragment=""
    [[ "$target" == *#* ]] && fragment=${target#*#}
    if [ -z "$path" ]; then
      resolved=$doc  # A link within the same file.
    else
      resolved=$(realpath -m "$dir/$path")
      case "$resolved" in
        "$root" | "$root"/*) resolved=${resolved#"$root"/} ;;
        *)
          echo "error: $doc links to $target, outside the repository" >&2
          status=1
          continue
          ;;
      esac
      if [ ! -e "$resolved" ]; then
        echo "error: $doc links to $target, which does not exist" >&2
        status=1
        continue
      fi
    fi
    if [ -n "$fragment" ] && [[ "$resolved" == *.md ]] &&
       ! has_heading "$resolved" "" "$fragment"; then
      echo "error: $doc links to $target: $resolved has no heading #$fragment" >&2
      status=1
    fi
  done < <(grep -oE '\]\([^)]*\)' "$doc" || true)
done

# 3. Section references: docs/<NAME>.md, "<heading>", also when wrapped onto the next line of
# a comment (the comment markers are dropped before matching).
while IFS=$'\t' read -r f doc heading; do
  if [ ! -f "$doc" ]; then
    echo "error: $f cites $doc, which does not exist" >&2
    status=1
  elif ! has_heading "$doc" "$heading" ""; then
    echo "error: $f cites section \"$heading\" of $doc, which has no such heading" >&2
    status=1
  fi
done < <(perl -e '
  for my $f (@ARGV) {
    next if -B $f;
    open(my $in, "<", $f) or next;
    local $/;
    my $text = <$in>;
    $text =~ s/\n[ \t]*(?:\/\/+|#+)?[ \t]*/ /g;
    my %seen;
    while ($text =~ m/(docs\/[A-Za-z_]+\.md), "([^"]{1,80})"/g) {
      print "$f\t$1\t$2\n" unless $seen{"$1\t$2"}++;
    }
  }' -- "${existing[@]}")

if [ "$status" -eq 0 ]; then echo "doc references: ok"; fi
exit $status
