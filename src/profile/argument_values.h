// Argument values in profiles (format version 2): for the syscalls of the argument table
// (syscalls/argument_table.h), per argument, the masked values a program was seen to pass
// (dynamic) or can pass (static). Absence means "any value": a syscall of the profile with no
// entry, or an argument with no entry, is not constrained. So version 1 profiles (no
// arguments at all) mean "any" everywhere, and a static analysis that cannot tell an
// argument's value leaves it out.
//
//   ArgumentValues args;
//   RecordArguments(args, *SyscallNumber("socket"), {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0,
//                                                    0, 0, 0});
//   // args[41] == {{0, {2}}, {1, {1}}}: domain AF_INET, type SOCK_STREAM
//   ArgumentValues both = UnionArguments(a, a_calls, b, b_calls);
#ifndef SYSFENCE_PROFILE_ARGUMENT_VALUES_H_
#define SYSFENCE_PROFILE_ARGUMENT_VALUES_H_

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "profile/syscall_set.h"

namespace sysfence {

// Argument index (0-5) -> masked values; an argument not in the map takes any value.
using SyscallArgumentValues = std::map<uint8_t, std::set<uint64_t>>;
// Syscall number -> its arguments; a syscall not in the map takes any arguments.
using ArgumentValues = std::map<int, SyscallArgumentValues>;

// Adds one call's arguments: every argument the table lists for `syscall`, masked.
void RecordArguments(ArgumentValues& into, int syscall, const std::array<uint64_t, 6>& args);

// Adds every value of `from` to `into`: the plain union, for values of one recording, where
// every call of a table syscall left its values (UnionArguments is for whole profiles, which
// may say nothing of a call's arguments).
void JoinArguments(ArgumentValues& into, const ArgumentValues& from);

// The union of two profiles' arguments, `a` covering the calls in `a_calls` and `b` those in
// `b_calls`: a syscall both have is constrained only where both constrain it.
ArgumentValues UnionArguments(const ArgumentValues& a, const SyscallSet& a_calls,
                              const ArgumentValues& b, const SyscallSet& b_calls);

// Values `inner` allows that `outer` does not, for the syscalls both profiles have: what a
// traced run passed that a static set lacks. `any` when `inner` takes any value there and
// `outer` does not.
struct ArgumentGap {
  int syscall = 0;
  uint8_t index = 0;
  std::vector<uint64_t> values;
  bool any = false;
};
std::vector<ArgumentGap> ArgumentsNotCovered(const ArgumentValues& outer,
                                             const ArgumentValues& inner, const SyscallSet& both);

// Keeps only the syscalls of `calls` (a profile's arguments must not name other calls).
void RestrictArguments(ArgumentValues& args, const SyscallSet& calls);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_ARGUMENT_VALUES_H_
