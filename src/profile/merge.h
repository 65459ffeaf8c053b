// Merging profiles over many runs: the union of the sets, with `runs` added up, per-syscall
// `seen_in_runs` (how many runs reached it) and summed `counts`. This is what tells a user
// which calls only rare inputs reach.
//
//   Result<Profile> merged = MergeProfiles({run1, run2, run3});
//   merged->seen_in_runs[*SyscallNumber("unlink")];   // e.g. 1 of 3
//
// A hybrid profile (static analysis as the outer bound, traces as the calls known to be
// needed) allows the union and marks what only static analysis found as soft, so a filter can
// give those calls a softer action and a rare path degrades instead of being killed:
//
//   Result<Profile> hybrid = MakeHybridProfile(static_profile, dynamic_profile);
//   hybrid->soft_syscalls;   // static minus dynamic
#ifndef SYSFENCE_PROFILE_MERGE_H_
#define SYSFENCE_PROFILE_MERGE_H_

#include <vector>

#include "base/result.h"
#include "profile/profile.h"

namespace sysfence {

// Fails when `profiles` is empty or mixes architectures. Phases with the same name are
// merged in the order they first appear. The result's kind is kMerged.
Result<Profile> MergeProfiles(const std::vector<Profile>& profiles);

// Kind kHybrid: syscalls = both sets, soft_syscalls = what only `static_profile` holds.
// Runs, counts, seen_in_runs, images and phases come from the traces; evidence, unresolved
// sites and added objects from static analysis. Fails when the arguments are the wrong way
// round (a dynamic profile given as the static one or the other way) or the arches differ.
Result<Profile> MakeHybridProfile(const Profile& static_profile, const Profile& dynamic_profile);

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_MERGE_H_
