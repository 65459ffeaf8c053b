// Comparing two syscall sets: what both have, what only one has, overall and per category.
//
//   Comparison c = CompareSets(dynamic.syscalls, static_profile.syscalls);
//   c.only_a;   // seen by the tracer but not found statically: a soundness bug
#ifndef SYSFENCE_PROFILE_COMPARE_H_
#define SYSFENCE_PROFILE_COMPARE_H_

#include <array>

#include "profile/syscall_set.h"

namespace sysfence {

struct Comparison {
  SyscallSet a;
  SyscallSet b;
  SyscallSet both;
  SyscallSet only_a;
  SyscallSet only_b;
};

Comparison CompareSets(const SyscallSet& a, const SyscallSet& b);

// The part of `set` in one category.
SyscallSet InCategory(const SyscallSet& set, Category category);

// `count` as a percentage of `of` (0 when `of` is 0).
double Percent(int count, int of);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_COMPARE_H_
