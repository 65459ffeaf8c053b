// Comparing two profiles of the same workload made by different sources (strace -f, -ff and
// decorated logs, `sysfence trace`): same syscalls, same per-image sets, same counts, same
// argument values, with a readable list of every difference when they are not.
//
//   NamedProfile a{"strace -f", json_a}, b{"strace -ff", json_b};
//   EXPECT_TRUE(SameSyscallsImagesAndCounts(a, b));
#ifndef SYSFENCE_TESTS_PROFILE_MATCH_H_
#define SYSFENCE_TESTS_PROFILE_MATCH_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace sysfence::testing {

struct NamedProfile {
  std::string source;  // how it was made, for the failure message
  nlohmann::json profile;
};

struct MatchOptions {
  // Syscalls whose counts may differ between runs for a reason outside the workload (e.g.
  // rt_sigreturn: two SIGCHLDs may merge into one delivery). Their presence must still match.
  std::set<std::string> counts_may_differ;
};

::testing::AssertionResult SameSyscallsImagesAndCounts(const NamedProfile& a, const NamedProfile& b,
                                                       const MatchOptions& options = {});

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_PROFILE_MATCH_H_
