// Separate debug files (/usr/lib/debug/.build-id/xx/yyyy.debug, libc6-dbg and friends): their
// .symtab names and sizes the internal functions and data objects a stripped library lost.
// They sharpen the analysis; it never depends on them for soundness.
//
//   if (std::shared_ptr<ElfFile> debug = OpenDebugFile(*elf, "")) {
//     elf->AdoptSymbols(debug->symbols(), debug);
//   }
#ifndef SYSFENCE_ELF_DEBUG_FILE_H_
#define SYSFENCE_ELF_DEBUG_FILE_H_

#include <memory>
#include <string>

#include "elf/elf_file.h"

namespace sysfence {

// The path of the build-id debug file for `elf` under `sysroot` ("" when it has no build id).
std::string DebugFilePath(const ElfFile& elf, const std::string& sysroot);

// The debug file of `elf` when one exists, parses, carries the same build id and has a
// .symtab; null otherwise.
std::shared_ptr<ElfFile> OpenDebugFile(const ElfFile& elf, const std::string& sysroot);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_DEBUG_FILE_H_
