// Where an analysis gets each object's summary: the one place that opens an object's debug
// file, asks the on-disk cache (summary_cache.h) and otherwise summarises the object
// (object_analyzer.h). A pool that shares keeps what it opened and summarised, so any number
// of analyses, on any number of threads, parse and summarise each library once: `sysfence
// scan` gives one shared pool to every program's StaticAnalysis. Without sharing (`sysfence
// static`) it keeps nothing.
//
//   SummaryPool pool({.share = true});            // one for the whole scan
//   StaticOptions options;
//   options.pool = &pool;                         // every analysis of the scan
//   StaticAnalysis::Run("/usr/bin/ls", options);  // libc summarised (or read) here...
//   StaticAnalysis::Run("/usr/bin/cp", options);  // ...and reused here
#ifndef SYSFENCE_ANALYSIS_SUMMARY_POOL_H_
#define SYSFENCE_ANALYSIS_SUMMARY_POOL_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/object_index.h"
#include "analysis/object_summary.h"
#include "analysis/summary_cache.h"
#include "base/result.h"
#include "elf/debug_file.h"
#include "elf/elf_file.h"
#include "elf/library_resolver.h"

namespace sysfence {

struct SummaryPoolOptions {
  bool share = false;                // keep files and summaries for later analyses
  bool use_cache = true;             // the on-disk cache
  std::string cache_directory = {};  // "" = UserCacheDirectory()
  bool use_debug_files = true;
  DebugFileSearch debug_search = {};  // where debug files are looked for (debug_file.h)
};

// One object as an analysis uses it.
struct PooledObject {
  std::shared_ptr<ElfFile> elf;  // with the debug file's symbols when one was used
  std::shared_ptr<const ObjectSummary> summary;
  // Lookups over it (exports, callers), built once per object by a sharing pool; null
  // otherwise (LinkedProgram::AddObject builds one).
  std::shared_ptr<const ObjectIndex> index;
  bool from_cache = false;
  bool debug_symbols = false;
  double seconds = 0;  // spent summarising (0 when it came from the cache or an earlier use)
  std::vector<std::string> warnings;  // the analyser's notes, a damaged cache entry
};

class SummaryPool {
 public:
  explicit SummaryPool(SummaryPoolOptions options);
  SummaryPool(const SummaryPool&) = delete;
  SummaryPool& operator=(const SummaryPool&) = delete;

  bool shares() const { return options_.share; }
  const SummaryPoolOptions& options() const { return options_; }

  // An ELF file with its debug symbols adopted, opened once per file when the pool shares
  // (LibraryResolver's opener): paths that name the same file (a directory symlink, "..")
  // share it. Thread-safe.
  Result<std::shared_ptr<ElfFile>> Open(const std::string& path);

  // The summary of `object`. A shared pool keys it by the file the object's path names and
  // summarises it once: the first caller does the work, callers on other threads wait for it, later
  // callers get it at once (with `seconds` 0). The program itself (`object.reason` is
  // "program") is never kept. `threads` is how many threads the analyser may use for one
  // object (a large Go program is split over them). Thread-safe.
  PooledObject Get(const LoadedObject& object, int threads = 1);

  // How many objects the pool holds, and how many of them it summarised (not from the cache).
  size_t size() const;
  size_t summarized() const;

 private:
  struct Entry {
    std::once_flag opened;
    std::once_flag summarized;
    std::shared_ptr<ElfFile> elf;
    std::shared_ptr<ElfFile> debug;  // the debug file whose symbols `elf` adopted, if any
    std::string open_error;
    PooledObject object;
  };
  std::shared_ptr<Entry> EntryFor(const std::string& path);
  // Adopts the debug file's symbols into `elf` when there is one, and returns that file.
  std::shared_ptr<ElfFile> AdoptDebugSymbols(ElfFile& elf) const;
  // The disk cache, else the analyser; `debug` is the debug file `elf` adopted (or null).
  PooledObject Summarize(std::shared_ptr<ElfFile> elf, const std::shared_ptr<ElfFile>& debug,
                         int threads) const;

  SummaryPoolOptions options_;
  SummaryCache cache_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;
  size_t summarized_ = 0;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_SUMMARY_POOL_H_
