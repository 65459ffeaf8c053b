// Shared by the filter tests: the oracle that says what a filter must return
// for a call under a policy, and a check that runs a BPF program for every x86-64 number
// 0..1023, every i386 number, every x32 number and a few edge values, comparing each verdict
// with the oracle in the user-space evaluator.
//
//   ExpectProgramMatchesPolicy(policy, compiled.program);
#ifndef SYSFENCE_FILTER_FILTER_TEST_UTIL_H_
#define SYSFENCE_FILTER_FILTER_TEST_UTIL_H_

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "filter/filter_policy.h"

namespace sysfence::testing {

// What `policy` says the filter returns for a call (arch is an AUDIT_ARCH_* value) with
// these arguments (which matter only to calls with argument rules).
uint32_t ExpectedVerdict(const FilterPolicy& policy, uint32_t arch, uint32_t nr,
                         const std::array<uint64_t, 6>& args = {});

// (arch, nr) pairs: x86-64 0..1023, x32 0..1023, i386 0..1023, edge numbers, foreign arches.
std::vector<std::pair<uint32_t, uint32_t>> AllCallsToCheck();

// Adds a gtest failure (at most a few) for each call whose verdict differs from the oracle,
// and for each plain call whose evaluation read arguments (which would keep it out of the
// kernel's action cache). Calls with argument rules are also run with each rule's values,
// with the bits outside the masks set, and with each masked bit flipped.
void ExpectProgramMatchesPolicy(const FilterPolicy& policy, std::span<const sock_filter> program);

}  // namespace sysfence::testing

#endif  // SYSFENCE_FILTER_FILTER_TEST_UTIL_H_
