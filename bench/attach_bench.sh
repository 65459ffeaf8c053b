#!/usr/bin/env bash
# What recording what already runs costs the rest of the machine: the wall time of
# `find /usr/share -name '*.txt'` and of bench/syscall_loop (getppid calls) run natively, and
# natively while sysfence records something else with the eBPF backend:
#   pid      `trace --pid` of a sleeping process (the tracepoint and one table lookup per call);
#   cgroup   `trace --cgroup` of an empty cgroup (the same, plus the cgroup check of every call
#            of a task not in the table).
# The variants are interleaved (one run of each per round, in rotating order); the script prints
# the medians and the ratios to native, and for the loop the cost per call with the start-up
# taken off (loops of 200000 and 1000000 calls). Last, sysfence's own peak RSS while attached.
#
#   bash bench/attach_bench.sh [BUILD_DIR] [ROUNDS]      (make bench-attach)
set -euo pipefail

build=${1:-build}
rounds=${2:-7}
sysfence="$build/src/cli/sysfence"
loop="$build/bench/syscall_loop"
for binary in "$sysfence" "$loop"; do
  [ -x "$binary" ] || { echo "attach_bench: $binary not found; build first (make build)" >&2; exit 2; }
done
cgroup_root=/sys/fs/cgroup/unified
[ "$(stat -f -c %T "$cgroup_root" 2>/dev/null)" = cgroup2fs ] || cgroup_root=/sys/fs/cgroup
if [ "$(stat -f -c %T "$cgroup_root" 2>/dev/null)" != cgroup2fs ]; then
  echo "attach_bench: no cgroup v2 hierarchy" >&2
  exit 2
fi

scratch=$(mktemp -d)
cgroup="$cgroup_root/sysfence-attach-bench-$$"
recorder_pid=
sleeper_pid=
cleanup() {
  if [ -n "$recorder_pid" ]; then kill -INT "$recorder_pid" 2>/dev/null || true; wait "$recorder_pid" 2>/dev/null || true; fi
  if [ -n "$sleeper_pid" ]; then kill "$sleeper_pid" 2>/dev/null || true; fi
  rmdir "$cgroup" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
mkdir "$cgroup"
sleep 100000 &
sleeper_pid=$!

# Starts `sysfence trace` with "$@" in the background and waits until it records.
start_recorder() {
  "$sysfence" trace --backend ebpf -o "$scratch/profile.json" "$@" 2>"$scratch/recorder.err" &
  recorder_pid=$!
  for _ in $(seq 600); do grep -q "sysfence: recording" "$scratch/recorder.err" && return 0; sleep 0.05; done
  echo "attach_bench: sysfence did not start recording:" >&2
  cat "$scratch/recorder.err" >&2
  exit 1
}
stop_recorder() {
  kill -INT "$recorder_pid"
  wait "$recorder_pid"
  recorder_pid=
}

run_workload() { "${workload[@]}" >/dev/null; }
time_one() {
  local start end
  start=$EPOCHREALTIME
  run_workload
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

kinds=(native pid cgroup)
measure() {  # measure PREFIX
  local kind k round
  for kind in "${kinds[@]}"; do rm -f "$scratch/$1$kind"; done
  run_workload
  for ((round = 0; round < rounds; round++)); do
    for ((k = 0; k < ${#kinds[@]}; k++)); do
      kind=${kinds[$(((round + k) % ${#kinds[@]}))]}
      case $kind in
        pid) start_recorder --pid "$sleeper_pid" ;;
        cgroup) start_recorder --cgroup "$cgroup" ;;
      esac
      time_one >> "$scratch/$1$kind"
      if [ "$kind" != native ]; then stop_recorder; fi
    done
  done
}

workload=(find /usr/share -name '*.txt')
measure find_
echo "workload: ${workload[*]} ($rounds interleaved rounds, $(nproc) CPUs)"
awk -v n="$(median "$scratch/find_native")" -v p="$(median "$scratch/find_pid")" \
  -v c="$(median "$scratch/find_cgroup")" 'BEGIN {
  printf "  native %.3f s, while --pid records another process %.3f s (%.3fx), while --cgroup records an empty cgroup %.3f s (%.3fx)\n",
         n, p, p / n, c, c / n }'

short_calls=200000
long_calls=1000000
workload=("$loop" "$short_calls")
measure short_
workload=("$loop" "$long_calls")
measure long_
echo "getppid loop, per call from $short_calls and $long_calls calls (medians of $rounds rounds):"
awk -v c="$((long_calls - short_calls))" \
  -v n1="$(median "$scratch/short_native")" -v n2="$(median "$scratch/long_native")" \
  -v p1="$(median "$scratch/short_pid")" -v p2="$(median "$scratch/long_pid")" \
  -v g1="$(median "$scratch/short_cgroup")" -v g2="$(median "$scratch/long_cgroup")" 'BEGIN {
  n = (n2 - n1) / c * 1e9; p = (p2 - p1) / c * 1e9; g = (g2 - g1) / c * 1e9
  printf "  native %.0f ns, outside a --pid recording %.0f ns (%.3fx, +%.0f ns), outside a --cgroup recording %.0f ns (%.3fx, +%.0f ns)\n",
         n, p, p / n, p - n, g, g / n, g - n }'

# sysfence's own memory while it records the sleeping process.
start_recorder --pid "$sleeper_pid"
sleep 1
echo "sysfence attached (--pid): $(awk '/VmHWM/ { printf "%.1f MiB peak RSS", $2 / 1024 }' "/proc/$recorder_pid/status")"
stop_recorder
