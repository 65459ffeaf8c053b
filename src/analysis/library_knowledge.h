// What the analysis knows about libraries beyond their code: glibc functions that can only
// run once another function has run, or only in a mode of the loader a normal run never
// enters (each rule names its function by symbol, which a debug file provides, and says how
// to locate it in a stripped library by its calls and syscalls (function_locator.h); when
// neither finds it the code stays reachable, which is safe); and syscall numbers a library
// loads from memory that its source pins down.
//
//   for (const GuardRule& rule : GuardRules()) ...;
#ifndef SYSFENCE_ANALYSIS_LIBRARY_KNOWLEDGE_H_
#define SYSFENCE_ANALYSIS_LIBRARY_KNOWLEDGE_H_

#include <span>
#include <string_view>
#include <vector>

#include "analysis/function_locator.h"
#include "analysis/object_index.h"

namespace sysfence {

// A function of a rule's object: by its symbol name when the object's symbols have it, by
// the locator otherwise.
struct RuleFunction {
  std::string_view name;  // "" when only the locator finds it
  FunctionLocator locator = {};
};

// Whether an object with this soname is part of glibc (libc, libm, the loader, ...), whose
// IFUNC resolvers only return the implementation they pick.
bool IsGlibcObject(std::string_view soname);

// The function `function` names in an object (by name, else by its locator); kNoIndex.
uint32_t FindRuleFunctionIn(const ObjectIndex& object, const RuleFunction& function);

// glibc's set*id broadcast (see number_resolver.cc): __nptl_setxid, which the set*id
// functions call in a multi-threaded process, and the signal handler pthread_create
// installs for it.
std::span<const RuleFunction> SetxidBroadcastFunctions();

struct GuardRule {
  std::string_view soname;                 // the object holding both functions
  RuleFunction function;                   // runs only when enabled
  std::vector<std::string_view> enablers;  // reaching any of these enables it
  bool loader_debug = false;               // enabled only by --loader-debug-features
  std::string_view reason;
};

std::span<const GuardRule> GuardRules();

// Syscalls a function issues inline only on a path that needs an attribute some API sets:
// the sites of `function` lose `syscalls` unless one of `enablers` is reachable.
struct SiteRule {
  std::string_view soname;
  RuleFunction function;
  std::vector<std::string_view> syscalls;
  std::vector<std::string_view> enablers;
  std::string_view reason;
  // Callers of an enabler that do not enable (they only copy an attribute that was set,
  // if at all, by a call that counts).
  std::vector<RuleFunction> transparent_callers = {};
};

std::span<const SiteRule> SiteRules();

// A library that passes a syscall number it loaded from memory, where its source says which
// numbers can be there: a call from an object named `caller_soname` to the function named
// `callee` (bound by symbol, so no debug file is needed) whose number is not known
// statically passes one of `syscalls`.
struct NumberRule {
  std::string_view caller_soname;
  std::string_view callee;
  std::vector<std::string_view> syscalls;
  std::string_view reason;
};

std::span<const NumberRule> NumberRules();

// An argument a library function computes where its source pins the values down: the sites
// of `function` (in an object named `soname`, found by symbol, so no debug file is needed)
// that issue only `syscall` and whose argument `index` is not known at the site pass one of
// `values`.
struct ArgumentValueRule {
  std::string_view soname;
  std::string_view function;
  std::string_view syscall;
  uint8_t index = 0;
  std::vector<uint64_t> values;
  std::string_view reason;
};

std::span<const ArgumentValueRule> ArgumentValueRules();

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_LIBRARY_KNOWLEDGE_H_
