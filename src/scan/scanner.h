// `sysfence scan`: the static profile of every program under some paths of this system or of
// an unpacked image, in one process. A pool of threads takes the programs one by one; all of
// them share one SummaryPool, so each library is parsed and summarised (or read from the
// on-disk cache) once per scan, not once per program. Each program's profile is written as
// it is done; the index and overview are written from the result (scan_report.h).
//
//   ScanOptions options;
//   options.paths = {"/usr/bin"};
//   options.output = "scan-results";
//   Result<ScanResult> result = RunScan(options);   // profiles under scan-results/profiles
//   for (const ScanEntry& e : result->entries) ...;
#ifndef SYSFENCE_SCAN_SCANNER_H_
#define SYSFENCE_SCAN_SCANNER_H_

#include <functional>
#include <string>
#include <vector>

#include "analysis/static_analysis.h"
#include "base/result.h"
#include "profile/profile.h"
#include "scan/scan_index.h"

namespace sysfence {

struct ScanProgress {
  size_t done = 0;
  size_t total = 0;
  std::string path;  // the program just finished
};

struct ScanOptions {
  std::string root;                // "" = this system; else a directory holding another one
  std::vector<std::string> paths;  // the root's own paths; empty: the search path's directories
  std::string search_path;         // the scanned system's PATH ("" = kDefaultScanPath)
  std::string output;              // where profiles/ goes
  int threads = 0;                 // 0 = one per core
  // Analyse only the programs whose path hashes to `shard` modulo `shards` (0 <= shard <
  // shards): shards of one scan, on any machines, together cover every program once.
  int shard = 0;
  int shards = 1;
  // Programs analysed even when outside `paths` (an image's entrypoint), never sharded out.
  std::vector<std::string> required;
  // Per-program analysis options. The scan sets pool, threads, the sysroot and the search
  // path itself; the cache and debug-file options apply to its shared pool.
  StaticOptions analysis;
  std::function<void(const ScanProgress&)> progress;  // called from the worker threads
};

struct ScanResult {
  std::vector<ScanEntry> entries;  // sorted by path
  double seconds = 0;
  size_t objects = 0;             // distinct objects (program's libraries) the pool held
  size_t objects_summarized = 0;  // of those, summarised in this scan (not from the cache)
};

// The programs a scan with these options analyses (this shard's, and the required ones),
// sorted by path; nothing is analysed.
Result<std::vector<ScanProgram>> ListScanPrograms(const ScanOptions& options);

// Fails only when the paths cannot be listed or the output cannot be written; a program
// that cannot be analysed is an entry with its error.
Result<ScanResult> RunScan(const ScanOptions& options);

// Which shard of `shards` a path belongs to (a stable hash of the path).
int ShardOf(const std::string& path, int shards);

// `profile` with the paths it holds (target, images, evidence, ...) named as inside `root`.
void NameProfilePathsInRoot(Profile& profile, const std::string& root);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_SCANNER_H_
