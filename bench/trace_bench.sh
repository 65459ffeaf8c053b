#!/usr/bin/env bash
# Wall time of `find /usr/share -name '*.txt'` run natively, under `strace -f`, under each of
# sysfence trace's backends (ptrace; ptrace --every-syscall, two stops per call instead of one;
# eBPF), under the two floors (bench/ptrace_floor: a tracer that only waits for and resumes each
# SECCOMP_RET_TRACE stop; bench/ebpf_floor: a raw sys_enter program counting one process's calls
# in an array), and natively while an eBPF recording of another process runs ("outside": what
# a process outside the recorded tree pays). The variants are interleaved (one run of each per
# round, in rotating order, so that load from elsewhere hits all of them alike); the script
# prints the median of each, the ratios and the time each adds per call. Then the same for
# bench/syscall_loop (50000 getppid calls and nothing else), which gives the cost of one
# recorded call, and for `true`, which gives each backend's start-up. Last, native, eBPF, its
# floor and "outside" on loops of 200000 and 1000000 getppid calls: the difference is the
# cost per call with the start-up taken off. Each backend also runs with --no-sites, so that
# what recording syscall sites costs is a ratio of the same run.
#
#   bash bench/trace_bench.sh [BUILD_DIR] [ROUNDS] [LOOP_ROUNDS]      (make bench-trace)
# LOOP_ROUNDS (default 15) is for the per-call measurement: it divides the noise of four
# medians by the difference in calls, so it needs more rounds than the rest.
set -euo pipefail

build=${1:-build}
rounds=${2:-7}
loop_rounds=${3:-15}
sysfence="$build/src/cli/sysfence"
loop="$build/bench/syscall_loop"
floor="$build/bench/ptrace_floor"
efloor="$build/bench/ebpf_floor"
loop_calls=50000

for binary in "$sysfence" "$loop" "$floor" "$efloor"; do
  if [ ! -x "$binary" ]; then
    echo "trace_bench: $binary not found; build first (make build)" >&2
    exit 2
  fi
done
command -v strace >/dev/null || { echo "trace_bench: strace is not installed" >&2; exit 2; }
if ! "$sysfence" trace --backend ebpf -o /dev/null -- true 2>/dev/null; then
  echo "trace_bench: the eBPF backend cannot record here:" >&2
  "$sysfence" trace --backend ebpf -o /dev/null -- true >&2 || true
  exit 2
fi

