// What a seccomp filter does with a system call: the actions users choose with --action and
// --soft-action, and their kernel return values (SECCOMP_RET_*), which libseccomp's SCMP_ACT_*
// values equal.
//
//   Result<FilterAction> action = ParseFilterAction("kill");   // FilterAction::kKill
//   uint32_t ret = SeccompReturnValue(*action);               // SECCOMP_RET_KILL_PROCESS
#ifndef SYSFENCE_FILTER_FILTER_ACTION_H_
#define SYSFENCE_FILTER_FILTER_ACTION_H_

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace sysfence {

enum class FilterAction {
  kAllow,
  kErrno,  // fail with EPERM
  kKill,   // kill the whole process (SIGSYS)
  kLog,    // allow, and have the kernel log it
  kTrap,   // deliver SIGSYS to the thread
  kTrace,  // stop for a ptrace supervisor (sysfence run's learning mode); not user-selectable
};

// The errno that kErrno returns.
inline constexpr int kFilterErrno = 1;  // EPERM

// "errno" | "kill" | "log" | "trap": the --action values.
Result<FilterAction> ParseFilterAction(std::string_view name);
// "log" | "errno": the --soft-action values.
Result<FilterAction> ParseSoftAction(std::string_view name);
std::string_view FilterActionName(FilterAction action);

// The value the filter returns (SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM, ...).
uint32_t SeccompReturnValue(FilterAction action);
// libseccomp's name, as OCI and Docker profiles spell it ("SCMP_ACT_KILL_PROCESS").
std::string_view OciActionName(FilterAction action);
// The action of a minijail policy line ("1", "return 1", "kill-process").
std::string_view MinijailActionName(FilterAction action);
// True when the kernel runs the call (allow, log, and trace once the supervisor resumes it).
bool ActionLetsCallRun(FilterAction action);

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_FILTER_ACTION_H_
