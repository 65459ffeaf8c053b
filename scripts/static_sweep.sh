#!/usr/bin/env bash
# Robustness sweep of `sysfence static`: every ELF executable in /usr/bin and /usr/sbin, and
# every shared object under /usr/lib/x86_64-linux-gnu (analysed as a library: all exported
# functions are roots). Each file gets a time limit; the result of each run is classified as
# ok, error (exit 2, by the kind of message), crash (killed by a signal) or timeout.
#
#   scripts/static_sweep.sh [BUILD_DIR] [OUT_DIR]      (make static-sweep)
#
# Writes OUT_DIR/results.tsv (kind, file, exit status, seconds, syscalls, unresolved sites,
# first error line) and prints the counts. Exit status 1 when anything crashed or timed out.
set -euo pipefail
build=${1:-build}
out=${2:-$build/static-sweep}
sysfence=$(realpath "$build/src/cli/sysfence")
limit=${SWEEP_TIMEOUT:-120}
jobs=${SWEEP_JOBS:-2}
max_files=${SWEEP_LIMIT:-0}   # 0 = all (a smaller number samples the list, for trying it out)
mkdir -p "$out"
list="$out/files.txt"
: > "$list"

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = "177ELF" ]; }

for dir in /usr/bin /usr/sbin; do
  for f in "$dir"/*; do
    [ -f "$f" ] && [ ! -L "$f" ] && is_elf "$f" && printf 'program\t%s\n' "$f" >> "$list"
  done
done
while IFS= read -r f; do
  is_elf "$f" && printf 'library\t%s\n' "$f" >> "$list"
done < <(find /usr/lib/x86_64-linux-gnu -type f -name '*.so*' | sort)

run_one() {
  local kind=$1 file=$2 sysfence=$3 limit=$4
  local mode=()
  [ "$kind" = library ] && mode=(--as-library)
  local start end status err
  start=$(date +%s.%N)
  set +e
  err=$(timeout -s KILL "$limit" "$sysfence" static --stats "${mode[@]}" -o /dev/null "$file" 2>&1 >/dev/null)
  status=$?
  set -e
  end=$(date +%s.%N)
  local first stats syscalls unresolved
  first=$(printf '%s\n' "$err" | grep -v -e ': warning: ' -e '^sysfence: [0-9]* syscalls;' -e '^sysfence:   ' | head -1 | tr '\t' ' ')
  stats=$(printf '%s\n' "$err" | grep '^sysfence: [0-9]* syscalls;' | head -1)
  syscalls=$(printf '%s\n' "$stats" | sed -n 's/^sysfence: \([0-9]*\) syscalls;.*/\1/p')
  unresolved=$(printf '%s\n' "$stats" | sed -n 's/.* \([0-9]*\) unresolved;.*/\1/p')
  printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$kind" "$file" "$status" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b - a}')" "${syscalls:--}" \
    "${unresolved:--}" "$first"
}
export -f run_one

if [ "$max_files" -gt 0 ]; then
  awk -v n="$max_files" -v total="$(wc -l < "$list")" 'NR % int(total / n + 1) == 1' "$list" > "$list.sample"
  mv "$list.sample" "$list"
fi
tr '\t' '\n' < "$list" | xargs -d '\n' -n 2 -P "$jobs" bash -c 'run_one "$0" "$1" '"'$sysfence'"' '"$limit" \
  > "$out/results.tsv"

awk -F'\t' '
  { total++
    if ($3 == 0) ok++
    else if ($3 == 137 || $3 == 124) timeout++
    else if ($3 == 2) { errors++; kind = $7; sub(/^sysfence: [^:]*: /, "", kind); sub(/ \(.*/, "", kind); sub(/: .*/, "", kind); by[kind]++ }
    else crash++
    if ($3 == 0 && $6 > 0) { with_unresolved++; unresolved += $6 }
    if ($3 == 0) { syscalls += $5; if (min == "" || $5 < min) min = $5; if ($5 > max) max = $5 } }
  END {
    printf "files: %d\nok: %d\nerror (exit 2): %d\n", total, ok, errors
    for (k in by) printf "  %s: %d\n", k, by[k]
    printf "crash: %d\ntimeout: %d\n", crash, timeout
    printf "syscalls per file: min %d, mean %.1f, max %d\n", min, syscalls / (ok ? ok : 1), max
    printf "files with unresolved sites: %d (%d sites)\n", with_unresolved, unresolved
  }' "$out/results.tsv" | tee "$out/summary.txt"
sort -t$'\t' -k4 -n -r "$out/results.tsv" | head -5 | awk -F'\t' '{printf "slowest: %s %ss\n", $2, $4}'
awk -F'\t' '$3 != 0 && $3 != 2 { bad = 1 } END { exit bad }' "$out/results.tsv"
