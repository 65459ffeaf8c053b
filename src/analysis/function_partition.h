// Splits an object's executable sections into functions. .eh_frame FDEs and the functions of
// Go's function table (go_pclntab.h) are trusted first (they survive stripping and cover jump
// tables and cold parts exactly); symbols and known entry points split the code neither
// covers; PLT sections are cut into their fixed-size stubs.
// Every executable byte belongs to exactly one function, so any address a program can jump to
// has a function, and a function is analysed (and later reached) as a whole.
//
//   std::vector<FunctionSummary> functions =
//       PartitionFunctions(elf, fde_ranges, extra_starts, strings, go_functions);
#ifndef SYSFENCE_ANALYSIS_FUNCTION_PARTITION_H_
#define SYSFENCE_ANALYSIS_FUNCTION_PARTITION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/object_summary.h"
#include "elf/eh_frame.h"
#include "elf/elf_file.h"
#include "elf/go_pclntab.h"

namespace sysfence {

// `extra_starts`: addresses known to start code (entry point, init functions, relocation
// targets). Function names are appended to `strings` (NUL-separated) and referenced by index.
// Go functions are flagged kFunctionFromFde | kFunctionGo and named after Go's table.
std::vector<FunctionSummary> PartitionFunctions(const ElfFile& elf,
                                                const std::vector<FdeRange>& fde_ranges,
                                                const std::vector<uint64_t>& extra_starts,
                                                std::string& strings,
                                                const std::vector<GoFunction>& go_functions = {});

// True for the sections that hold PLT stubs (.plt, .plt.got, .plt.sec, .iplt).
bool IsPltSection(std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_FUNCTION_PARTITION_H_
