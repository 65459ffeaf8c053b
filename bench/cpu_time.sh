# Sourced by the benchmarks that compare whole runs by CPU time (run_bench.sh,
# argument_rules_bench.sh).
#
#   time_one COMMAND [ARG...]   CPU seconds (user + system, of the command and every process it
#                               waited for) of one run; exits the script if the run fails. CPU
#                               time, not wall time: on a shared machine wall time also counts
#                               the time other processes hold the CPU.
#   median < FILE               the median of one number per line.

time_one() {
  local times
  TIMEFORMAT='%3U %3S'
  times=$({ time "$@" >/dev/null 2>&1 || echo "failed $?"; } 2>&1)
  case $times in
    *failed*) echo "$(basename "$0"): $* failed ($times)" >&2; exit 1 ;;
  esac
  echo "$times" | awk '{ print $1 + $2 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
