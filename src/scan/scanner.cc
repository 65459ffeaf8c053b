// RunScan (see scanner.h): find the programs, keep this shard's, then a fixed number of
// worker threads take them in order from a shared counter. Every worker runs a whole
// StaticAnalysis on one thread (the parallelism is across programs), with the scan's one
// SummaryPool; a program's profile is written the moment it is done.
#include "scan/scanner.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/file_util.h"
#include "base/root_path.h"
#include "elf/debug_file.h"
#include "elf/elf_file.h"
#include "elf/library_resolver.h"
#include "elf/shebang.h"
#include "profile/profile_json.h"
#include "scan/dangerous_syscalls.h"
#include "scan/package_index.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Messages and explanations name files as the scanned system does.
std::string WithoutRoot(std::string text, const std::string& root) {
  std::string prefix = root;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty()) return text;
  prefix += "/";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    text.replace(at, prefix.size(), "/");
  }
  return text;
}

// PATH for scripts' `#!/usr/bin/env NAME`: sysfence's own for this system (as `sysfence
// static`), the scanned system's for a root.
std::string SearchPathFor(const ScanOptions& options) {
  if (options.root.empty()) return "";
  return options.search_path.empty() ? kDefaultScanPath : options.search_path;
}

// The default directories: the search path's, those the root has.
std::vector<std::string> DefaultPaths(const ScanOptions& options) {
  std::vector<std::string> paths;
  std::string search = options.search_path.empty() ? kDefaultScanPath : options.search_path;
  for (const std::string& dir : SplitSearchPath(search)) {
    struct stat info {};
    std::string host = PathInRoot(options.root.empty() ? "/" : options.root, dir);
    if (dir.starts_with('/') && stat(host.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      paths.push_back(dir);
    }
  }
  return paths;
}

}  // namespace

Result<std::vector<ScanProgram>> ListScanPrograms(const ScanOptions& options) {
  std::vector<std::string> paths = options.paths.empty() ? DefaultPaths(options) : options.paths;
  Result<std::vector<ScanProgram>> found = FindPrograms(options.root, paths);
  if (!found.ok()) return found.error();
  std::vector<ScanProgram> selected;
  for (ScanProgram& p : *found) {
    if (ShardOf(p.path, options.shards) == options.shard) selected.push_back(std::move(p));
  }
  for (const std::string& required : options.required) {
    Result<std::vector<ScanProgram>> extra = FindPrograms(options.root, {required});
    if (!extra.ok()) return extra.error();
    for (ScanProgram& p : *extra) {
      auto same = [&](const ScanProgram& q) { return q.path == p.path; };
      if (std::none_of(selected.begin(), selected.end(), same)) selected.push_back(std::move(p));
    }
  }
  std::sort(selected.begin(), selected.end(),
            [](const ScanProgram& a, const ScanProgram& b) { return a.path < b.path; });
  return selected;
}

namespace {

class Scan {
 public:
  explicit Scan(const ScanOptions& options)
      : options_(options),
        pool_(SummaryPoolOptions{.share = true,
                                 .use_cache = options.analysis.use_cache,
                                 .cache_directory = options.analysis.cache_directory,
                                 .use_debug_files = options.analysis.use_debug_files,
                                 .debug_search = {options.analysis.debug_directories, options.root,
                                                  DebuginfodCacheDirectory()}}) {}

  Result<ScanResult> Run() {
    auto start = std::chrono::steady_clock::now();
    Result<std::vector<ScanProgram>> programs = ListScanPrograms(options_);
    if (!programs.ok()) return programs.error();
    programs_ = std::move(*programs);
    std::vector<std::string> names;
    for (const ScanProgram& p : programs_) {
      names.push_back(p.path);
      names.insert(names.end(), p.aliases.begin(), p.aliases.end());
    }
    packages_ = PackageIndex::Load(options_.root, names);
    entries_.resize(programs_.size());
    // Largest first, so that no big program is left running alone at the end.
    order_.resize(programs_.size());
    std::vector<uintmax_t> sizes(programs_.size());
    for (size_t i = 0; i < programs_.size(); ++i) {
      order_[i] = i;
      std::error_code error;
      sizes[i] = std::filesystem::file_size(programs_[i].host_path, error);
    }
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });

    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    threads_ = options_.threads > 0 ? static_cast<size_t>(options_.threads) : cores;
    SummarizeLibraries();
    ParallelFor(programs_.size(), [this](size_t k) { Work(order_[k]); });
    if (failure_) return *failure_;

