// On-disk cache of ObjectSummary, so that analysing a second program that shares libc or
// libcrypto with the first costs a file read per library.
//
// Key: a 64-bit hash of the object's whole contents plus its size (and, when its separate
// debug file was used, that file's size and modification time). Hashing the bytes rather
// than trusting the build-id note and mtime makes the cache immune to rebuilt files that keep
// a build-id, to copies, and to touched files. The hash itself is remembered by the file's
// identity and times (ContentHash), so a file is read whole only when it is new or changed.
// Format: a versioned header (magic, format version, key, payload size, payload checksum)
// and the summary's arrays; files are written atomically (temp + rename), and any entry that
// fails a check is ignored (with a warning) and rewritten.
//
//   SummaryCache cache(UserCacheDirectory());
//   CacheKey key = cache.KeyFor(elf, debug_file);
//   if (auto hit = cache.Load(key, &warning)) ...; else cache.Store(key, summary);
#ifndef SYSFENCE_ANALYSIS_SUMMARY_CACHE_H_
#define SYSFENCE_ANALYSIS_SUMMARY_CACHE_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "analysis/object_summary.h"
#include "base/result.h"
#include "elf/elf_file.h"

namespace sysfence {

struct CacheKey {
  uint64_t content_hash = 0;
  uint64_t size = 0;
  uint64_t debug_identity = 0;  // 0 = analysed without a debug file
  std::string FileName() const;
};

// A fast 64-bit hash of `bytes` (not cryptographic).
uint64_t HashBytes(ByteView bytes);

// Serialization, exposed for tests.
std::string SerializeSummary(const CacheKey& key, const ObjectSummary& summary);
Result<ObjectSummary> DeserializeSummary(const CacheKey& key, std::string_view bytes);

class SummaryCache {
 public:
  explicit SummaryCache(std::string directory) : directory_(std::move(directory)) {}

  CacheKey KeyFor(const ElfFile& elf, const ElfFile* debug_file) const;
  // HashBytes of the file's contents, read from the hash remembered under the directory's
  // content-hashes/ for the same file (device, inode, size, mtime and ctime) when there is one,
  // so that a warm run does not read every program and library whole again.
  uint64_t ContentHash(const MappedFile& file) const;

  // A cached summary; nullopt when absent. A damaged entry sets `warning`.
  std::optional<ObjectSummary> Load(const CacheKey& key, std::string* warning) const;
  Status Store(const CacheKey& key, const ObjectSummary& summary) const;
  std::string PathFor(const CacheKey& key) const;

 private:
  void PruneOtherVersions() const;

  std::string directory_;
  mutable std::once_flag pruned_;
  mutable std::once_flag hashes_directory_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_SUMMARY_CACHE_H_
