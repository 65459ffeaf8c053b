// From a profile to the sets and actions of a filter (see filter_policy.h).
#include "filter/filter_policy.h"

#include <sys/syscall.h>

#include <algorithm>

namespace sysfence {

Result<FilterPolicy> MakeFilterPolicy(const Profile& profile, const FilterOptions& options) {
  if (options.action == FilterAction::kAllow || options.soft_action == FilterAction::kAllow) {
    return MakeError("a filter's default and soft actions cannot be 'allow'");
  }
  FilterPolicy policy;
  policy.target = profile.target;
  policy.phase = options.phase;
  policy.default_action = options.action;
  policy.soft_action = options.soft_action;
  SyscallSet chosen = profile.syscalls;
  if (!options.phase.empty()) {
    auto it = std::find_if(profile.phases.begin(), profile.phases.end(),
                           [&](const Phase& p) { return p.name == options.phase; });
    if (it == profile.phases.end()) {
      std::string known;
      for (const Phase& p : profile.phases) known += (known.empty() ? "" : ", ") + p.name;
      return MakeError("phase '{}' is not in the profile ({})", options.phase,
                       known.empty() ? "it has no phases" : "it has: " + known);
    }
    chosen = it->syscalls;
  }
  // Calls a phase itself was seen making are allowed outright in that phase.
  policy.allowed = options.phase.empty() ? chosen - profile.soft_syscalls : chosen;
  policy.soft = profile.soft_syscalls - policy.allowed;
  for (const auto& [name, count] : profile.compat_i386) policy.i386_allowed.push_back(name);
  return policy;
}

Result<CompiledFilter> CompileFilterPolicy(const FilterPolicy& policy,
                                           const std::optional<CallMarker>& marker) {
  FilterBuilder builder(policy.default_action);
  builder.Allow(policy.allowed).SetAction(policy.soft, policy.soft_action);
  for (const std::string& name : policy.i386_allowed) builder.AllowI386(name);
  if (marker) {
    for (int number : {SYS_execve, SYS_write, SYS_exit_group}) {
      builder.AllowWithMarker(number, *marker);
    }
  }
  return builder.Build();
}

}  // namespace sysfence
