// Set comparison (see compare.h).
#include "profile/compare.h"

namespace sysfence {

Comparison CompareSets(const SyscallSet& a, const SyscallSet& b) {
  return Comparison{.a = a, .b = b, .both = a & b, .only_a = a - b, .only_b = b - a};
}

SyscallSet InCategory(const SyscallSet& set, Category category) {
  SyscallSet result;
  for (int number : set) {
    if (SyscallCategory(number) == category) result.Insert(number);
  }
  return result;
}

double Percent(int count, int of) { return of == 0 ? 0.0 : 100.0 * count / of; }

}  // namespace sysfence
