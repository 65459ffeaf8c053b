// `make bench-scan`: `sysfence scan` over the programs of /usr/bin and /usr/sbin (or the
// directories given), beside its baseline in the same run: `xargs -P2 sysfence static` over
// the same list of programs, each with an empty summary cache (cold) and then again with the
// cache it filled (warm). Both run 2 analyses at a time. Reports wall time, CPU time and
// peak memory (the largest process for xargs), and the baseline's wall time over the scan's.
// Then the floor of a cold scan (scan_floor.cc: every object analysed once, nothing else), with
// the cold baseline's wall time over it: the most any cold scan with today's analyser can be
// ahead of the baseline, whose processes share the cache and so also analyse each object once.
//
// The list: by default the ELF files that are directly in the directories, not links (how
// the issue and `make static-sweep` count "the ELF programs of /usr/bin and /usr/sbin"),
// given to both by name; with --whole, everything `sysfence scan DIR...` analyses (scripts,
// and programs elsewhere that links in the directories name, such as LLVM's tools).
//
// --pause S idles S seconds before each measured run. This machine (a virtual one) runs
// slower after minutes of full load, so without the pause whichever variant runs after the
// long xargs baseline pays for it; with it every variant, baseline included, starts rested.
//
//   scan_bench SYSFENCE [DIR...] [--whole] [--rounds N] [--pause S]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "child_run.h"

namespace {

constexpr const char* kJobs = "2";

// The ELF files directly in `dirs`, not links, sorted.
std::vector<std::string> ElfFilesIn(const std::vector<std::string>& dirs) {
  std::vector<std::string> files;
  for (const std::string& dir : dirs) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.is_symlink() || !entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      char magic[4] = {};
      if (in.read(magic, 4) && std::string(magic, 4) ==
                                   "\x7f"
                                   "ELF")
        files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

size_t CountLines(const std::string& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: scan_bench SYSFENCE [PATH...] [--whole] [--rounds N] [--pause S]\n");
    return 2;
  }
  std::string sysfence = argv[1];
  // The floor of a cold scan (scan_floor.cc), built beside this benchmark.
  std::string floor_tool = (std::filesystem::path(argv[0]).parent_path() / "scan_floor").string();
  std::vector<std::string> paths;
  int rounds = 1;
  int pause = 0;
  bool whole = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--whole") {
      whole = true;
    } else if ((a == "--rounds" || a == "--pause") && i + 1 < argc) {
      std::string value = argv[++i];
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 0 || n > 100000) {
        std::fprintf(stderr, "scan_bench: %s %s: not a whole number of %s\n", a.c_str(),
                     value.c_str(), a == "--rounds" ? "rounds" : "seconds");
        return 2;
      }
      if (a == "--rounds") {
        rounds = std::max(1, static_cast<int>(n));
      } else {
        pause = static_cast<int>(n);
      }
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) paths = {"/usr/bin", "/usr/sbin"};
  char work_template[] = "/tmp/sysfence-scan-bench-XXXXXX";
  std::string work = mkdtemp(work_template);
  std::string list = work + "/programs.txt";

  // What the scan is given: the directories (--whole), or the files themselves.
  std::vector<std::string> targets = paths;
  if (whole) {
    std::vector<std::string> list_argv = {"/bin/sh", "-c",
                                          "exec \"$0\" scan --list \"$@\" > " + list, sysfence};
    list_argv.insert(list_argv.end(), paths.begin(), paths.end());
    RunChild(list_argv, false);
  } else {
    targets = ElfFilesIn(paths);
    std::ofstream out(list);
    for (const std::string& file : targets) out << file << "\n";
  }
  std::printf("scan_bench: %zu programs (%s) under", CountLines(list),
              whole ? "everything sysfence scan finds" : "ELF files, not links");
  for (const std::string& p : paths) std::printf(" %s", p.c_str());
  std::printf(
      "; %s at a time; %d round(s), medians; %d s idle before each run; the machine has %ld "
      "cores\n",
      kJobs, rounds, pause, sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);
  auto rest = [pause] {
    if (pause > 0) sleep(static_cast<unsigned>(pause));
  };

  struct Row {
    std::string name;
    std::vector<ChildRun> runs;
  };
  Row rows[5] = {{"xargs -P2 sysfence static, cold", {}},
                 {"sysfence scan, cold", {}},
                 {"xargs -P2 sysfence static, warm", {}},
                 {"sysfence scan, warm", {}},
                 {"floor: each object analysed once", {}}};
  for (int r = 0; r < rounds; ++r) {
    std::string xargs_cache = work + "/cache-xargs", scan_cache = work + "/cache-scan";
    std::filesystem::remove_all(xargs_cache);
    std::filesystem::remove_all(scan_cache);
    for (int warm = 0; warm < 2; ++warm) {
      // A file static cannot analyse makes xargs exit 123: that is not a failure here.
      rest();
      rows[2 * warm].runs.push_back(
          RunChild({"/bin/sh", "-c",
                    "xargs -a \"$1\" -d '\\n' -n 1 -P " + std::string(kJobs) +
                        " \"$0\" static --cache-dir \"$2\" >/dev/null 2>&1; exit 0",
                    sysfence, list, xargs_cache},
                   true));
      std::string out = work + "/out";
      std::filesystem::remove_all(out);
      std::vector<std::string> scan = {sysfence,      "scan",     "-q", "--threads", kJobs,
                                       "--cache-dir", scan_cache, "-o", out};
      scan.insert(scan.end(), targets.begin(), targets.end());
      rest();
      rows[2 * warm + 1].runs.push_back(RunChild(scan, true));
    }
    std::vector<std::string> floor = {floor_tool};
    floor.insert(floor.end(), targets.begin(), targets.end());
    rest();
    rows[4].runs.push_back(RunChild(floor, true));
  }
  std::printf("%-34s %9s %9s %10s %14s\n", "variant", "wall s", "cpu s", "peak MiB",
              "xargs/scan wall");
  for (int i = 0; i < 5; ++i) {
    ChildRun m = Median(rows[i].runs);
    std::string ratio;
    if (i % 2 == 1 || i == 4) {
      // The floor's ratio is the cold xargs run's over it: the most any cold scan can reach.
      ratio =
          std::to_string(Median(rows[i == 4 ? 0 : i - 1].runs).wall / m.wall).substr(0, 5) + "x";
    }
    std::printf("%-34s %9.1f %9.1f %10.1f %14s\n", rows[i].name.c_str(), m.wall, m.cpu, m.rss_mib,
                ratio.c_str());
  }
  std::filesystem::remove_all(work);
  return 0;
}