    ScanResult result;
    result.entries = std::move(entries_);
    result.seconds = SecondsSince(start);
    result.objects = pool_.size();
    result.objects_summarized = pool_.summarized();
    return result;
  }

 private:
  // Runs fn(0) .. fn(count - 1) on threads_ threads, each taking the next index.
  void ParallelFor(size_t count, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < count && !failed_; i = next++) fn(i);
    };
    std::vector<std::thread> workers;
    for (size_t t = 1; t < std::min(threads_, count); ++t) workers.emplace_back(work);
    work();
    for (std::thread& t : workers) t.join();
  }

  // Every library the programs load with them, summarised (or read from the cache) before
  // any program is analysed, each by one thread, largest first: otherwise a thread that needs
  // a library another one is summarising waits for it, idle.
  void SummarizeLibraries() {
    std::mutex mutex;
    std::map<std::string, LoadedObject> libraries;
    ParallelFor(programs_.size(), [&](size_t k) {
      const ScanProgram& program = programs_[order_[k]];
      if (program.kind == ProgramKind::kOther) return;
      std::string path = program.host_path;
      if (program.kind == ProgramKind::kScript) {
        Result<std::optional<ScriptChain>> chain =
            FollowShebang(path, ShebangOptions{options_.root, SearchPathFor(options_)});
        if (!chain.ok() || !*chain) return;
        path = (*chain)->programs.back();
      }
      Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
      if (!elf.ok()) return;
      ResolverOptions resolver = options_.analysis.resolver;
      resolver.sysroot = options_.root;
      resolver.open = [this](const std::string& file) { return pool_.Open(file); };
      LoadList list =
          LibraryResolver(std::move(resolver))
              .LoadClosure({std::shared_ptr<ElfFile>(std::move(*elf)), path, "", "program"});
      std::lock_guard<std::mutex> lock(mutex);
      for (LoadedObject& object : list.objects) {
        if (object.reason != "program") libraries.try_emplace(object.path, std::move(object));
      }
    });
    // Paths that name one file (/lib and /usr/lib) share the pool's entry: one task for both,
    // or the second thread would only wait for the first.
    std::vector<const LoadedObject*> work;
    std::set<const ElfFile*> files;
    for (const auto& [path, object] : libraries) {
      if (files.insert(object.elf.get()).second) work.push_back(&object);
    }
    std::stable_sort(work.begin(), work.end(), [](const LoadedObject* a, const LoadedObject* b) {
      return a->elf->file().size() > b->elf->file().size();
    });
    ParallelFor(work.size(), [&](size_t i) { pool_.Get(*work[i]); });
  }

  void Work(size_t i) {
    Result<ScanEntry> entry = Analyse(programs_[i]);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!entry.ok()) {
      if (!failure_) failure_ = entry.error();
      failed_ = true;
      return;
    }
    entries_[i] = std::move(*entry);
    ++done_;
    if (options_.progress) options_.progress({done_, programs_.size(), programs_[i].path});
  }

  // What the index and the profile file need of one analysis.
  struct Analysed {
    Profile profile;  // paths named as in the root
    std::map<std::string, std::string> explain;
    size_t warnings = 0;
  };

  Result<std::shared_ptr<const Analysed>> AnalyseOne(const std::string& host_path) {
    StaticOptions analysis = options_.analysis;
    analysis.pool = &pool_;
    analysis.threads = 1;
    analysis.resolver.sysroot = options_.root;
    analysis.search_path = SearchPathFor(options_);
    Result<std::unique_ptr<StaticAnalysis>> done = StaticAnalysis::Run(host_path, analysis);
    if (!done.ok()) return done.error();
    auto out = std::make_shared<Analysed>();
    out->profile = (*done)->profile();
    NameProfilePathsInRoot(out->profile, options_.root);
    out->warnings = (*done)->warnings().size();
    for (const DangerousSyscall& d : DangerousSyscalls()) {
      std::optional<int> number = SyscallNumber(d.name);
      if (!number || !out->profile.syscalls.Contains(*number)) continue;
      Result<std::string> path = (*done)->Explain(*number);
      out->explain[std::string(d.name)] =
          WithoutRoot(path.ok() ? *path : path.error().message(), options_.root);
    }
    return std::shared_ptr<const Analysed>(std::move(out));
  }

  std::shared_ptr<const Analysed> ScriptAnalysis(const std::vector<std::string>& programs) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = scripts_.find(programs);
    return it == scripts_.end() ? nullptr : it->second;
  }
  void RememberScriptAnalysis(const std::vector<std::string>& programs,
                              std::shared_ptr<const Analysed> analysed) {
    std::lock_guard<std::mutex> lock(mutex_);
    scripts_.try_emplace(programs, std::move(analysed));
  }

  // An entry (with its error when the program cannot be analysed); fails only when the
  // profile cannot be written.
  Result<ScanEntry> Analyse(const ScanProgram& program) {
    ScanEntry entry;
    entry.path = program.path;
    entry.aliases = program.aliases;
    entry.kind = program.kind;
    entry.package = packages_.Find(program.path);
    for (size_t i = 0; entry.package.empty() && i < program.aliases.size(); ++i) {
      entry.package = packages_.Find(program.aliases[i]);
    }
    auto start = std::chrono::steady_clock::now();
    if (program.kind == ProgramKind::kOther) {
      entry.error = "neither an ELF program nor a script ('#!')";
      return entry;
    }
    if (program.kind == ProgramKind::kElf) {
      Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(program.host_path);
      if (!elf.ok()) {
        entry.error = WithoutRoot(elf.error().message(), options_.root);
        return entry;
      }
      if (!(*elf)->IsExecutable()) {
        entry.error = "a shared library, not a program (sysfence static --as-library reads one)";
        return entry;
      }
    }
    // A script's analysis is that of the process its `#!` line runs: scripts whose lines run
    // the same programs share it, and differ only in their target and line.
    std::optional<ScriptChain> chain;
    if (program.kind == ProgramKind::kScript) {
      Result<std::optional<ScriptChain>> followed =
          FollowShebang(program.host_path, ShebangOptions{options_.root, SearchPathFor(options_)});
      if (followed.ok()) chain = *followed;
    }
    std::shared_ptr<const Analysed> analysed = chain ? ScriptAnalysis(chain->programs) : nullptr;
    if (!analysed) {
      Result<std::shared_ptr<const Analysed>> done = AnalyseOne(program.host_path);
      if (!done.ok()) {
        entry.seconds = SecondsSince(start);
        entry.error = WithoutRoot(done.error().message(), options_.root);
        return entry;
      }
      analysed = *done;
      if (chain) RememberScriptAnalysis(chain->programs, analysed);
    }
    Profile profile = analysed->profile;
    if (chain && profile.script) {
      profile.target = program.path;
      profile.script->line = chain->line;
    }
    entry.seconds = SecondsSince(start);
    entry.syscalls = profile.syscalls;
    entry.unresolved = profile.unresolved.size();
    entry.warnings = analysed->warnings;
    if (profile.script) entry.script = profile.script->line;
    entry.explain = analysed->explain;
    entry.profile = ProfileFileFor(program.path);
    std::string file = options_.output + "/" + entry.profile;
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), error);
    if (error) return MakeError("{}: cannot create the directory: {}", file, error.message());
    // Synced all at once, before the index that names them (WriteScanReport).
    Status written = WriteProfileFile(file, profile, WriteSync::kDeferred);
    if (!written.ok()) return written.error();
    return entry;
  }

  const ScanOptions& options_;
  SummaryPool pool_;
  PackageIndex packages_;
  std::vector<ScanProgram> programs_;
  std::vector<ScanEntry> entries_;
  std::vector<size_t> order_;  // programs_ indexes, largest file first
  // Script analyses by the programs their `#!` lines run (under mutex_).
  std::map<std::vector<std::string>, std::shared_ptr<const Analysed>> scripts_;
  size_t threads_ = 1;
  std::mutex mutex_;
  size_t done_ = 0;
  std::optional<Error> failure_;  // the first, under mutex_
  std::atomic<bool> failed_{false};
};

}  // namespace

