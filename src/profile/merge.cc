// Union of profiles over runs (see merge.h).
#include "profile/merge.h"

#include <algorithm>

namespace sysfence {
namespace {

void MergeLocations(std::vector<CodeLocation>& into, const std::vector<CodeLocation>& from) {
  for (const CodeLocation& location : from) {
    if (std::find(into.begin(), into.end(), location) == into.end()) into.push_back(location);
  }
}

}  // namespace

Result<Profile> MergeProfiles(const std::vector<Profile>& profiles) {
  if (profiles.empty()) return MakeError("nothing to merge");
  Profile merged;
  merged.kind = ProfileKind::kMerged;
  merged.arch = profiles.front().arch;
  merged.target = profiles.front().target;
  merged.runs = 0;
  for (const Profile& p : profiles) {
    if (p.arch != merged.arch) {
      return MakeError("cannot merge profiles of {} and {}", merged.arch, p.arch);
    }
    if (p.target != merged.target) merged.target = "(several)";
    merged.runs += p.runs;
    merged.args = UnionArguments(merged.args, merged.syscalls, p.args, p.syscalls);
    for (const auto& [path, set] : p.images) {
      auto before = merged.images.find(path);
      SyscallSet merged_calls = before == merged.images.end() ? SyscallSet() : before->second;
      auto own = p.image_args.find(path);
      auto have = merged.image_args.find(path);
      ArgumentValues joined = UnionArguments(
          have == merged.image_args.end() ? ArgumentValues() : have->second, merged_calls,
          own == p.image_args.end() ? ArgumentValues() : own->second, set);
      if (joined.empty()) {
        merged.image_args.erase(path);
      } else {
        merged.image_args[path] = std::move(joined);
      }
    }
    merged.syscalls |= p.syscalls;
    merged.soft_syscalls |= p.soft_syscalls;
    for (const auto& [number, count] : p.counts) merged.counts[number] += count;
    // A profile without seen_in_runs (a static one, or hand-written) saw each call in each run.
    if (p.seen_in_runs.empty()) {
      for (int number : p.syscalls) merged.seen_in_runs[number] += p.runs;
    } else {
      for (const auto& [number, n] : p.seen_in_runs) merged.seen_in_runs[number] += n;
    }
    for (const auto& [path, set] : p.images) merged.images[path] |= set;
    for (const Phase& phase : p.phases) {
      auto it = std::find_if(merged.phases.begin(), merged.phases.end(),
                             [&](const Phase& m) { return m.name == phase.name; });
      if (it == merged.phases.end()) {
        merged.phases.push_back(phase);
      } else {
        it->args = UnionArguments(it->args, it->syscalls, phase.args, phase.syscalls);
        it->syscalls |= phase.syscalls;
        for (const auto& [number, count] : phase.counts) it->counts[number] += count;
        for (const auto& [path, set] : phase.images) it->images[path] |= set;
        if (it->trigger.empty()) it->trigger = phase.trigger;
      }
    }
    for (const auto& [name, count] : p.compat_i386) merged.compat_i386[name] += count;
    merged.unresolved.insert(merged.unresolved.end(), p.unresolved.begin(), p.unresolved.end());
    for (const auto& [number, sites] : p.evidence) MergeLocations(merged.evidence[number], sites);
    merged.added_objects.insert(merged.added_objects.end(), p.added_objects.begin(),
                                p.added_objects.end());
    for (const auto& [path, offsets] : p.sites) {
      for (const auto& [offset, calls] : offsets) merged.sites[path][offset] |= calls;
    }
    merged.incomplete = merged.incomplete || p.incomplete;
  }
  for (auto& [number, n] : merged.seen_in_runs) n = std::min(n, merged.runs);
  return merged;
}

Result<Profile> MakeHybridProfile(const Profile& static_profile, const Profile& dynamic_profile) {
  if (static_profile.kind == ProfileKind::kDynamic) {
    return MakeError("the static profile given is a dynamic one (static first, then dynamic)");
  }
  if (dynamic_profile.kind == ProfileKind::kStatic) {
    return MakeError("the dynamic profile given is a static one (static first, then dynamic)");
  }
  if (static_profile.arch != dynamic_profile.arch) {
    return MakeError("cannot combine profiles of {} and {}", static_profile.arch,
                     dynamic_profile.arch);
  }
  Profile hybrid = dynamic_profile;
  hybrid.kind = ProfileKind::kHybrid;
  if (hybrid.target.empty()) hybrid.target = static_profile.target;
  hybrid.args = UnionArguments(static_profile.args, static_profile.syscalls, dynamic_profile.args,
                               dynamic_profile.syscalls);
  hybrid.syscalls = static_profile.syscalls | dynamic_profile.syscalls;
  hybrid.soft_syscalls = static_profile.syscalls - dynamic_profile.syscalls;
  for (const auto& [name, count] : static_profile.compat_i386) hybrid.compat_i386[name] += count;
  hybrid.unresolved = static_profile.unresolved;
  hybrid.evidence = static_profile.evidence;
  hybrid.added_objects = static_profile.added_objects;
  hybrid.script = static_profile.script;
  return hybrid;
}

}  // namespace sysfence
