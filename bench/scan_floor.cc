// The floor of a cold `sysfence scan`: every object a scan of the paths analyses, each
// summarised once on 2 threads with no summary cache, and nothing else (no binding, no
// reachability, no profiles, no index). Every cold scan does at least this much, so its wall
// time bounds from below what any scan with today's object analyser can reach; make
// bench-scan runs it beside the scan and its xargs baseline.
//
// The objects: each program of the scan (for a script, the program its `#!` line runs) and
// the libraries the loader maps with it (its DT_NEEDED closure and interpreter), each file
// once, largest first, as `sysfence scan` orders them. Libraries that programs dlopen (NSS,
// PAM modules) are left out, which only lowers the floor.
//
//   scan_floor PATH...   (prints the objects summarised and the seconds on stdout)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analysis/summary_pool.h"
#include "base/huge_page_malloc.h"
#include "elf/debug_file.h"
#include "elf/library_resolver.h"
#include "elf/shebang.h"
#include "scan/program_finder.h"
#include "scan/scanner.h"

namespace {

constexpr size_t kThreads = 2;

// Runs fn(0) .. fn(count - 1) on kThreads threads, each taking the next index.
void ParallelFor(size_t count, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) fn(i);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < kThreads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  sysfence::RestartWithHugePageMalloc(argv);  // as sysfence static and scan run
  if (argc < 2) {
    std::fprintf(stderr, "usage: scan_floor PATH...\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  sysfence::ScanOptions options;
  options.paths.assign(argv + 1, argv + argc);
  auto programs = sysfence::ListScanPrograms(options);
  if (!programs.ok()) {
    std::fprintf(stderr, "scan_floor: %s\n", programs.error().message().c_str());
    return 1;
  }
  // The pool `sysfence scan` builds, without the on-disk cache.
  sysfence::SummaryPool pool(
      sysfence::SummaryPoolOptions{.share = true,
                                   .use_cache = false,
                                   .use_debug_files = options.analysis.use_debug_files,
                                   .debug_search = {options.analysis.debug_directories, "",
                                                    sysfence::DebuginfodCacheDirectory()}});

  std::mutex mutex;
  std::map<const sysfence::ElfFile*, sysfence::LoadedObject> objects;
  ParallelFor(programs->size(), [&](size_t i) {
    const sysfence::ScanProgram& program = (*programs)[i];
    std::string path = program.host_path;
    if (program.kind == sysfence::ProgramKind::kOther) return;
    if (program.kind == sysfence::ProgramKind::kScript) {
      auto chain = sysfence::FollowShebang(path, sysfence::ShebangOptions{});
      if (!chain.ok() || !*chain) return;
      path = (*chain)->programs.back();
    }
    auto elf = pool.Open(path);
    if (!elf.ok() || !(*elf)->IsExecutable()) return;
    sysfence::ResolverOptions resolver = options.analysis.resolver;
    resolver.open = [&pool](const std::string& file) { return pool.Open(file); };
    sysfence::LoadList list =
        sysfence::LibraryResolver(std::move(resolver)).LoadClosure({*elf, path, "", "program"});
    std::lock_guard<std::mutex> lock(mutex);
    for (sysfence::LoadedObject& object : list.objects) {
      objects.try_emplace(object.elf.get(), std::move(object));
    }
  });
  std::vector<const sysfence::LoadedObject*> work;
  for (const auto& [elf, object] : objects) work.push_back(&object);
  std::stable_sort(work.begin(), work.end(), [](const auto* a, const auto* b) {
    return a->elf->file().size() > b->elf->file().size();
  });
  ParallelFor(work.size(), [&](size_t i) { pool.Get(*work[i]); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("scan_floor: %zu programs, %zu objects summarised in %.1f s\n", programs->size(),
              work.size(), seconds);
  return 0;
}
