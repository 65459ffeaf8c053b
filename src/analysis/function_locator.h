// Finds an internal function of a stripped library by what it does instead of its name, so
// the library-knowledge rules (library_knowledge.h) apply without a debug file: the one
// function that given exported functions call directly, that calls given exported functions
// directly, and that issues a given syscall. A locator that matches no function, or more than
// one, finds nothing, and the rule that needed it is left out (which is safe).
//
//   FunctionLocator l{.called_by = {"pthread_mutexattr_getprioceiling"},
//                     .calls = {"sched_get_priority_max"}};
//   uint32_t f = LocateFunction(elf, summary, l);   // kNoIndex unless exactly one matches
#ifndef SYSFENCE_ANALYSIS_FUNCTION_LOCATOR_H_
#define SYSFENCE_ANALYSIS_FUNCTION_LOCATOR_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis/object_summary.h"
#include "elf/elf_file.h"

namespace sysfence {

struct FunctionLocator {
  // Exported functions that each call it directly (a call or a tail call).
  std::vector<std::string_view> called_by = {};
  // Exported functions that each take its address (a handler they install).
  std::vector<std::string_view> taken_by = {};
  // Exported functions it calls directly, every one of them.
  std::vector<std::string_view> calls = {};
  // Exported functions it never calls directly.
  std::vector<std::string_view> never_calls = {};
  // A syscall (by name) one of its own sites issues with a constant number; "" for none.
  std::string_view issues = {};
  // The object's glibc release must be 2.N or later (its version banner says which).
  int min_glibc_minor = 0;

  bool empty() const {
    return called_by.empty() && taken_by.empty() && calls.empty() && issues.empty();
  }
};

// The function of `summary` (the summary of `elf`) that a symbol of this name (in .symtab,
// a debug file's symbols or .dynsym) starts, or in a Go program the function of that name in
// Go's own function table; kNoIndex when there is none.
uint32_t FindFunctionByName(const ElfFile& elf, const ObjectSummary& summary,
                            std::string_view name);
// Its last step: in a Go program, the function of that name in Go's own table; kNoIndex.
uint32_t FindGoFunctionByName(const ObjectSummary& summary, std::string_view name);

// The index of the one function of `summary` the locator describes; kNoIndex when none or
// several do.
uint32_t LocateFunction(const ElfFile& elf, const ObjectSummary& summary,
                        const FunctionLocator& locator);

// glibc's release (2.N gives N) from the banner libc.so.6 and ld.so carry ("... release
// version 2.36."); nullopt for objects without one.
std::optional<int> GlibcMinorVersion(const ElfFile& elf);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_FUNCTION_LOCATOR_H_
