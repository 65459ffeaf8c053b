// What a seccomp filter costs a syscall-heavy program, measured side by side: two loops
// (getppid; read 64 bytes from /dev/zero + write them to /dev/null) under
//   none        no filter
//   floor       a one-instruction allow-all filter (what any filter costs)
//   generated   sysfence's filter for a 100-syscall set (libseccomp, binary tree)
//   linear      the same set as a hand-built chain of JEQs (sysfilter's linear mode)
//   phased      the filter `run --phased` installs for a two-phase profile whose working
//               phase is that set (start-up needs three more calls, the trigger is a fourth):
//               the hot calls are plain ALLOW, only the four others return TRACE
// and the same three filters stacked on a "cache buster" (a filter that reads args[0]), which
// keeps the kernel's action cache (Linux 5.11+) from skipping the filters, so their own
// evaluation cost shows. One filter's evaluation costs less than this machine's timing noise,
// so the last three cases stack 32 copies of the filter (on the cache buster) and the
// difference to 32 allow-all filters, divided by 32, is what the filter costs per call beyond
// the floor. Filters cannot be removed from a process, so every case runs in a forked child;
// cases are interleaved over several rounds and the median is reported, with each case's
// ratio to its floor.
//
//   build/bench/filter_bench [--rounds=N] [--benchmark_min_time=S]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "seccomp/bpf_evaluator.h"
#include "filter/filter_builder.h"
#include "filter/filter_policy.h"

namespace sysfence {
namespace {

// The 100 allowed calls: 0..87 (read and write come first in the linear chain, its best
// case) and twelve more, among them getppid (near the end of the chain, its bad case), what
// the benchmark library calls between iterations (clock_gettime, openat, sysinfo, ...) and
// prctl and seccomp, so the stacked cases can install their further copies.
SyscallSet HundredSyscalls() {
  SyscallSet set;
  for (int nr = 0; nr < 88; ++nr) set.Insert(nr);
  for (int nr :
       {SYS_getrusage, SYS_sysinfo, SYS_getppid, SYS_gettid, SYS_futex, SYS_sched_getaffinity,
        SYS_clock_gettime, SYS_exit_group, SYS_openat, SYS_newfstatat, SYS_prctl, SYS_seccomp}) {
    set.Insert(nr);
  }
  return set;
}

// The filter of `run --phased` for a profile whose start-up phase makes the hundred calls and
// getuid, getgid, geteuid, and whose working phase, entered by the first getegid, makes the
// hundred and getegid.
BpfProgram Phased(const SyscallSet& set) {
  Profile profile;
  Phase start{"init", set, "", {}};
  for (int nr : {SYS_getuid, SYS_getgid, SYS_geteuid}) start.syscalls.Insert(nr);
  Phase work{"work", set, "syscall:getegid", {}};
  work.syscalls.Insert(SYS_getegid);
  profile.phases = {start, work};
  profile.syscalls = start.syscalls | work.syscalls;
  FilterOptions options;
  PhasedPolicy policy = MakePhasedPolicy(profile, options).value();
  return CompileFilterPolicy(policy.filter).value().program;
}

BpfProgram AllowAll() { return {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}; }

// Reads an argument, so the kernel cannot know any verdict in advance and caches none.
BpfProgram CacheBuster() {
  return {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
}

// sysfilter-style linear allow-list: arch check, x32 check, one JEQ per allowed number.
BpfProgram Linear(const SyscallSet& set) {
  std::vector<int> numbers = set.Numbers();
  BpfProgram program;
  size_t n = numbers.size();
  // ld arch; jeq x86_64 ? next : kill
  program.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  program.push_back(
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, static_cast<uint8_t>(n + 4)));
  // ld nr; jge x32 bit ? errno : next
  program.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  program.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, static_cast<uint8_t>(n), 0));
  // jeq nr_i ? allow : next   (i = 0..n-1)
  for (size_t i = 0; i < n; ++i) {
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(numbers[i]),
                               static_cast<uint8_t>(n - i), 0));
  }
  program.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1));     // errno
  program.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));         // allow
  program.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));  // kill
  return program;
}

constexpr int kStackCopies = 32;

std::vector<BpfProgram> Stacked(const BpfProgram& program) {
  std::vector<BpfProgram> stack = {CacheBuster()};
  for (int i = 0; i < kStackCopies; ++i) stack.push_back(program);
  return stack;
}

struct FilterCase {
  std::string name;
  std::string floor;              // the case this one is compared with
  std::vector<BpfProgram> stack;  // installed in this order
};

std::vector<FilterCase> Cases() {
  SyscallSet set = HundredSyscalls();
  if (set.Size() != 100) fmt::print(stderr, "filter_bench: the set has {} calls\n", set.Size());
  BpfProgram generated = FilterBuilder(FilterAction::kErrno).Allow(set).Build().value().program;
  BpfProgram linear = Linear(set);
  BpfProgram phased = Phased(set);
  return {
      {"none", "none", {}},
      {"floor", "floor", {AllowAll()}},
      {"generated", "floor", {generated}},
      {"linear", "floor", {linear}},
      {"phased", "floor", {phased}},
      {"uncached_floor", "uncached_floor", {CacheBuster()}},
      {"uncached_generated", "uncached_floor", {CacheBuster(), generated}},
      {"uncached_linear", "uncached_floor", {CacheBuster(), linear}},
      {"uncached_phased", "uncached_floor", {CacheBuster(), phased}},
      {"stack32_floor", "stack32_floor", Stacked(AllowAll())},
      {"stack32_generated", "stack32_floor", Stacked(generated)},
      {"stack32_linear", "stack32_floor", Stacked(linear)},
      {"stack32_phased", "stack32_floor", Stacked(phased)},
  };
}

