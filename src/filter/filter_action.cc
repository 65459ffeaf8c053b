// Names and kernel values of filter actions (see filter_action.h).
#include "filter/filter_action.h"

#include <linux/seccomp.h>

namespace sysfence {

Result<FilterAction> ParseFilterAction(std::string_view name) {
  if (name == "errno") return FilterAction::kErrno;
  if (name == "kill") return FilterAction::kKill;
  if (name == "log") return FilterAction::kLog;
  if (name == "trap") return FilterAction::kTrap;
  return MakeError("unknown action '{}' (expected errno, kill, log or trap)", name);
}

Result<FilterAction> ParseSoftAction(std::string_view name) {
  if (name == "log") return FilterAction::kLog;
  if (name == "errno") return FilterAction::kErrno;
  return MakeError("unknown soft action '{}' (expected log or errno)", name);
}

namespace {

// Every spelling of an action, in one place: sysfence's own name, the kernel's return value,
// libseccomp's name in OCI/Docker profiles, and the minijail policy action.
struct ActionSpelling {
  FilterAction action;
  std::string_view name;
  uint32_t seccomp_return;
  std::string_view oci;
  std::string_view minijail;
};

constexpr ActionSpelling kSpellings[] = {
    {FilterAction::kAllow, "allow", SECCOMP_RET_ALLOW, "SCMP_ACT_ALLOW", "1"},
    {FilterAction::kErrno, "errno", SECCOMP_RET_ERRNO | kFilterErrno, "SCMP_ACT_ERRNO", "return 1"},
    {FilterAction::kKill, "kill", SECCOMP_RET_KILL_PROCESS, "SCMP_ACT_KILL_PROCESS",
     "kill-process"},
    {FilterAction::kLog, "log", SECCOMP_RET_LOG, "SCMP_ACT_LOG", "log"},
    {FilterAction::kTrap, "trap", SECCOMP_RET_TRAP, "SCMP_ACT_TRAP", "trap"},
    {FilterAction::kTrace, "trace", SECCOMP_RET_TRACE, "SCMP_ACT_TRACE", "trace"},
};

const ActionSpelling& SpellingOf(FilterAction action) {
  for (const ActionSpelling& spelling : kSpellings) {
    if (spelling.action == action) return spelling;
  }
  return kSpellings[2];  // not reached: every enumerator has a row; fail closed (kill)
}

}  // namespace

std::string_view FilterActionName(FilterAction action) { return SpellingOf(action).name; }

uint32_t SeccompReturnValue(FilterAction action) { return SpellingOf(action).seccomp_return; }

std::string_view OciActionName(FilterAction action) { return SpellingOf(action).oci; }

std::string_view MinijailActionName(FilterAction action) { return SpellingOf(action).minijail; }

bool ActionLetsCallRun(FilterAction action) {
  return action == FilterAction::kAllow || action == FilterAction::kLog ||
         action == FilterAction::kTrace;
}

}  // namespace sysfence
