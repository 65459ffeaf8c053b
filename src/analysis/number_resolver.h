// Syscall numbers of the reached syscall sites. A site whose number the register data flow
// found as a constant is done; a site whose number is an argument of its own function (a
// wrapper: libc's syscall() takes it in %rdi, glibc's internal helpers in others, and other
// libraries have their own) is resolved at the wrapper's call sites, through any chain of
// wrappers, across objects. A site is unresolved when some path gives a number nothing
// determines: computed or loaded from memory, or passed by a caller that does not know it,
// or entering through a function pointer or from outside the program. The values of the
// argument table's arguments at each site are resolved the same way, afterwards.
//
//   std::vector<ResolvedSite> sites = ResolveSyscallSites(program, reach);
//   for (const ResolvedSite& s : sites) profile.syscalls |= s.numbers;
//   ResolveSiteArguments(program, reach, sites);
//   profile.args = SiteArgumentValues(sites);
#ifndef SYSFENCE_ANALYSIS_NUMBER_RESOLVER_H_
#define SYSFENCE_ANALYSIS_NUMBER_RESOLVER_H_

#include <string>
#include <vector>

#include "analysis/linked_program.h"
#include "analysis/reachability.h"
#include "profile/argument_values.h"
#include "profile/syscall_set.h"
#include "syscalls/argument_table.h"

namespace sysfence {

// The values a site passes in one argument register, found the way its number is: constants
// at the site, or an argument of its function, resolved at the callers through any chain of
// wrappers.
struct SiteArgument {
  uint8_t index = 0;             // the syscall's argument, 0-3 (kSiteArgumentRegisters)
  std::vector<uint64_t> values;  // as passed, not masked; sorted
  bool any = false;              // some path passes a value not known statically
  std::string reason;            // why, when any; the rule's reason, when from_rule
  bool from_rule = false;        // the values are a library rule's (library_knowledge.h)
};

struct ResolvedSite {
  FunctionRef function;
  uint64_t address = 0;
  SiteKind kind = SiteKind::kSyscall;
  SyscallSet numbers;                  // x86-64 numbers, or i386 numbers for int 0x80 / sysenter
  bool unresolved = false;             // some path gives a number the analysis cannot determine
  std::string reason;                  // why, when unresolved
  std::vector<uint64_t> out_of_range;  // constants that are no syscall number (-1, x32, ...)
  // After ResolveSiteArguments: the arguments the argument table lists for the site's
  // numbers (for every syscall of the table when its number is unresolved), by index.
  std::vector<SiteArgument> arguments;
};

// Resolves every syscall site in every reached function.
std::vector<ResolvedSite> ResolveSyscallSites(LinkedProgram& program, const Reachability& reach);

// Fills `arguments` of the x86-64 sites (call it once their numbers are final).
void ResolveSiteArguments(const LinkedProgram& program, const Reachability& reach,
                          std::vector<ResolvedSite>& sites);

// The argument values of a profile made of `sites` (profile/argument_values.h): for each
// syscall of the table the sites issue, the masked values of each argument, left out ("any")
// where some site's value is not known statically.
ArgumentValues SiteArgumentValues(const std::vector<ResolvedSite>& sites);

// One call on the way of a syscall number from the caller that passes it as a constant to a
// site whose number is a parameter.
struct NumberHop {
  FunctionRef caller;
  uint64_t call = 0;  // the call's address in `caller`
  FunctionRef callee;
  int reg = 0;  // where the callee receives it (a register, or kStackArgument0)
};

// The calls through which `number` reaches `site`, from the caller passing the constant
// (first) to the call into the site's own function (last); empty when the site sets the
// number itself or no chain of reached calls passes it (a library rule supplied it).
std::vector<NumberHop> TraceSyscallNumber(const LinkedProgram& program, const Reachability& reach,
                                          const ResolvedSite& site, int number);

// The same for a masked argument value of the table (`spec`) at the site.
std::vector<NumberHop> TraceArgumentValue(const LinkedProgram& program, const Reachability& reach,
                                          const ResolvedSite& site, const ArgumentSpec& spec,
                                          uint64_t value);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_NUMBER_RESOLVER_H_
