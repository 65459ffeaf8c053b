#!/usr/bin/env bash
# Runs every fuzz target of a SYSFENCE_FUZZ build for a given time, from the checked-in seed
# corpus, JOBS targets at a time, at the lowest CPU priority, and prints one summary line per
# target (executions, coverage, corpus, result). Crashes, leaks and time-outs fail the run;
# their inputs are in BUILD/crashes/.
#   scripts/fuzz.sh BUILD [SECONDS] [JOBS] [TARGET...]
set -uo pipefail
build=${1:?build directory}
seconds=${2:-60}
jobs=${3:-1}
shift $(( $# < 3 ? $# : 3 ))
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/crashes"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for target in "$build"/fuzz/fuzz_*; do
    [ -x "$target" ] && targets+=("$(basename "$target")")
  done
fi

# Runs one target; its log is BUILD/NAME.log.
run_one() {
  local name=$1
  local corpus="$build/corpus/${name#fuzz_}"
  mkdir -p "$corpus"
  cp -n "$root/fuzz/corpus/${name#fuzz_}"/* "$corpus/" 2>/dev/null
  nice -n 19 "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/crashes/$name-" "$corpus" \
    > "$build/$name.log" 2>&1
}

# Prints the summary of one finished target and returns its exit code.
summarise() {
  local name=$1 rc=$2
  local log="$build/$name.log"
  local stats
  stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  local corpus_files
  corpus_files=$(find "$build/corpus/${name#fuzz_}" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "$name: ok in ${seconds}s: $stats; corpus $corpus_files files"
  else
    echo "$name: FAILED (exit $rc), see $log and $build/crashes/"
  fi
  return "$rc"
}

status=0
declare -A pids
for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$name" &
  pids[$name]=$!
done
for name in "${targets[@]}"; do
  wait "${pids[$name]}"
  summarise "$name" $? || status=1
done
exit $status
