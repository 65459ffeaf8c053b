// systemd unit settings (systemd.exec(5)): SystemCallFilter= as an allow-list,
// SystemCallArchitectures=native, and the default action as systemd spells it:
// SystemCallErrorNumber=EPERM (errno), SystemCallErrorNumber=kill (kill), or, for log, no
// filter at all but SystemCallLog=~LIST (log every call outside the list). systemd has no
// trap action. Soft calls: log -> allowed and listed in SystemCallLog=; errno -> left out of
// the allow-list when the default is errno too; with a kill default systemd cannot give single
// calls an errno (a "~name:EPERM" entry only removes the name from an allow-list), so they
// are allowed and logged, and a note says so. SystemCallFilter= cannot express arguments: calls
// with argument rules are allowed whole, and a comment and a note say so.
#include <algorithm>

#include "filter/exporters.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string line;
  for (const std::string& name : names) line += (line.empty() ? "" : " ") + name;
  return line;
}

}  // namespace

Result<ExportedFilter> ExportSystemd(const FilterPolicy& policy) {
  if (policy.default_action == FilterAction::kTrap) {
    return MakeError(
        "systemd cannot trap calls (it kills, returns an errno or logs): use "
        "--action kill, errno or log");
  }
  ExportedFilter out;
  std::vector<std::string> allowed = NamesForExport(policy.allowed, "systemd", out.notes);
  std::vector<std::string> soft = NamesForExport(policy.soft, "systemd", out.notes);
  bool log_only = policy.default_action == FilterAction::kLog;

  std::vector<std::string> filter = allowed;
  std::vector<std::string> logged;
  // In log mode soft calls are logged like any call outside the allowed set.
  bool soft_allowed = !log_only && (policy.soft_action == FilterAction::kLog ||
                                    policy.default_action == FilterAction::kKill);
  if (soft_allowed && !soft.empty()) {
    filter.insert(filter.end(), soft.begin(), soft.end());
    logged = soft;
    if (policy.soft_action == FilterAction::kErrno) {
      out.notes.push_back(
          "systemd cannot return an errno for single calls when the default "
          "is to kill: soft calls are allowed and logged instead");
    }
  }
  std::string architectures = "native";
  if (!policy.i386_allowed.empty()) {
    architectures += " x86";
    for (const std::string& name : policy.i386_allowed) {
      if (std::find(filter.begin(), filter.end(), name) == filter.end()) filter.push_back(name);
    }
    out.notes.push_back(
        "systemd cannot give i386 calls their own list: with x86 in "
        "SystemCallArchitectures=, the allowed names are allowed on i386 too");
  }
  std::sort(filter.begin(), filter.end());

  std::string& text = out.contents;
  text += fmt::format("# sysfence: system call filter for {}, {} system calls.\n",
                      PolicyOrigin(policy), policy.allowed.Size() + policy.soft.Size());
  text += "# Add these lines to the [Service] section of the unit.\n";
  if (!policy.arguments.empty()) {
    std::vector<std::string> names;
    for (const auto& [number, values] : policy.arguments) names.emplace_back(SyscallName(number));
    text += fmt::format(
        "# SystemCallFilter= cannot check arguments: {} are allowed with any arguments here\n"
        "# (the bpf, oci and minijail formats check them).\n",
        JoinNames(names));
    out.notes.push_back(
        fmt::format("systemd cannot check syscall arguments: the argument rules of {} are left out",
                    JoinNames(names)));
  }
  if (log_only) {
    text +=
        "# Learning mode: nothing is blocked; calls outside the profile are logged to the\n"
        "# audit log.\n";
    text += fmt::format("SystemCallLog=~{}\n", JoinNames(filter));
    return out;
  }
  text +=
      "# systemd always allows its @default group (execve, exit_group, rt_sigreturn,\n"
      "# clock_gettime, ...) on top of this list.\n";
  text += fmt::format("SystemCallArchitectures={}\n", architectures);
  text += fmt::format("SystemCallFilter={}\n", JoinNames(filter));
  text += fmt::format("SystemCallErrorNumber={}\n",
                      policy.default_action == FilterAction::kErrno ? "EPERM" : "kill");
  if (!logged.empty()) {
    text += "# Calls only static analysis found (soft): allowed, and logged when made.\n";
    text += fmt::format("SystemCallLog={}\n", JoinNames(logged));
  }
  return out;
}

}  // namespace sysfence
