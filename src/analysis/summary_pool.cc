// SummaryPool (see summary_pool.h): per-file entries, each opened and summarised under its
// own std::once_flag, so that threads needing different objects never wait for each other
// and threads needing the same one wait for the first.
#include "analysis/summary_pool.h"

#include <sys/stat.h>

#include <chrono>

#include "analysis/object_analyzer.h"
#include "base/file_util.h"
#include "elf/debug_file.h"

namespace sysfence {

SummaryPool::SummaryPool(SummaryPoolOptions options)
    : options_(std::move(options)),
      cache_(options_.cache_directory.empty() ? UserCacheDirectory() : options_.cache_directory) {}

namespace {

// What names one file whatever path reaches it: /lib and /usr/lib are one directory on a
// merged-/usr system, and a RUNPATH's "bin/../lib" names a library the search path also
// finds. The path itself when the file cannot be examined (Open reports why).
std::string FileKey(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "path " + path;
  return "file " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

}  // namespace

std::shared_ptr<SummaryPool::Entry> SummaryPool::EntryFor(const std::string& path) {
  std::string key = FileKey(path);
  std::lock_guard<std::mutex> lock(mutex_);
  std::shared_ptr<Entry>& entry = entries_[key];
  if (!entry) entry = std::make_shared<Entry>();
  return entry;
}

std::shared_ptr<ElfFile> SummaryPool::AdoptDebugSymbols(ElfFile& elf) const {
  if (!options_.use_debug_files) return nullptr;
  std::shared_ptr<ElfFile> debug = OpenDebugFile(elf, options_.debug_search);
  if (debug) elf.AdoptSymbols(debug->symbols(), debug);
  return debug;
}

Result<std::shared_ptr<ElfFile>> SummaryPool::Open(const std::string& path) {
  if (!options_.share) {
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
    if (!elf.ok()) return elf.error();
    return std::shared_ptr<ElfFile>(std::move(*elf));  // Get() adopts the debug symbols
  }
  std::shared_ptr<Entry> entry = EntryFor(path);
  std::call_once(entry->opened, [&] {
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
    if (!elf.ok()) {
      entry->open_error = elf.error().message();
      return;
    }
    // Adopted before any other thread can see the file: it is read-only from here on.
    entry->elf = std::shared_ptr<ElfFile>(std::move(*elf));
    entry->debug = AdoptDebugSymbols(*entry->elf);
  });
  if (!entry->elf) return Error(entry->open_error);
  return entry->elf;
}

PooledObject SummaryPool::Summarize(std::shared_ptr<ElfFile> elf,
                                    const std::shared_ptr<ElfFile>& debug, int threads) const {
  PooledObject out;
  out.debug_symbols = debug != nullptr;
  out.elf = std::move(elf);
  CacheKey key;
  if (options_.use_cache) {
    key = cache_.KeyFor(*out.elf, debug.get());
    std::string warning;
    if (std::optional<ObjectSummary> hit = cache_.Load(key, &warning)) {
      out.summary = std::make_shared<ObjectSummary>(std::move(*hit));
      out.from_cache = true;
      return out;
    }
    if (!warning.empty()) out.warnings.push_back(warning);
  }
  auto start = std::chrono::steady_clock::now();
  Result<ObjectSummary> summary = AnalyzeObject(*out.elf, threads);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!summary.ok()) {
    out.warnings.push_back(summary.error().message());
    out.summary = std::make_shared<ObjectSummary>();
    return out;
  }
  for (const std::string& note : summary->notes) out.warnings.push_back(note);
  if (options_.use_cache) {
    Status stored = cache_.Store(key, *summary);
    if (!stored.ok()) out.warnings.push_back("cache not written: " + stored.error().message());
  }
  out.summary = std::make_shared<ObjectSummary>(std::move(*summary));
  return out;
}

PooledObject SummaryPool::Get(const LoadedObject& object, int threads) {
  if (!options_.share || object.reason == "program") {
    return Summarize(object.elf, AdoptDebugSymbols(*object.elf), threads);
  }
  std::shared_ptr<Entry> entry = EntryFor(object.path);
  std::call_once(entry->opened, [&] {
    // A file the pool did not open (no opener was used) becomes the pool's.
    entry->elf = object.elf;
    entry->debug = AdoptDebugSymbols(*object.elf);
  });
  if (entry->elf != object.elf) {
    // Another copy of a file the pool holds: its symbols would not match the pool's summary.
    return Summarize(object.elf, AdoptDebugSymbols(*object.elf), threads);
  }
  bool here = false;
  std::call_once(entry->summarized, [&] {
    entry->object = Summarize(entry->elf, entry->debug, threads);
    entry->object.index = std::make_shared<ObjectIndex>(*entry->elf, *entry->object.summary);
    here = true;
    std::lock_guard<std::mutex> lock(mutex_);
    summarized_ += !entry->object.from_cache;
  });
  PooledObject out = entry->object;
  if (!here) out.seconds = 0;
  return out;
}

size_t SummaryPool::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

size_t SummaryPool::summarized() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return summarized_;
}

}  // namespace sysfence
