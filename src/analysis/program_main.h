// Where a program's `main` is: its symbol when the program has one, otherwise the first
// argument the entry point (`_start`) passes to __libc_start_main, which is how glibc's
// start-up finds it too. Static phases cut the program's life at main (static_phases.cc).
//
//   Result<uint64_t> main = FindMainAddress(elf, summary);
//   if (!main.ok()) return main.error();   // says why (no entry point, unusual _start, ...)
#ifndef SYSFENCE_ANALYSIS_PROGRAM_MAIN_H_
#define SYSFENCE_ANALYSIS_PROGRAM_MAIN_H_

#include <cstdint>

#include "analysis/object_summary.h"
#include "base/result.h"
#include "elf/elf_file.h"

namespace sysfence {

// The address of main in `elf` (a program, not a library), a function start of `summary`.
Result<uint64_t> FindMainAddress(const ElfFile& elf, const ObjectSummary& summary);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_PROGRAM_MAIN_H_
