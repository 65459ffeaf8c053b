// Argument conditions of a filter: a profile's argument values (profile/argument_values.h) as
// rules the formats can express. A rule is an AND of masked equalities on one call's
// arguments; a call is allowed when any of its rules holds. A profile keeps each argument's
// values on their own, so the rules are every combination: socket with domains {AF_INET,
// AF_UNIX} and types {SOCK_STREAM} gives two rules of two conditions each.
//
//   for (const ArgumentRule& rule : ArgumentRulesOf(SYS_socket, profile.args.at(SYS_socket)))
//     for (const ArgumentCondition& c : rule) ... (args[c.index] & c.mask) == c.value ...
#ifndef SYSFENCE_FILTER_ARGUMENT_RULES_H_
#define SYSFENCE_FILTER_ARGUMENT_RULES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "profile/argument_values.h"

namespace sysfence {

struct ArgumentCondition {
  uint8_t index = 0;  // argument register 0-5
  uint64_t mask = 0;  // the table's mask for the argument
  uint64_t value = 0;
  bool operator==(const ArgumentCondition&) const = default;
};
using ArgumentRule = std::vector<ArgumentCondition>;

// More combinations than this for one call and the filter checks none of its arguments (the
// call is allowed with any value): a filter must stay small, and a wider rule is still safe.
inline constexpr size_t kMaxArgumentRules = 256;

// How many rules `values` needs (the product of the set sizes).
size_t ArgumentRuleCount(const SyscallArgumentValues& values);

// The rules for `syscall`, in a fixed order; arguments the table does not list are skipped.
std::vector<ArgumentRule> ArgumentRulesOf(int syscall, const SyscallArgumentValues& values);

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_ARGUMENT_RULES_H_
