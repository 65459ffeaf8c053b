// Importing strace logs as a dynamic Profile (`sysfence import-strace`). Reads plain `strace`,
// `strace -f` (pid prefixes "1234  " and "[pid  1234] "), and `strace -ff -o PREFIX` output (a
// directory, or the PREFIX.PID files), with any of -t/-tt/-ttt/-r/-T/-i/-n/-y/-yy/-v/-s/-X/-k/-e.
// Each LOG (or -ff set) is one run; several runs are merged as `sysfence merge` would.
//
//   StraceImportReport report;
//   Result<Profile> profile = ImportStraceLogs({"ls.log", "diff-trace-dir"}, &report);
//   if (!profile.ok()) return profile.error();            // names the file at fault
//   for (const StraceWarning& w : report.warnings) ...;   // lines skipped, with their numbers
//
// Images (DESIGN.md): each call counts for the image its process was running: the path of the
// last successful execve that process (or, before it exec'd, its parent) made. The execve that
// loads an image counts for the image that called it; the first process's first execve is
// strace starting the command, and counts for "[launcher]".
#ifndef SYSFENCE_STRACE_STRACE_IMPORT_H_
#define SYSFENCE_STRACE_STRACE_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "profile/profile.h"

namespace sysfence {

// A line skipped or only partly understood.
struct StraceWarning {
  std::string file;
  uint64_t line = 0;
  std::string message;
};

struct StraceImportReport {
  std::vector<StraceWarning> warnings;  // the first StraceImportOptions::max_warnings
  uint64_t warning_count = 0;           // all of them
  int runs = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
};

struct StraceImportOptions {
  size_t max_warnings = 10;
  // Resolve image paths and the target through symbolic links when they name files on this
  // machine ("/bin/sh" -> "/usr/bin/dash"), as the tracer's /proc/PID/exe keys are.
  bool resolve_paths = false;
};

// Replaces the image keys and the target of `profile` by their resolved paths (see
// StraceImportOptions::resolve_paths); sets whose keys resolve alike are united.
void ResolveImagePaths(Profile& profile);

// Fails (one message naming the file) when a LOG is missing or unreadable, empty, holds no
// line of strace output, or is a directory without PREFIX.PID files. "-" is standard input.
Result<Profile> ImportStraceLogs(const std::vector<std::string>& paths,
                                 StraceImportReport* report,
                                 const StraceImportOptions& options = {});

// One run from one log held in memory; `name` stands for it in messages.
Result<Profile> ImportStraceText(std::string_view text, std::string_view name,
                                 StraceImportReport* report,
                                 const StraceImportOptions& options = {});

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_STRACE_IMPORT_H_