scratch=$(mktemp -d)
outside_pid=
cleanup() {
  if [ -n "$outside_pid" ]; then kill "$outside_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

run_native() { "${workload[@]}" >/dev/null; }
run_strace() { strace -f -o /dev/null "${workload[@]}" >/dev/null; }
run_ptrace() { "$sysfence" trace --backend ptrace -o /dev/null -- "${workload[@]}" >/dev/null; }
# Two stops per call instead of one: what the seccomp filter saves.
run_every() { "$sysfence" trace --backend ptrace --every-syscall -o /dev/null -- "${workload[@]}" >/dev/null; }
run_pfloor() { "$floor" "${workload[@]}" >/dev/null; }
run_ebpf() { "$sysfence" trace --backend ebpf -o /dev/null -- "${workload[@]}" >/dev/null; }
run_efloor() { "$efloor" "${workload[@]}" >/dev/null 2>&1; }
# The backends without syscall sites (trace --no-sites): what recording the sites costs.
run_enosite() { "$sysfence" trace --backend ebpf --no-sites -o /dev/null -- "${workload[@]}" >/dev/null; }
run_pnosite() { "$sysfence" trace --backend ptrace --no-sites -o /dev/null -- "${workload[@]}" >/dev/null; }
# Natively, while sysfence records another process (started by start_outside, not timed).
run_outside() { run_native; }

# An eBPF recording of a sleeping process: its command says "ready" through a FIFO once the
# recorder is attached (the command starts only then).
start_outside() {
  rm -f "$scratch/ready"
  mkfifo "$scratch/ready"
  "$sysfence" trace --backend ebpf -o /dev/null -- \
    sh -c "echo ready > '$scratch/ready'; exec sleep 3600" >/dev/null 2>&1 &
  outside_pid=$!
  read -r _ < "$scratch/ready"
}
stop_outside() {
  kill "$outside_pid"
  wait "$outside_pid" 2>/dev/null || true
  outside_pid=
}

# Seconds (with microseconds) one run of $1 takes.
time_one() {
  local start end
  start=$EPOCHREALTIME
  "$1"
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

kinds=(native strace ptrace every pfloor ebpf efloor outside enosite pnosite)

# Runs every variant of "${workload[@]}" $rounds times, interleaved; times go to
# $scratch/<variant>.
measure() {
  local kind k round
  for kind in "${kinds[@]}"; do rm -f "$scratch/$kind"; done
  run_native  # warm the page cache so that the first round is not the only cold one
  for ((round = 0; round < rounds; round++)); do
    for ((k = 0; k < ${#kinds[@]}; k++)); do
      kind=${kinds[$(((round + k) % ${#kinds[@]}))]}
      if [ "$kind" = outside ]; then start_outside; fi
      time_one "run_$kind" >> "$scratch/$kind"
      if [ "$kind" = outside ]; then stop_outside; fi
    done
  done
}

# Prints the medians and the ratios; $1 is the number of calls per run.
report() {
  local calls=$1 kind
  echo "workload: ${workload[*]} ($calls system calls per run, $rounds interleaved rounds, $(nproc) CPUs)"
  for kind in "${kinds[@]}"; do
    printf '  %-8s median %7.3f s   runs: %s\n' "$kind" "$(median "$scratch/$kind")" \
      "$(sort -g "$scratch/$kind" | tr '\n' ' ')"
  done
  awk -v n="$(median "$scratch/native")" -v s="$(median "$scratch/strace")" \
    -v p="$(median "$scratch/ptrace")" -v e="$(median "$scratch/every")" \
    -v pf="$(median "$scratch/pfloor")" -v b="$(median "$scratch/ebpf")" \
    -v bf="$(median "$scratch/efloor")" -v o="$(median "$scratch/outside")" -v c="$calls" \
    -v bn="$(median "$scratch/enosite")" -v pn="$(median "$scratch/pnosite")" 'BEGIN {
    printf "  x native: strace %.2f, ptrace %.2f, ptrace floor %.2f, eBPF %.2f, eBPF floor %.2f, outside %.3f\n",
           s / n, p / n, pf / n, b / n, bf / n, o / n
    printf "  ptrace/strace %.3f (target <= 0.3), ptrace/ptrace floor %.2f, eBPF/eBPF floor %.3f (target <= 1.05)\n",
           p / s, p / pf, b / bf
    printf "  added per call: strace %.0f ns, ptrace %.0f ns, --every-syscall %.0f ns, ptrace floor %.0f ns, eBPF %.0f ns, eBPF floor %.0f ns, outside %.0f ns\n",
           (s - n) / c * 1e9, (p - n) / c * 1e9, (e - n) / c * 1e9, (pf - n) / c * 1e9,
           (b - n) / c * 1e9, (bf - n) / c * 1e9, (o - n) / c * 1e9
    printf "  syscall sites: eBPF/eBPF --no-sites %.3f, ptrace/ptrace --no-sites %.3f (added per call: eBPF %.1f ns, ptrace %.1f ns)\n",
           b / bn, p / pn, (b - bn) / c * 1e9, (p - pn) / c * 1e9
  }'
}

# Calls per run: the sum of the profile's "counts" object (one "name": count per line).
count_calls() {
  "$sysfence" trace --backend ptrace -o "$scratch/profile.json" -- "${workload[@]}" >/dev/null
  awk '/^  "counts": \{/ { inside = 1; next }
       inside && /^  \}/ { inside = 0 }
       inside { gsub(/[",]/, ""); sum += $2 }
       END { print sum }' "$scratch/profile.json"
}

workload=(find /usr/share -name '*.txt')
measure
report "$(count_calls)"
find_native=$(median "$scratch/native")
find_ebpf=$(median "$scratch/ebpf")

workload=("$loop" "$loop_calls")
measure
report "$(count_calls)"

# Start-up: each variant on `true`, minus `true` alone.
workload=(/usr/bin/true)  # the file, not the shell builtin: the baseline forks and execs too
measure
for kind in "${kinds[@]}"; do cp "$scratch/$kind" "$scratch/startup_$kind"; done
echo "start-up (trace -- true minus true, medians of $rounds rounds):"
awk -v n="$(median "$scratch/native")" -v p="$(median "$scratch/ptrace")" \
  -v b="$(median "$scratch/ebpf")" -v bf="$(median "$scratch/efloor")" \
  -v pf="$(median "$scratch/pfloor")" 'BEGIN {
  printf "  ptrace %.1f ms, ptrace floor %.1f ms, eBPF %.1f ms (target <= 60), eBPF floor %.1f ms\n",
         (p - n) * 1e3, (pf - n) * 1e3, (b - n) * 1e3, (bf - n) * 1e3
}'
echo "  find under eBPF without its start-up: $(awk -v b="$find_ebpf" -v n="$find_native" \
  -v s="$(median "$scratch/startup_ebpf")" -v t="$(median "$scratch/startup_native")" \
  'BEGIN { printf "%.3f x native (target <= 1.10)", (b - (s - t)) / n }')"

# The eBPF backend against its floor per call, start-up taken off: the getppid loop at two
# lengths, the difference divided by the difference in calls.
kinds=(native ebpf efloor outside enosite)
rounds=$loop_rounds
short_calls=200000
long_calls=1000000
workload=("$loop" "$short_calls")
measure
for kind in "${kinds[@]}"; do cp "$scratch/$kind" "$scratch/short_$kind"; done
workload=("$loop" "$long_calls")
measure
echo "per call, from $short_calls and $long_calls getppid calls (medians of $rounds rounds):"
awk -v c="$((long_calls - short_calls))" \
  -v n1="$(median "$scratch/short_native")" -v n2="$(median "$scratch/native")" \
  -v b1="$(median "$scratch/short_ebpf")" -v b2="$(median "$scratch/ebpf")" \
  -v f1="$(median "$scratch/short_efloor")" -v f2="$(median "$scratch/efloor")" \
  -v o1="$(median "$scratch/short_outside")" -v o2="$(median "$scratch/outside")" \
  -v s1="$(median "$scratch/short_enosite")" -v s2="$(median "$scratch/enosite")" 'BEGIN {
  n = (n2 - n1) / c * 1e9; b = (b2 - b1) / c * 1e9; f = (f2 - f1) / c * 1e9; o = (o2 - o1) / c * 1e9
  s = (s2 - s1) / c * 1e9
  printf "  native %.0f ns, eBPF %.0f ns, eBPF floor %.0f ns, outside %.0f ns per call\n", n, b, f, o
  printf "  eBPF/eBPF floor %.3f (target <= 1.05); x native: eBPF %.2f, floor %.2f, outside %.3f\n",
         b / f, b / n, f / n, o / n
  printf "  whole runs of %d calls: eBPF/eBPF floor %.3f\n", c + 200000, b2 / f2
  printf "  syscall sites: eBPF %.0f ns against %.0f ns with --no-sites per call: %.3f; whole runs %.3f\n",
         b, s, b / s, b2 / s2
}'
