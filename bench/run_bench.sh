#!/usr/bin/env bash
# End-to-end cost of `sysfence run --phased` against an unphased `sysfence run` and the program
# run natively: bench/syscall_loop (N getppid calls) under each, interleaved (one run of each
# per round, in rotating order, so load from elsewhere hits all of them alike). The profile is
# traced with two phases: the loader's start-up, and the rest from the opening of libc on
# (`--phase work=openat:**/libc.so.6`); getppid is a working-phase call, so the phased filter
# allows it outright and only the start-up calls and openat go to sysfence. Prints the median
# CPU time of each and the ratios.
#
#   bash bench/run_bench.sh [BUILD_DIR] [ROUNDS] [CALLS]      (make bench-run)
set -euo pipefail

build=${1:-build}
rounds=${2:-11}
calls=${3:-500000}
sysfence="$build/src/cli/sysfence"
loop="$build/bench/syscall_loop"

for binary in "$sysfence" "$loop"; do
  if [ ! -x "$binary" ]; then
    echo "run_bench: $binary not found; build first (make build)" >&2
    exit 2
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
profile="$scratch/loop.json"
"$sysfence" trace -o "$profile" --phase 'work=openat:**/libc.so.6' -- "$loop" 10 >/dev/null 2>&1

run_native() { "$loop" "$calls"; }
run_unphased() { "$sysfence" run --profile "$profile" --action kill -- "$loop" "$calls"; }
run_phased() { "$sysfence" run --profile "$profile" --action kill --phased -- "$loop" "$calls"; }

# shellcheck source=bench/cpu_time.sh
source "$(dirname "$0")/cpu_time.sh"

cases=(native unphased phased)
for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < ${#cases[@]}; i++)); do
    name=${cases[(i + round) % ${#cases[@]}]}
    time_one "run_$name" >>"$scratch/$name.times"
  done
done

native=$(median <"$scratch/native.times")
unphased=$(median <"$scratch/unphased.times")
phased=$(median <"$scratch/phased.times")
printf 'syscall_loop %s getppid calls, median CPU seconds of %s rounds:\n' "$calls" "$rounds"
printf '  native             %8.4f\n' "$native"
printf '  run (unphased)     %8.4f  %6.3f x native\n' "$unphased" "$(echo "$unphased / $native" | bc -l)"
printf '  run --phased       %8.4f  %6.3f x native  %6.3f x unphased\n' "$phased" \
  "$(echo "$phased / $native" | bc -l)" "$(echo "$phased / $unphased" | bc -l)"
