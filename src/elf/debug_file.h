// Separate debug files (libc6-dbg and friends, a debuginfod client's cache): their .symtab
// names and sizes the internal functions and data objects a stripped library lost. They
// sharpen the analysis; it never depends on them for soundness. A debug file is found by the
// object's build id, which must match, so one built for another copy of the same library
// (the host's libc6-dbg for a container's identical libc) serves as well.
//
//   DebugFileSearch search{.directories = {"/srv/debug"}, .sysroot = "",
//                          .debuginfod_cache = DebuginfodCacheDirectory()};
//   if (std::shared_ptr<ElfFile> debug = OpenDebugFile(*elf, search)) {
//     elf->AdoptSymbols(debug->symbols(), debug);
//   }
#ifndef SYSFENCE_ELF_DEBUG_FILE_H_
#define SYSFENCE_ELF_DEBUG_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "elf/elf_file.h"

namespace sysfence {

// Where debug files are looked for, in this order.
struct DebugFileSearch {
  // Debug directories laid out like /usr/lib/debug: DIR/.build-id/xx/yyyy.debug.
  std::vector<std::string> directories;
  // Then <sysroot>/usr/lib/debug/.build-id/xx/yyyy.debug.
  std::string sysroot;
  // Then a debuginfod client's cache: CACHE/<build id>/debuginfo ("" for none).
  std::string debuginfod_cache;
};

// The debuginfod client's cache directory as the client picks it: $DEBUGINFOD_CACHE_PATH,
// else $HOME/.debuginfod_client_cache when it exists (the old location), else
// $XDG_CACHE_HOME/debuginfod_client, else $HOME/.cache/debuginfod_client; "" when none of
// those variables is set.
std::string DebuginfodCacheDirectory();

// Every path `search` would try for `elf`, in order (none when it has no build id).
std::vector<std::string> DebugFileCandidates(const ElfFile& elf, const DebugFileSearch& search);

// The first candidate that exists, parses, carries the same build id and has a .symtab;
// null when there is none.
std::shared_ptr<ElfFile> OpenDebugFile(const ElfFile& elf, const DebugFileSearch& search);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_DEBUG_FILE_H_
