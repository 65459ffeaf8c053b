// minijail .policy files (minijail0 -S FILE, or its policy compiler): one `name: 1` line per
// allowed call. minijail kills the process on any call a policy does not list, and its
// `@default` directive only offers kill or trap, so the other default actions are spelt out
// per call: for errno every other syscall of the table gets `name: return 1` (EPERM), for log
// `name: log`. Calls newer than the table then still meet minijail's kill. Soft calls get
// `log` or `return 1`.
#include "filter/exporters.h"

namespace sysfence {
namespace {

void AppendLines(std::string& text, const std::vector<std::string>& names,
                 std::string_view action) {
  for (const std::string& name : names) text += fmt::format("{}: {}\n", name, action);
}

}  // namespace

ExportedFilter ExportMinijail(const FilterPolicy& policy) {
  ExportedFilter out;
  std::vector<std::string> allowed = NamesForExport(policy.allowed, "minijail", out.notes);
  std::vector<std::string> soft = NamesForExport(policy.soft, "minijail", out.notes);
  if (!policy.i386_allowed.empty()) {
    out.notes.push_back(
        "a minijail policy describes one architecture: the profile's i386 calls "
        "are left out (minijail blocks i386 calls of an x86-64 program)");
  }

  std::string& text = out.contents;
  text += fmt::format("# sysfence: minijail seccomp policy for {} (x86_64), {} system calls.\n",
                      PolicyOrigin(policy), allowed.size() + soft.size());
  switch (policy.default_action) {
    case FilterAction::kKill:
    case FilterAction::kAllow:
    case FilterAction::kTrace:
      text += "# Calls not listed: minijail kills the process (its default).\n";
      break;
    case FilterAction::kTrap:
      text += "# Calls not listed: SIGSYS.\n@default trap\n";
      break;
    case FilterAction::kErrno:
    case FilterAction::kLog:
      text += fmt::format(
          "# Calls not in the profile: '{}' (listed one by one below the allowed "
          "calls); calls newer than\n# sysfence's table meet minijail's default "
          "kill.\n",
          MinijailActionName(policy.default_action));
      break;
  }
  AppendLines(text, allowed, "1");
  if (!soft.empty()) {
    text += "# Found only by static analysis (soft):\n";
    AppendLines(text, soft, MinijailActionName(policy.soft_action));
  }
  if (policy.default_action == FilterAction::kErrno ||
      policy.default_action == FilterAction::kLog) {
    SyscallSet rest = SyscallSet::All() - policy.allowed - policy.soft;
    std::vector<std::string> ignored;
    text += "# Outside the profile:\n";
    AppendLines(text, NamesForExport(rest, "minijail", ignored),
                MinijailActionName(policy.default_action));
  }
  return out;
}

}  // namespace sysfence
