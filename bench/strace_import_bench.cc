// How fast import-strace reads a large `strace -f -tt -T -y` log, against the least any
// line-based reader must do: reading the same file line by line without looking at the lines.
// Both run in the same process over the same page-cached file; the ratio is printed at the end.
//
//   build/bench/strace_import_bench                # 100 MB log
//   build/bench/strace_import_bench --size_mb=20   # smaller
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "strace/line_reader.h"
#include "strace/strace_import.h"

namespace sysfence {
namespace {

// One shell pipeline (sh forks ls and wc, they run interleaved), in the shapes strace -f -tt
// -T -y prints: prefixes, timestamps, durations, fd decorations, unfinished/resumed pairs,
// signals, exits. `base` keeps the pids of each copy distinct.
std::string PipelineBlock(int base) {
  int sh = base, ls = base + 1, wc = base + 2;
  std::string out;
  auto line = [&](int pid, const std::string& text) {
    out += fmt::format("{:<5} 16:15:09.{:06} {}\n", pid, (base * 7 + out.size()) % 1000000, text);
  };
  line(sh, "execve(\"/bin/sh\", [\"sh\", \"-c\", \"ls / | wc -l\"], 0x7ffd49c89678 /* 41 vars */) "
           "= 0 <0.000412>");
  for (int i = 0; i < 6; ++i) {
    line(sh, "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
             "0x7f48a8d12000 <0.000012>");
    line(sh, "openat(AT_FDCWD</tmp>, \"/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = "
             "3</usr/lib/x86_64-linux-gnu/libc.so.6> <0.000015>");
    line(sh, "read(3</usr/lib/x86_64-linux-gnu/libc.so.6>, \"\\177ELF\\2\\1\\1\\3\\0\\0\\0\\0\\0"
             "\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\20t\\2\\0\\0\\0\\0\\0\"..., 832) = 832 <0.000011>");
    line(sh, "close(3</usr/lib/x86_64-linux-gnu/libc.so.6>) = 0 <0.000008>");
  }
  line(sh, "pipe2([3<pipe:[96912]>, 4<pipe:[96912]>], 0) = 0 <0.000013>");
  line(sh, "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD "
           "<unfinished ...>");
  line(ls, "set_robust_list(0x7f48a8b22a20, 24 <unfinished ...>");
  line(sh, fmt::format("<... clone resumed>, child_tidptr=0x7f48a8b22a10) = {} <0.000120>", ls));
  line(ls, "<... set_robust_list resumed>) = 0 <0.000008>");
  line(sh, fmt::format("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
                       "SIGCHLD, child_tidptr=0x7f48a8b22a10) = {} <0.000101>",
                       wc));
  line(ls, "execve(\"/usr/bin/ls\", [\"ls\", \"/\"], 0x5563560e7c58 /* 41 vars */ <unfinished ...>");
  line(wc, "execve(\"/usr/bin/wc\", [\"wc\", \"-l\"], 0x5563560e7c88 /* 41 vars */) = 0 "
           "<0.000290>");
  line(sh, "wait4(-1,  <unfinished ...>");
  line(ls, "<... execve resumed>) = 0 <0.000310>");
  for (int i = 0; i < 8; ++i) {
    line(ls, "newfstatat(AT_FDCWD</tmp>, \"/usr/lib/locale/C.utf8/LC_CTYPE\", {st_mode=S_IFREG|"
             "0644, st_size=346132, ...}, 0) = 0 <0.000010>");
    line(wc, "mprotect(0x7fea1e143000, 16384, PROT_READ) = 0 <0.000011>");
  }
  line(ls, "getdents64(3</>, 0x5585c716b6d0 /* 24 entries */, 32768) = 624 <0.000031>");
  line(ls, "write(1<pipe:[96912]>, \"bin\\nboot\\ndev\\netc\\nhome\\nlib\\nlib64\\nmedia\\nmnt\\n"
           "opt\\nproc\\nroot\\nrun\\nsbin\\n\"..., 116) = 116 <0.000020>");
  line(wc, "read(0<pipe:[96912]>, \"bin\\nboot\\ndev\\netc\\nhome\\n\"..., 16384) = 116 <0.000012>");
  line(ls, "exit_group(0) = ?");
  line(ls, "+++ exited with 0 +++");
  line(sh, fmt::format("<... wait4 resumed>[{{WIFEXITED(s) && WEXITSTATUS(s) == 0}}], 0, NULL) = "
                       "{} <0.003123>",
                       ls));
  line(sh, fmt::format("--- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid={}, si_uid=0, "
                       "si_status=0, si_utime=0, si_stime=0}} ---",
                       ls));
  line(sh, "rt_sigreturn({mask=[]}) = 0 <0.000009>");
  line(wc, "write(1</dev/pts/0<char 136:0>>, \"24\\n\", 3) = 3 <0.000030>");
  line(wc, "exit_group(0) = ?");
  line(wc, "+++ exited with 0 +++");
  line(sh, "exit_group(0) = ?");
  line(sh, "+++ exited with 0 +++");
  return out;
}

std::string MakeLog(size_t size_mb) {
  std::string path = (std::filesystem::temp_directory_path() /
                      fmt::format("sysfence-bench-{}.log", getpid()))
                         .string();
  std::ofstream out(path, std::ios::binary);
  size_t bytes = 0;
  for (int base = 1000; bytes < size_mb << 20; base += 3) {
    std::string block = PipelineBlock(base % 4000000);
    out << block;
    bytes += block.size();
  }
  return path;
}

std::string g_log;

// The baseline: every line handed out, none looked at.
void BM_ReadLinesOnly(benchmark::State& state) {
  for (auto _ : state) {
    Result<LineReader> reader = LineReader::Open(g_log);
    uint64_t bytes = 0;
    while (std::optional<std::string_view> line = reader->Next()) bytes += line->size();
    benchmark::DoNotOptimize(bytes);
    state.SetBytesProcessed(state.bytes_processed() + static_cast<int64_t>(reader->bytes_read()));
  }
}

void BM_ImportStraceLog(benchmark::State& state) {
  for (auto _ : state) {
    StraceImportReport report;
    Result<Profile> profile = ImportStraceLogs({g_log}, &report);
    if (!profile.ok()) state.SkipWithError(profile.error().message().c_str());
    benchmark::DoNotOptimize(profile);
    state.SetBytesProcessed(state.bytes_processed() + static_cast<int64_t>(report.bytes));
    state.counters["lines"] = static_cast<double>(report.lines);
  }
}

// Prints the usual table, then import time / baseline time.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) seconds_[run.run_name.function_name] = run.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void PrintRatio() const {
    auto base = seconds_.find("BM_ReadLinesOnly");
    auto import = seconds_.find("BM_ImportStraceLog");
    if (base == seconds_.end() || import == seconds_.end() || base->second <= 0) return;
    fmt::print("import-strace / read-lines-only = {:.2f}x\n", import->second / base->second);
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace
}  // namespace sysfence

int main(int argc, char** argv) {
  size_t size_mb = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--size_mb=", 10) == 0) size_mb = std::strtoul(argv[i] + 10, nullptr, 10);
  }
  sysfence::g_log = sysfence::MakeLog(size_mb);
  fmt::print("log: {} ({} MB)\n", sysfence::g_log, std::filesystem::file_size(sysfence::g_log) >> 20);
  benchmark::RegisterBenchmark("BM_ReadLinesOnly", sysfence::BM_ReadLinesOnly)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(5);
  benchmark::RegisterBenchmark("BM_ImportStraceLog", sysfence::BM_ImportStraceLog)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(5);
  benchmark::Initialize(&argc, argv);
  sysfence::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatio();
  std::filesystem::remove(sysfence::g_log);
  benchmark::Shutdown();
  return 0;
}
