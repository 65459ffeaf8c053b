// Which files a scan analyses: every executable file under the paths given (directories are
// walked, links to files are followed, inside the scanned root when there is one), one entry
// per file however many names it has, each classified by its first bytes.
//
//   Result<std::vector<ScanProgram>> programs = FindPrograms("", {"/usr/bin", "/usr/sbin"});
//   for (const ScanProgram& p : *programs) ...;  // "/usr/bin/ls" (kElf), "/usr/bin/zcat"
//                                                 // (kScript), aliases: "/usr/bin/awk" ...
#ifndef SYSFENCE_SCAN_PROGRAM_FINDER_H_
#define SYSFENCE_SCAN_PROGRAM_FINDER_H_

#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

enum class ProgramKind {
  kElf,     // starts with the ELF magic
  kScript,  // starts with "#!"
  kOther,   // executable, but neither: listed with an error, not analysed
};
std::string_view ProgramKindName(ProgramKind kind);  // "elf", "script", "other"

struct ScanProgram {
  std::string path;                  // as the scanned system names it, links resolved
  std::string host_path;             // where this process reads it (under the root)
  std::vector<std::string> aliases;  // links found on the way that name the same file
  ProgramKind kind = ProgramKind::kOther;
};

// `root` "" scans this system; otherwise paths are the root's own (absolute) and every link
// is resolved inside it. A directory is walked whole (links to directories are not entered:
// their files are found under their own names if the walk reaches them); a file named on
// its own is taken even without an execute bit. Sorted by path. Fails naming a path that does
// not exist.
Result<std::vector<ScanProgram>> FindPrograms(const std::string& root,
                                              const std::vector<std::string>& paths);

// The directories of a PATH string ("/usr/local/bin:/usr/bin"), without empty and repeated
// entries.
std::vector<std::string> SplitSearchPath(const std::string& path);

// The PATH a scan of a root uses by default: Debian's for root (login.defs ENV_SUPATH).
inline constexpr const char* kDefaultScanPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_PROGRAM_FINDER_H_
