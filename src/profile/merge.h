// Merging profiles over many runs: the union of the sets, with `runs` added up, per-syscall
// `seen_in_runs` (how many runs reached it) and summed `counts`. This is what tells a user
// which calls only rare inputs reach.
//
//   Result<Profile> merged = MergeProfiles({run1, run2, run3});
//   merged->seen_in_runs[*SyscallNumber("unlink")];   // e.g. 1 of 3
#ifndef SYSFENCE_PROFILE_MERGE_H_
#define SYSFENCE_PROFILE_MERGE_H_

#include <vector>

#include "base/result.h"
#include "profile/profile.h"

namespace sysfence {

// Fails when `profiles` is empty or mixes architectures. Phases with the same name are
// merged in the order they first appear. The result's kind is kMerged.
Result<Profile> MergeProfiles(const std::vector<Profile>& profiles);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_MERGE_H_
