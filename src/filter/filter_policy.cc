// From a profile to the sets and actions of a filter (see filter_policy.h).
#include "filter/filter_policy.h"

#include <sys/syscall.h>

#include <algorithm>

#include "filter/argument_rules.h"

namespace sysfence {

namespace {

Status CheckActions(const FilterOptions& options) {
  if (options.action == FilterAction::kAllow || options.soft_action == FilterAction::kAllow) {
    return MakeError("a filter's default and soft actions cannot be 'allow'");
  }
  return Ok{};
}

// The argument values of `args` for the calls of `allowed`, without those that would need
// too many rules.
ArgumentValues ArgumentsFor(const ArgumentValues& args, const SyscallSet& allowed) {
  ArgumentValues out;
  for (const auto& [number, values] : args) {
    if (!allowed.Contains(number) || values.empty()) continue;
    if (ArgumentRuleCount(values) > kMaxArgumentRules) continue;
    out[number] = values;
  }
  return out;
}

}  // namespace

Result<FilterPolicy> MakeFilterPolicy(const Profile& profile, const FilterOptions& options) {
  if (Status ok = CheckActions(options); !ok.ok()) return ok.error();
  FilterPolicy policy;
  policy.target = profile.target;
  policy.phase = options.phase;
  policy.default_action = options.action;
  policy.soft_action = options.soft_action;
  SyscallSet chosen = profile.syscalls;
  const ArgumentValues* chosen_args = &profile.args;
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
    chosen_args = &it->args;
  }
  // Calls a phase itself was seen making are allowed outright in that phase.
  policy.allowed = options.phase.empty() ? chosen - profile.soft_syscalls : chosen;
  policy.soft = profile.soft_syscalls - policy.allowed;
  if (options.with_arguments) policy.arguments = ArgumentsFor(*chosen_args, policy.allowed);
  for (const auto& [name, count] : profile.compat_i386) policy.i386_allowed.push_back(name);
  return policy;
}

Result<PhasedPolicy> MakePhasedPolicy(const Profile& profile, const FilterOptions& options) {
  if (Status ok = CheckActions(options); !ok.ok()) return ok.error();
  if (options.action == FilterAction::kLog || options.action == FilterAction::kTrace) {
    return MakeError("phased enforcement needs a blocking --action (errno, kill or trap)");
  }
  if (profile.phases.size() < 2) {
    return MakeError("the profile has no phases to enforce (trace with --phase NAME=TRIGGER)");
  }
  PhasedPolicy phased;
  size_t count = profile.phases.size();
  phased.allowed_from.resize(count);
  SyscallSet later;  // the calls of phases k..count-1, built from the back
  for (size_t k = count; k-- > 0;) {
    later = later | profile.phases[k].syscalls;
    phased.allowed_from[k] = later;
  }
  SyscallSet triggers;
  for (size_t k = 0; k < count; ++k) {
    const Phase& phase = profile.phases[k];
    phased.names.push_back(phase.name);
    if (k == 0) continue;
    Result<PhaseSpec> spec = ParsePhaseSpec(phase.name + "=" + phase.trigger);
    if (!spec.ok()) {
      return MakeError("phase '{}': {}", phase.name,
                       phase.trigger.empty() ? "no trigger recorded" : spec.error().message());
    }
    if (spec->trigger.kind == TriggerKind::kMark) {
      return MakeError(
          "phase '{}' is entered by `sysfence mark`, which a phased run cannot "
          "hear; trace it with a trigger instead",
          phase.name);
    }
    for (int number : TriggerCallNumbers(spec->trigger)) triggers.Insert(number);
    phased.specs.push_back(std::move(*spec));
  }
  FilterPolicy& policy = phased.filter;
  policy.target = profile.target;
  policy.default_action = options.action;
  policy.soft_action = options.soft_action;
  const SyscallSet& everything = phased.allowed_from.front();
  policy.traced = (everything - profile.phases.back().syscalls) | triggers;
  policy.allowed = profile.phases.back().syscalls - policy.traced;
  policy.soft = profile.soft_syscalls - everything - triggers;
  if (options.with_arguments) policy.arguments = ArgumentsFor(profile.args, policy.allowed);
  for (const auto& [name, count_i386] : profile.compat_i386) policy.i386_allowed.push_back(name);
  return phased;
}

Result<CompiledFilter> CompileFilterPolicy(const FilterPolicy& policy,
                                           const std::optional<CallMarker>& marker) {
  FilterBuilder builder(policy.default_action);
  SyscallSet conditional;
  for (const auto& [number, values] : policy.arguments) {
    conditional.Insert(number);
    builder.AllowWhen(number, ArgumentRulesOf(number, values));
  }
  builder.Allow(policy.allowed - conditional)
      .SetAction(policy.soft, policy.soft_action)
      .SetAction(policy.traced, FilterAction::kTrace);
  for (const std::string& name : policy.i386_allowed) builder.AllowI386(name);
  if (marker) {
    for (int number : {SYS_execve, SYS_write, SYS_exit_group}) {
      builder.AllowWithMarker(number, *marker);
    }
  }
  return builder.Build();
}

}  // namespace sysfence
