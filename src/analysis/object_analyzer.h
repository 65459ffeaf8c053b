// Builds the ObjectSummary of one ELF object: partitions its code into functions and its data
// into regions, decodes every function once with Zydis, runs the register data flow over it,
// and records calls (with the argument values syscall wrappers need), taken addresses, data
// references, syscall sites, and the pointers relocations store in each data region. The
// result depends on the object alone, which is what makes it cacheable.
//
//   Result<ObjectSummary> summary = AnalyzeObject(*elf, /*threads=*/2);
#ifndef SYSFENCE_ANALYSIS_OBJECT_ANALYZER_H_
#define SYSFENCE_ANALYSIS_OBJECT_ANALYZER_H_

#include "analysis/object_summary.h"
#include "base/result.h"
#include "elf/elf_file.h"

namespace sysfence {

// Never fails on odd code (undecodable bytes, unreadable .eh_frame become notes in the
// summary); an Error means the object could not be analysed at all. With `threads` > 1 a
// large object's functions are analysed on two threads; the summary is the same.
Result<ObjectSummary> AnalyzeObject(const ElfFile& elf, int threads = 1);

// Functions whose calls are checked for constant names (dlopen and friends, pam_start):
// which argument register carries the name, and what it names.
struct NamedCallee {
  int name_register = -1;  // -1 when `function_name` is none of them
  NameKind kind = NameKind::kLibrary;
};
NamedCallee FindNamedCallee(std::string_view function_name);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_OBJECT_ANALYZER_H_
