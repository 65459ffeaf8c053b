// What a filter made from a profile allows, before it is put in any format: the profile (or
// one of its phases) reduced to sets and actions. Every exporter and the launcher start here,
// so `--phase`, `--action` and `--soft-action` mean the same thing everywhere.
//
//   FilterOptions options;
//   options.action = FilterAction::kKill;
//   options.phase = "working";
//   Result<FilterPolicy> policy = MakeFilterPolicy(profile, options);
//   Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
//
// Phased enforcement (`run --phased`) starts with the union of the profile's phases and
// narrows as their triggers fire: while a process is in phase k it may make the calls of
// phases k, k+1, ... (what only earlier phases needed is blocked). MakePhasedPolicy splits
// the calls so that the filter decides almost all of them alone and stays cacheable:
//   allowed  the last phase's calls: allowed in every phase, plain ALLOW;
//   traced   calls only earlier phases make, and the calls that can fire a trigger:
//            SECCOMP_RET_TRACE, decided by a supervisor that knows each process's phase
//            (phase_enforcer.h);
//   the rest the default action, in the BPF itself.
#ifndef SYSFENCE_FILTER_FILTER_POLICY_H_
#define SYSFENCE_FILTER_FILTER_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "filter/filter_action.h"
#include "filter/filter_builder.h"
#include "phases/phase_trigger.h"
#include "profile/profile.h"

namespace sysfence {

struct FilterOptions {
  FilterAction action = FilterAction::kErrno;     // for calls outside the profile
  FilterAction soft_action = FilterAction::kLog;  // for a hybrid profile's soft calls
  std::string phase;                              // "" = the whole profile
  // Argument rules from the profile's argument values (format version 2); false: the
  // syscall-level filter (`--no-args`).
  bool with_arguments = true;
};

struct FilterPolicy {
  std::string target;  // the profile's target, for comments in the outputs
  std::string phase;   // the phase chosen, or ""
  SyscallSet allowed;  // x86-64 calls allowed (with `arguments`' rules)
  // The allowed calls that are allowed only with these argument values (argument_rules.h
  // turns them into rules); every other allowed call takes any arguments. A call whose values
  // would need more than kMaxArgumentRules rules is left out (any arguments).
  ArgumentValues arguments;
  SyscallSet soft;                        // x86-64 calls given soft_action (disjoint from allowed)
  SyscallSet traced;                      // x86-64 calls sent to a supervisor (phased runs)
  std::vector<std::string> i386_allowed;  // i386 names allowed through `int 0x80`
  FilterAction default_action = FilterAction::kErrno;
  FilterAction soft_action = FilterAction::kLog;
};

// Fails when options.phase names no phase of the profile (the message lists the phases).
// With a phase, the allowed set and its argument values are that phase's; the profile's soft
// calls stay soft in every phase (static analysis does not know phases), and its i386 calls
// stay allowed (traces do not record them per phase).
Result<FilterPolicy> MakeFilterPolicy(const Profile& profile, const FilterOptions& options);

struct PhasedPolicy {
  FilterPolicy filter;                   // allowed, traced, soft and default as described above
  std::vector<std::string> names;        // the phases, in order
  std::vector<PhaseSpec> specs;          // specs[k] enters phase k + 1
  std::vector<SyscallSet> allowed_from;  // [k]: what a process in phase k may call
};

// The filter is loaded once, before the first phase, so its argument rules are the whole
// profile's (every phase's values); only the set of calls narrows from phase to phase.
// Fails when the profile has fewer than two phases, or a phase's trigger cannot be read or
// cannot be seen by a supervisor (`mark`, which only `sysfence trace` hears).
Result<PhasedPolicy> MakePhasedPolicy(const Profile& profile, const FilterOptions& options);

// The BPF program and pseudo-code for `policy`; with a marker, execve, write and exit_group
// carrying it are allowed too (the launcher's own calls).
Result<CompiledFilter> CompileFilterPolicy(const FilterPolicy& policy,
                                           const std::optional<CallMarker>& marker = {});

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_FILTER_POLICY_H_
