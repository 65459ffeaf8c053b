#!/usr/bin/env bash
# Wall time of `find /usr/share -name '*.txt'` run natively, under `strace -f`, and under
# `sysfence trace` (and `sysfence trace --every-syscall`, two ptrace stops per call instead of
# one), and under bench/ptrace_floor (a tracer that only waits for and resumes each
# SECCOMP_RET_TRACE stop: the floor of any one-stop ptrace tracer here), interleaved (one run of each per round, in rotating order, so that load from elsewhere
# hits all of them alike). Prints the median of each and the ratios; the target
# is sysfence/strace <= 0.3. Then the same for bench/syscall_loop (50000 getppid calls and
# nothing else), which gives the cost of one traced call.
#
#   bash bench/trace_bench.sh [BUILD_DIR] [ROUNDS]      (make bench-trace)
set -euo pipefail

build=${1:-build}
rounds=${2:-7}
sysfence="$build/src/cli/sysfence"
loop="$build/bench/syscall_loop"
floor="$build/bench/ptrace_floor"
loop_calls=50000

for binary in "$sysfence" "$loop" "$floor"; do
  if [ ! -x "$binary" ]; then
    echo "trace_bench: $binary not found; build first (make build)" >&2
    exit 2
  fi
done
command -v strace >/dev/null || { echo "trace_bench: strace is not installed" >&2; exit 2; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

run_native() { "${workload[@]}" >/dev/null; }
run_strace() { strace -f -o /dev/null "${workload[@]}" >/dev/null; }
run_sysfence() { "$sysfence" trace -o /dev/null -- "${workload[@]}" >/dev/null; }
# Two stops per call instead of one: what the seccomp filter saves.
run_every() { "$sysfence" trace --every-syscall -o /dev/null -- "${workload[@]}" >/dev/null; }
run_floor() { "$floor" "${workload[@]}" >/dev/null; }

# Seconds (with microseconds) one run of $1 takes.
time_one() {
  local start end
  start=$EPOCHREALTIME
  "$1"
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

# Runs the four variants of "${workload[@]}" $rounds times, interleaved; times go to
# $scratch/<variant>.
measure() {
  rm -f "$scratch/native" "$scratch/strace" "$scratch/sysfence" "$scratch/every" "$scratch/floor"
  run_native  # warm the page cache so that the first round is not the only cold one
  local kinds=(native strace sysfence every floor) round k kind
  for ((round = 0; round < rounds; round++)); do
    for ((k = 0; k < 5; k++)); do
      kind=${kinds[$(((round + k) % 5))]}
      time_one "run_$kind" >> "$scratch/$kind"
    done
  done
}

# Prints the medians and the ratios; $1 is the number of calls per run.
report() {
  local calls=$1 native strace_time sysfence_time kind
  native=$(median "$scratch/native")
  strace_time=$(median "$scratch/strace")
  sysfence_time=$(median "$scratch/sysfence")
  echo "workload: ${workload[*]} ($calls system calls per run, $rounds interleaved rounds, $(nproc) CPUs)"
  for kind in native strace sysfence every floor; do
    printf '  %-9s median %7.3f s   runs: %s\n' "$kind" "$(median "$scratch/$kind")" \
      "$(sort -g "$scratch/$kind" | tr '\n' ' ')"
  done
  awk -v n="$native" -v s="$strace_time" -v f="$sysfence_time" -v c="$calls" \
    -v e="$(median "$scratch/every")" -v l="$(median "$scratch/floor")" 'BEGIN {
    printf "  sysfence/strace %.3f (target <= 0.3)   sysfence/native %.2f   strace/native %.2f\n",
           f / s, f / n, s / n
    printf "  floor/strace %.3f: no one-stop ptrace tracer gets below this here; sysfence/floor %.2f\n",
           l / s, f / l
    printf "  added per call: sysfence %.1f us, strace %.1f us, sysfence --every-syscall %.1f us, floor %.1f us\n",
           (f - n) / c * 1e6, (s - n) / c * 1e6, (e - n) / c * 1e6, (l - n) / c * 1e6
  }'
}

# Calls per run: the sum of the profile's "counts" object (one "name": count per line).
count_calls() {
  "$sysfence" trace -o "$scratch/profile.json" -- "${workload[@]}" >/dev/null
  awk '/^  "counts": \{/ { inside = 1; next }
       inside && /^  \}/ { inside = 0 }
       inside { gsub(/[",]/, ""); sum += $2 }
       END { print sum }' "$scratch/profile.json"
}

workload=(find /usr/share -name '*.txt')
measure
report "$(count_calls)"

workload=("$loop" "$loop_calls")
measure
report "$(count_calls)"
