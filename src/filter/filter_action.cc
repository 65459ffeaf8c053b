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

std::string_view FilterActionName(FilterAction action) {
  switch (action) {
    case FilterAction::kAllow:
      return "allow";
    case FilterAction::kErrno:
      return "errno";
    case FilterAction::kKill:
      return "kill";
    case FilterAction::kLog:
      return "log";
    case FilterAction::kTrap:
      return "trap";
    case FilterAction::kTrace:
      return "trace";
  }
  return "?";
}

uint32_t SeccompReturnValue(FilterAction action) {
  switch (action) {
    case FilterAction::kAllow:
      return SECCOMP_RET_ALLOW;
    case FilterAction::kErrno:
      return SECCOMP_RET_ERRNO | kFilterErrno;
    case FilterAction::kKill:
      return SECCOMP_RET_KILL_PROCESS;
    case FilterAction::kLog:
      return SECCOMP_RET_LOG;
    case FilterAction::kTrap:
      return SECCOMP_RET_TRAP;
    case FilterAction::kTrace:
      return SECCOMP_RET_TRACE;
  }
  return SECCOMP_RET_KILL_PROCESS;
}

bool ActionLetsCallRun(FilterAction action) {
  return action == FilterAction::kAllow || action == FilterAction::kLog ||
         action == FilterAction::kTrace;
}

}  // namespace sysfence
