#!/usr/bin/env bash
# `make lint`: the mechanical half of docs/CONVENTIONS.md.
#   1. clang-format (.clang-format) over every C++ file git tracks: lists each file whose
#      formatting differs (fix with `clang-format -i FILE`).
#   2. clang-tidy (the checks of .clang-tidy) over every source file of src/ (tests left out:
#      parsing gtest costs more than the checks find there), headers of src/ included, with
#      the build's compile_commands.json.
# Both leave out the folders of LINT_EXCLUDE, if any (for a folder being reworked elsewhere).
# clang-tidy's verdicts are remembered in BUILD/lint-cache, keyed by the file, every header of
# the tree, .clang-tidy and the compile command, so a second run checks only what changed.
#
#   scripts/lint.sh [BUILD]        # BUILD defaults to build/; exits 1 when anything is found
set -uo pipefail
build=$(realpath "${1:-build}")
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${LINT_JOBS:-$(nproc)}
excluded_dirs=${LINT_EXCLUDE:-}
exclude='^$'  # nothing
if [ -n "$excluded_dirs" ]; then exclude="^($(echo "$excluded_dirs" | tr ' ' '|'))/"; fi
# The headers whose findings count: those of src/ outside the excluded folders.
checked_dirs=$(for d in src/*/; do d=${d%/}; [[ "$d/" =~ $exclude ]] || echo "${d#src/}"; done |
  paste -sd'|')
header_filter="^$root/src/($checked_dirs)/"
status=0

mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c' | grep -Ev "$exclude" | grep -v '\.inc$' | grep -v '\.bpf\.c$')
bad_format=$(printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 16 sh -c 'for f; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done' sh)
if [ -n "$bad_format" ]; then
  echo "lint: not formatted as .clang-format says (clang-format -i FILE):"
  echo "$bad_format" | sed 's/^/  /'
  status=1
fi

if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: $build/compile_commands.json is missing: configure the build first" >&2
  exit 2
fi
cache="$build/lint-cache"
mkdir -p "$cache"
# Everything a verdict depends on besides the file itself.
common=$( (cat .clang-tidy; git ls-files 'src/*.h' 'tests/*.h' | xargs cat) | sha256sum | cut -c1-16)
mapfile -t sources < <(python3 - "$build/compile_commands.json" "$root" "$exclude" <<'PY'
import json, os, re, sys
commands, root, exclude = json.load(open(sys.argv[1])), sys.argv[2], re.compile(sys.argv[3])
seen = set()
for entry in commands:
    path = os.path.relpath(os.path.join(entry["directory"], entry["file"]), root)
    if path.startswith("..") or path.startswith("build") or exclude.search(path) or path in seen:
        continue
    if path.startswith("src/") and path.endswith(".cc") and not path.endswith("_test.cc"):
        seen.add(path)
        print(path)
PY
)
tidy_one() {
  local file=$1 key
  key=$( (echo "$common"; cat "$file"; grep -F "\"$root/$file\"" "$build/compile_commands.json") |
    sha256sum | cut -c1-32)
  [ -f "$cache/$key" ] && return 0
  local out
  if out=$(clang-tidy -p "$build" --quiet --header-filter="$header_filter" "$file" 2>&1); then
    touch "$cache/$key"
  else
    echo "$out" | grep -E 'warning:|error:' | sed 's/^/  /'
    return 1
  fi
}
export -f tidy_one
export build root common cache header_filter
if ! printf '%s\n' "${sources[@]}" | xargs -P "$jobs" -I{} bash -c 'tidy_one {}'; then
  echo "lint: clang-tidy found the problems above (.clang-tidy)"
  status=1
fi
[ "$status" = 0 ] && echo "lint: ${#files[@]} files formatted, ${#sources[@]} sources tidy"
exit $status
