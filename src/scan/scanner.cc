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
#include <mutex>
#include <thread>

#include "base/root_path.h"
#include "elf/elf_file.h"
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
                                 .sysroot = options.root}) {}

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

    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    size_t threads = options_.threads > 0 ? static_cast<size_t>(options_.threads) : cores;
    threads = std::max<size_t>(1, std::min(threads, programs_.size()));
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) workers.emplace_back([this] { Work(); });
    Work();
    for (std::thread& t : workers) t.join();
    if (failure_) return *failure_;

    ScanResult result;
    result.entries = std::move(entries_);
    result.seconds = SecondsSince(start);
    result.objects = pool_.size();
    result.objects_summarized = pool_.summarized();
    return result;
  }

 private:
  void Work() {
    for (size_t i = next_++; i < programs_.size(); i = next_++) {
      if (failed_) return;
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
    StaticOptions analysis = options_.analysis;
    analysis.pool = &pool_;
    analysis.threads = 1;
    analysis.resolver.sysroot = options_.root;
    if (!options_.root.empty()) {
      analysis.search_path = options_.search_path.empty() ? kDefaultScanPath : options_.search_path;
    }
    Result<std::unique_ptr<StaticAnalysis>> done = StaticAnalysis::Run(program.host_path, analysis);
    entry.seconds = SecondsSince(start);
    if (!done.ok()) {
      entry.error = WithoutRoot(done.error().message(), options_.root);
      return entry;
    }
    Profile profile = (*done)->profile();
    NameProfilePathsInRoot(profile, options_.root);
    entry.syscalls = profile.syscalls;
    entry.unresolved = profile.unresolved.size();
    entry.warnings = (*done)->warnings().size();
    if (profile.script) entry.script = profile.script->line;
    for (const DangerousSyscall& d : DangerousSyscalls()) {
      std::optional<int> number = SyscallNumber(d.name);
      if (!number || !profile.syscalls.Contains(*number)) continue;
      Result<std::string> path = (*done)->Explain(*number);
      entry.explain[std::string(d.name)] =
          WithoutRoot(path.ok() ? *path : path.error().message(), options_.root);
    }
    entry.profile = ProfileFileFor(program.path);
    std::string file = options_.output + "/" + entry.profile;
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), error);
    if (error) return MakeError("{}: cannot create the directory: {}", file, error.message());
    Status written = WriteProfileFile(file, profile);
    if (!written.ok()) return written.error();
    return entry;
  }

  const ScanOptions& options_;
  SummaryPool pool_;
  PackageIndex packages_;
  std::vector<ScanProgram> programs_;
  std::vector<ScanEntry> entries_;
  std::atomic<size_t> next_{0};
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