void Install(const BpfProgram& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    fmt::print(stderr, "filter_bench: installing a filter failed: {}\n", std::strerror(errno));
    _exit(3);
  }
}

void GetppidLoop(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(syscall(SYS_getppid));
}

void ReadWriteLoop(benchmark::State& state) {
  UniqueFd zero(open("/dev/zero", O_RDONLY | O_CLOEXEC));
  UniqueFd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
  char buffer[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(read(zero.get(), buffer, sizeof buffer));
    benchmark::DoNotOptimize(write(null.get(), buffer, sizeof buffer));
  }
}

// Console output as usual, plus "name<TAB>ns" lines to the parent. CPU time, not wall time:
// on a shared machine wall time also counts the time other processes hold the CPU.
class PipeReporter : public benchmark::ConsoleReporter {
 public:
  explicit PipeReporter(int fd) : fd_(fd) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      std::string line = fmt::format("{}\t{}\n", run.benchmark_name(), run.GetAdjustedCPUTime());
      (void)!write(fd_, line.data(), line.size());
    }
  }

 private:
  int fd_;
};

// Runs both loops under `c` in a child; returns loop name -> ns per iteration.
std::map<std::string, double> MeasureInChild(const FilterCase& c) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    for (const BpfProgram& program : c.stack) Install(program);
    benchmark::RegisterBenchmark(("getppid/" + c.name).c_str(), GetppidLoop)->MinTime(0.1);
    benchmark::RegisterBenchmark(("read_write/" + c.name).c_str(), ReadWriteLoop)->MinTime(0.1);
    PipeReporter reporter(fds[1]);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, got);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  std::map<std::string, double> results;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    size_t tab = line.find('\t');
    if (tab != std::string::npos) {
      std::string name = line.substr(0, tab);
      results[name.substr(0, name.find('/'))] = std::stod(line.substr(tab + 1));
    }
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return results;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// Instructions the filter runs for `nr`, from the user-space evaluator: the deterministic part
// of the cost, which the timings show only through the noise.
int InstructionsFor(const BpfProgram& program, int nr) {
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
  if (!evaluator.ok()) return -1;
  seccomp_data data{};
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = nr;
  return evaluator->Evaluate(data).instructions;
}

}  // namespace
}  // namespace sysfence

int main(int argc, char** argv) {
  using namespace sysfence;
  int rounds = 11;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());

  std::vector<FilterCase> cases = Cases();
  // case -> loop -> one figure per round
  std::map<std::string, std::map<std::string, std::vector<double>>> figures;
  for (int round = 0; round < rounds; ++round) {
    // Each round starts with another case, so no case always runs right after the same one.
    for (size_t i = 0; i < cases.size(); ++i) {
      const FilterCase& c = cases[(i + static_cast<size_t>(round)) % cases.size()];
      for (const auto& [loop, ns] : MeasureInChild(c)) figures[c.name][loop].push_back(ns);
    }
  }

  fmt::print(
      "\nCPU ns per loop iteration, median of {} rounds (read_write = 2 calls); ratio to "
      "the case's floor; spread = slowest / fastest round:\n",
      rounds);
  fmt::print("{:<20} {:>9} {:>8} {:>7}   {:>10} {:>8} {:>7}\n", "case", "getppid", "/floor",
             "spread", "read_write", "/floor", "spread");
  for (const FilterCase& c : cases) {
    std::string line = fmt::format("{:<20}", c.name);
    for (std::string loop : {"getppid", "read_write"}) {
      const std::vector<double>& all = figures[c.name][loop];
      double ns = Median(all);
      double floor = Median(figures[c.floor][loop]);
      double spread = all.empty() ? 0
                                  : *std::max_element(all.begin(), all.end()) /
                                        *std::min_element(all.begin(), all.end());
      line +=
          fmt::format(" {:>9.1f} {:>8.3f} {:>7.3f}  ", ns, floor > 0 ? ns / floor : 0.0, spread);
    }
    fmt::print("{}\n", line);
  }
  fmt::print(
      "\nCost of one filter run beyond an allow-all filter, from {} stacked copies, and "
      "what it adds to one uncached call:\n",
      kStackCopies);
  for (std::string name : {"generated", "linear", "phased"}) {
    std::string line = fmt::format("{:<12}", name);
    for (std::string loop : {"getppid", "read_write"}) {
      double extra =
          (Median(figures["stack32_" + name][loop]) - Median(figures["stack32_floor"][loop])) /
          kStackCopies;
      double base = Median(figures["uncached_floor"][loop]);
      line += fmt::format("  {}: {:+.1f} ns ({:+.2f}%)", loop, extra,
                          base > 0 ? 100 * extra / base : 0.0);
    }
    fmt::print("{}\n", line);
  }
  fmt::print("\nBPF instructions run per call (user-space evaluator):\n");
  fmt::print("{:<12} {:>8} {:>6} {:>6}\n", "filter", "getppid", "read", "write");
  for (const FilterCase& c : cases) {
    if (c.stack.size() != 1) continue;
    fmt::print("{:<12} {:>8} {:>6} {:>6}\n", c.name, InstructionsFor(c.stack[0], SYS_getppid),
               InstructionsFor(c.stack[0], SYS_read), InstructionsFor(c.stack[0], SYS_write));
  }
  return 0;
}
