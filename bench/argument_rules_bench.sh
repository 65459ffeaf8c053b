#!/usr/bin/env bash
# What argument rules cost (`make bench-args`): three workloads, each under its own traced
# profile, run natively, under an allow-all filter (the floor: sysfence run with every syscall
# allowed), under the syscall-level filter (`sysfence run --no-args`) and under the filter with
# argument rules (`sysfence run`, the default), interleaved (one run of each per round, in
# rotating order, so load from elsewhere hits all of them alike). Workloads:
#   loop  bench/argument_loop: ioctl(TCGETS), fcntl(F_GETFD), mprotect per round, every call
#         checked by an argument rule: the cost per checked call;
#   find  find /usr/share -name '*.txt';
#   diff  the diff study's 18 runs (study/diff/runs.txt) in one shell script.
# Prints the median CPU seconds of each variant and the ratios; the target is args/syscalls at
# most 1.03 on find and diff.
#
#   bash bench/argument_rules_bench.sh [BUILD_DIR] [ROUNDS] [LOOP_ROUNDS]
set -euo pipefail

build=${1:-build}
rounds=${2:-7}
loop_rounds=${3:-300000}
sysfence="$build/src/cli/sysfence"
loop="$build/bench/argument_loop"
here=$(cd "$(dirname "$0")" && pwd)

for binary in "$sysfence" "$loop"; do
  if [ ! -x "$binary" ]; then
    echo "argument_rules_bench: $binary not found; build first (make build)" >&2
    exit 2
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The diff study's runs as one script (the runs file's {in} and "< FILE" forms).
sh "$here/../study/diff/inputs.sh" "$scratch/in" >/dev/null
{
  echo "cd $scratch/in"
  grep -v '^#' "$here/../study/diff/runs.txt" | sed -e 's/^[^|]*| *//' -e "s|{in}|$scratch/in|g" |
    sed -e 's/$/ >\/dev\/null 2>\&1/'
  echo "exit 0"
} >"$scratch/diff.sh"

declare -A command
command[loop]="$loop $loop_rounds"
command[find]="find /usr/share -name *.txt"
command[diff]="sh $scratch/diff.sh"

# Every x86-64 name: the allow-all profile.
# shellcheck disable=SC2046
names=$({ "$sysfence" names $(seq 0 1023) 2>/dev/null || true; } | awk '{ printf "%s\"%s\"", (NR > 1 ? "," : ""), $1 }')
printf '{"sysfence": 1, "kind": "dynamic", "target": "all", "syscalls": [%s]}\n' "$names" \
  >"$scratch/all.json"

for workload in loop find diff; do
  # shellcheck disable=SC2086
  "$sysfence" trace -o "$scratch/$workload.json" -- ${command[$workload]} >/dev/null 2>&1
done

# shellcheck source=bench/cpu_time.sh
source "$here/cpu_time.sh"

run_variant() {
  local workload=$1 variant=$2
  # shellcheck disable=SC2086
  case $variant in
    native) time_one ${command[$workload]} ;;
    floor) time_one "$sysfence" run --profile "$scratch/all.json" --action kill -- ${command[$workload]} ;;
    syscalls) time_one "$sysfence" run --profile "$scratch/$workload.json" --action kill --no-args -- ${command[$workload]} ;;
    args) time_one "$sysfence" run --profile "$scratch/$workload.json" --action kill -- ${command[$workload]} ;;
  esac
}

ratio() { echo "$1 / $2" | bc -l; }

variants=(native floor syscalls args)
for ((round = 0; round < rounds; round++)); do
  for workload in loop find diff; do
    for ((i = 0; i < ${#variants[@]}; i++)); do
      variant=${variants[(i + round) % ${#variants[@]}]}
      run_variant "$workload" "$variant" >>"$scratch/$workload.$variant.times"
    done
  done
done

printf 'argument rules: median CPU seconds of %s interleaved rounds\n' "$rounds"
printf '%-6s %9s %9s %9s %9s  %13s %13s\n' workload native floor syscalls args args/syscalls args/floor
for workload in loop find diff; do
  native=$(median <"$scratch/$workload.native.times")
  floor=$(median <"$scratch/$workload.floor.times")
  syscalls=$(median <"$scratch/$workload.syscalls.times")
  args=$(median <"$scratch/$workload.args.times")
  printf '%-6s %9.4f %9.4f %9.4f %9.4f  %13.3f %13.3f\n' "$workload" "$native" "$floor" \
    "$syscalls" "$args" "$(ratio "$args" "$syscalls")" "$(ratio "$args" "$floor")"
  if [ "$workload" = loop ]; then
    loop_args=$args
    loop_syscalls=$syscalls
  fi
done
printf 'loop: %s checked calls per run; argument rules cost %.1f ns per checked call over the syscall-level filter\n' \
  "$((3 * loop_rounds))" "$(echo "($loop_args - $loop_syscalls) * 1000000000 / (3 * $loop_rounds)" | bc -l)"
