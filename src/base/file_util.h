// Whole-file reading and all-or-nothing writing. Every output file sysfence produces goes
// through WriteFileAtomically, so a reader never sees half of one.
//
//   auto text = ReadFile(path);                      // Error names the path
//   auto status = WriteFileAtomically(path, json);   // temp file + rename
#ifndef SYSFENCE_BASE_FILE_UTIL_H_
#define SYSFENCE_BASE_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "base/result.h"

namespace sysfence {

// Reads a whole regular file (or FIFO / stdin when path is "-").
Result<std::string> ReadFile(const std::string& path);

// Writes `contents` to a temporary file beside `path`, flushes it, then renames it over
// `path`. On any failure the temporary file is removed and `path` is untouched.
// A path of "-" or "" writes to standard output instead.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Writes all of `contents` to a file descriptor, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view contents);

// The user's cache directory for sysfence ($XDG_CACHE_HOME/sysfence or ~/.cache/sysfence).
std::string UserCacheDirectory();

}  // namespace sysfence

#endif  // SYSFENCE_BASE_FILE_UTIL_H_
