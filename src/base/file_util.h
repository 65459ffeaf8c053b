// Whole-file reading and all-or-nothing writing. Every output file sysfence produces goes
// through WriteFileAtomically, so a reader never sees half of one.
//
//   auto text = ReadFile(path);                      // Error names the path
//   auto status = WriteFileAtomically(path, json);   // temp file + fsync + rename
//
// Many files written together (a scan's profiles) or files that can be rebuilt (the
// summary cache) skip the fsync of each: WriteSync::kDeferred, then one SyncFileSystem.
#ifndef SYSFENCE_BASE_FILE_UTIL_H_
#define SYSFENCE_BASE_FILE_UTIL_H_

#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sysfence {

// Reads a whole regular file (or FIFO / stdin when path is "-").
Result<std::string> ReadFile(const std::string& path);

// When a written file reaches the disk. kNow: before WriteFileAtomically returns. kDeferred:
// when the kernel writes it back or SyncFileSystem runs; readers still see all of the file or
// none, but a crash before then may leave it empty. For files a checksum guards, and for
// batches synced together.
enum class WriteSync { kNow, kDeferred };

// Writes `contents` to a temporary file beside `path`, flushes it (per `sync`), then renames
// it over `path`. On any failure the temporary file is removed and `path` is untouched.
// A path of "-" or "" writes to standard output instead.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           WriteSync sync = WriteSync::kNow);
// The same for contents in pieces, written one after the other (large arrays need not be
// copied into one buffer first).
Status WriteFileAtomically(const std::string& path, std::span<const std::string_view> contents,
                           WriteSync sync = WriteSync::kNow);

// Flushes everything written to the file system holding `path` (syncfs): one wait for a
// batch of files written with WriteSync::kDeferred.
Status SyncFileSystem(const std::string& path);

// Writes all of `contents` to a file descriptor, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view contents);

// The user's cache directory for sysfence ($XDG_CACHE_HOME/sysfence or ~/.cache/sysfence).
std::string UserCacheDirectory();

}  // namespace sysfence

#endif  // SYSFENCE_BASE_FILE_UTIL_H_