int ShardOf(const std::string& path, int shards) {
  if (shards <= 1) return 0;
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : path) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<uint64_t>(shards));
}

void NameProfilePathsInRoot(Profile& profile, const std::string& root) {
  if (root.empty()) return;
  auto named = [&](const std::string& path) { return PathFromRoot(root, path); };
  profile.target = named(profile.target);
  std::map<std::string, SyscallSet> images;
  for (auto& [path, set] : profile.images) images[named(path)] |= set;
  profile.images = std::move(images);
  for (Phase& phase : profile.phases) {
    std::map<std::string, SyscallSet> phase_images;
    for (auto& [path, set] : phase.images) phase_images[named(path)] |= set;
    phase.images = std::move(phase_images);
  }
  for (auto& [number, locations] : profile.evidence) {
    for (CodeLocation& location : locations) location.image = named(location.image);
  }
  for (UnresolvedSite& site : profile.unresolved) site.location.image = named(site.location.image);
  for (AddedObject& object : profile.added_objects) {
    object.path = named(object.path);
    object.reason = WithoutRoot(object.reason, root);
  }
  if (profile.from_function) profile.from_function->image = named(profile.from_function->image);
  if (profile.script) {
    for (std::string& program : profile.script->programs) program = named(program);
  }
}

Result<ScanResult> RunScan(const ScanOptions& options) {
  if (options.shards < 1 || options.shard < 0 || options.shard >= options.shards) {
    return MakeError("--shard {}/{}: K must be at least 0 and below N", options.shard,
                     options.shards);
  }
  Scan scan(options);
  return scan.Run();
}

}  // namespace sysfence
