// Compiles an allow-list into a seccomp BPF program with libseccomp, for x86-64 processes:
//   - x86-64 calls: the allowed numbers run, numbers with their own action (a hybrid
//     profile's soft calls) get it, everything else gets the default action. Numbers outside
//     the syscall table (syscall_600) are matched by number like any other;
//   - i386 calls (`int 0x80`): only the allowed i386 names run, the rest get the default;
//   - x32 calls (x86-64 numbers with bit 30 set): always the default action;
//   - any other architecture value: kill (the x86-64 kernel never produces one).
//   - x86-64 calls with argument rules: allowed when a rule holds, the default action otherwise.
// The dispatch is libseccomp's binary tree (SCMP_FLTATR_CTL_OPTIMIZE = 2), so a call costs
// O(log n) comparisons instead of one per allowed syscall, and it reads only `arch` and `nr`
// for calls without argument rules, which keeps them in the kernel's action cache (calls with
// argument rules run the filter every time).
//
//   FilterBuilder builder(FilterAction::kErrno);
//   builder.Allow(profile.syscalls).AllowI386("socketcall").SetAction(soft, FilterAction::kLog);
//   Result<CompiledFilter> filter = builder.Build();   // the first error, if any, comes here
//   filter->program;       // struct sock_filter[], ready for seccomp(SECCOMP_SET_MODE_FILTER)
//   filter->pseudo_code;   // libseccomp's PFC text
#ifndef SYSFENCE_FILTER_FILTER_BUILDER_H_
#define SYSFENCE_FILTER_FILTER_BUILDER_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "filter/argument_rules.h"
#include "filter/filter_action.h"
#include "profile/syscall_set.h"
#include "seccomp/bpf_program.h"

namespace sysfence {

// Values the launcher passes in the argument registers a call does not use (args[3..5] of
// execve, write and exit_group), so the filter can let exactly the launcher's own calls
// through; see launcher.h for why this is safe.
struct CallMarker {
  std::array<uint64_t, 3> values{};
  bool operator==(const CallMarker&) const = default;
};

// A number no filter allows (far above the syscall table, below the x32 bit), so it always
// gets the default action. The supervisor of `sysfence run --phased` (enforce/) denies a call
// by renumbering it to this.
inline constexpr int kDeniedCallNumber = 0x3fff0000;

struct CompiledFilter {
  BpfProgram program;
  std::string pseudo_code;
};

class FilterBuilder {
 public:
  explicit FilterBuilder(FilterAction default_action) : default_action_(default_action) {}

  // x86-64 numbers (0 <= number < kSyscallNumberLimit) allowed outright.
  FilterBuilder& Allow(int number);
  FilterBuilder& Allow(const SyscallSet& set);
  // Gives x86-64 calls their own action (e.g. log for a hybrid profile's soft calls). A number
  // given two different actions is an error.
  FilterBuilder& SetAction(const SyscallSet& set, FilterAction action);
  // An i386 call, by its i386 name, allowed when made through `int 0x80`.
  FilterBuilder& AllowI386(std::string_view name);
  // Allows x86-64 `number` only when one of `rules` holds (argument_rules.h): each rule is an
  // AND of masked equalities. No rules: the call gets the default action.
  FilterBuilder& AllowWhen(int number, std::vector<ArgumentRule> rules);
  // Allows `number` when args[3..5] hold `marker` (for the launcher's execve and its
  // error-reporting write and exit_group).
  FilterBuilder& AllowWithMarker(int number, const CallMarker& marker);

  // Compiles everything added; returns the first error any call above recorded.
  Result<CompiledFilter> Build() const;

 private:
  void Fail(Error error);

  FilterAction default_action_;
  std::map<int, FilterAction> native_;  // x86-64 number -> action
  std::vector<int> i386_;               // i386 numbers allowed
  std::vector<std::pair<int, CallMarker>> marked_;
  std::map<int, std::vector<ArgumentRule>> conditional_;
  std::optional<Error> first_error_;
};

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_FILTER_BUILDER_H_
