// Where data objects start in an object that lost its symbol table (a stripped library
// without a separate debug file): recovered from what stripping keeps. See data_boundaries.cc
// for the evidence used and why a split it makes does not hide a pointer code can read.
//
//   std::vector<uint64_t> starts = RecoverDataObjectStarts(elf, lea_addresses);
//   // every start lies inside a data section; regions run from one start to the next
#ifndef SYSFENCE_ANALYSIS_DATA_BOUNDARIES_H_
#define SYSFENCE_ANALYSIS_DATA_BOUNDARIES_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "elf/elf_file.h"

namespace sysfence {

// Sorted, unique addresses at which a data object (or the gap after a sized one) begins.
// `lea_addresses`: every address the object's code computes rip-relatively with `lea`
// (any order, duplicates allowed).
std::vector<uint64_t> RecoverDataObjectStarts(const ElfFile& elf,
                                              std::span<const uint64_t> lea_addresses);

// glibc's __libc_IO_vtables: a linker-built section (named like a C identifier) that no code
// walks from __start_ to __stop_. glibc uses its bounds only to check that a FILE's vtable
// pointer lies inside it (IO_validate_vtable); each vtable is its own object, reached
// through its own address.
bool IsGlibcVtableSection(std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_DATA_BOUNDARIES_H_
