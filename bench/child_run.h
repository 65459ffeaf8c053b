// What the benchmarks measure of a command they run: wall time, CPU time (user + system, the
// command's and its waited-for children's) and peak resident memory (getrusage of the child:
// for a command that runs others, the largest of them).
//
//   ChildRun r = RunChild({"/usr/bin/true"}, /*quiet=*/true);   // r.wall, r.cpu, r.rss_mib
#ifndef SYSFENCE_BENCH_CHILD_RUN_H_
#define SYSFENCE_BENCH_CHILD_RUN_H_

#include <string>
#include <vector>

struct ChildRun {
  double wall = 0;
  double cpu = 0;
  double rss_mib = 0;
};

// Runs argv[0] (a path) with its output discarded when `quiet`; exits the benchmark with
// status 1 when the command fails.
ChildRun RunChild(const std::vector<std::string>& argv, bool quiet);

// The median of each field over several runs.
ChildRun Median(std::vector<ChildRun> runs);

#endif  // SYSFENCE_BENCH_CHILD_RUN_H_
