#!/usr/bin/env bash
# Runs every fuzz target of a SYSFENCE_FUZZ build for a given time, from the checked-in seed
# corpus, and prints one summary line per target (executions, coverage, result).
set -uo pipefail
build=${1:?build directory}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
mkdir -p "$build/crashes"
for target in "$build"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$build/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  cp -n "$root/fuzz/corpus/${name#fuzz_}"/* "$corpus/" 2>/dev/null
  log="$build/$name.log"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/crashes/$name-" "$corpus" > "$log" 2>&1
  rc=$?
  stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "$name: ok in ${seconds}s: $stats"
  else
    echo "$name: FAILED (exit $rc), see $log and $build/crashes/"
    status=1
  fi
done
exit $status
