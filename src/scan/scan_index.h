// The index of a scan: one entry per program, written as JSON Lines (index.jsonl, one object
// per line, everything the overview needs, read back by `scan --merge`) and CSV (index.csv,
// the columns a spreadsheet wants).
//
//   std::string lines = IndexJsonLines(entries);
//   Result<std::vector<ScanEntry>> back = ParseIndexJsonLines(lines, "shard-0/index.jsonl");
#ifndef SYSFENCE_SCAN_SCAN_INDEX_H_
#define SYSFENCE_SCAN_SCAN_INDEX_H_

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "profile/syscall_set.h"
#include "scan/program_finder.h"

namespace sysfence {

struct ScanEntry {
  std::string path;                  // as the scanned system names it
  std::vector<std::string> aliases;  // other names (links) of the same file
  ProgramKind kind = ProgramKind::kOther;
  std::string package;    // the Debian package that installed it, "" when unknown
  std::string profile;    // its profile, relative to the output directory ("" when not analysed)
  std::string error;      // why it has no profile ("" when it has one)
  std::string script;     // a script's `#!` line
  SyscallSet syscalls;    // the profile's set
  size_t unresolved = 0;  // syscall sites whose number is not known statically
  size_t warnings = 0;
  double seconds = 0;  // wall time of its analysis
  // For every dangerous syscall the program can reach (dangerous_syscalls.h): one path from
  // a root to a site issuing it, as `sysfence static --explain` prints it.
  std::map<std::string, std::string> explain;

  bool analysed() const { return error.empty(); }
};

// One JSON object per line: path, aliases, kind, package, profile, error, script,
// syscall_count, syscalls (names), unresolved, warnings, seconds, explain.
std::string IndexJsonLines(const std::vector<ScanEntry>& entries);
// path,kind,package,syscalls,unresolved,seconds,error (RFC 4180 quoting).
std::string IndexCsv(const std::vector<ScanEntry>& entries);
// Errors name `source` and the line.
Result<std::vector<ScanEntry>> ParseIndexJsonLines(std::string_view text,
                                                   const std::string& source);

// The file a program's profile is written to, relative to the output directory:
// "profiles/usr/bin/ls.json" for /usr/bin/ls.
std::string ProfileFileFor(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_SCAN_INDEX_H_
