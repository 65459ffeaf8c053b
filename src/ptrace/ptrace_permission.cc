// Explaining a refused ptrace (see ptrace_permission.h). The checks go from the most certain
// cause to the least: a process has at most one tracer, so a TracerPid on the child settles
// it; Yama scope 3 forbids everything and scope 2 needs CAP_SYS_PTRACE; a seccomp filter
// around sysfence (Docker's default profile before Linux 4.8, other sandboxes) can return EPERM
// for ptrace itself; the remaining causes are security modules that leave no trace in /proc.
#include "ptrace/ptrace_permission.h"

#include <linux/capability.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string_view>

#include "base/file_util.h"
#include "base/proc_status.h"
#include "base/text.h"

namespace sysfence {
namespace {

long long ParseNumber(std::string_view text, int base, long long fallback) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && end != text.data() ? value : fallback;
}

bool LooksLikeContainer() {
  for (const char* marker : {"/.dockerenv", "/run/.containerenv"}) {
    if (std::ifstream(marker).good()) return true;
  }
  Result<std::string> cgroup = ReadFile("/proc/1/cgroup");
  if (!cgroup.ok()) return false;
  for (const char* word : {"docker", "kubepods", "containerd", "libpod", "lxc"}) {
    if (cgroup->find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

PtraceFacts GatherPtraceFacts(pid_t child) {
  PtraceFacts facts;
  if (Result<std::string> scope = ReadFile("/proc/sys/kernel/yama/ptrace_scope"); scope.ok()) {
    facts.yama_scope = static_cast<int>(ParseNumber(TrimRight(*scope), 10, -1));
  }
  if (Result<std::string> own = ReadFile("/proc/self/status"); own.ok()) {
    long long caps = ParseNumber(StatusField(*own, "CapEff"), 16, 0);
    facts.has_cap_sys_ptrace = (caps >> CAP_SYS_PTRACE) & 1;
    facts.own_seccomp_mode = static_cast<int>(ParseNumber(StatusField(*own, "Seccomp"), 10, 0));
  }
  if (Result<std::string> status = ReadFile(fmt::format("/proc/{}/status", child)); status.ok()) {
    facts.child_tracer = static_cast<pid_t>(ParseNumber(StatusField(*status, "TracerPid"), 10, 0));
  }
  if (facts.child_tracer > 0) {
    if (Result<std::string> comm = ReadFile(fmt::format("/proc/{}/comm", facts.child_tracer));
        comm.ok()) {
      facts.child_tracer_name = std::string(TrimRight(*comm));
    }
  }
  facts.in_container = LooksLikeContainer();
  return facts;
}

Error ExplainPtraceDenial(int error_number, const PtraceFacts& facts) {
  std::string head =
      fmt::format("cannot trace the command: ptrace is not permitted ({})", strerror(error_number));
  if (facts.child_tracer > 0) {
    std::string who =
        facts.child_tracer_name.empty()
            ? fmt::format("process {}", facts.child_tracer)
            : fmt::format("process {} ({})", facts.child_tracer, facts.child_tracer_name);
    return MakeError(
        "{}: the command is already being traced by {}, and a process can have "
        "only one tracer (is sysfence itself running under strace -f or gdb?)",
        head, who);
  }
  if (facts.yama_scope == 3) {
    return MakeError(
        "{}: /proc/sys/kernel/yama/ptrace_scope is 3, which forbids ptrace until "
        "reboot",
        head);
  }
  if (facts.yama_scope == 2 && !facts.has_cap_sys_ptrace) {
    return MakeError(
        "{}: /proc/sys/kernel/yama/ptrace_scope is 2, which requires "
        "CAP_SYS_PTRACE (run as root, or set it to 1)",
        head);
  }
  if (facts.in_container && !facts.has_cap_sys_ptrace) {
    return MakeError(
        "{}: running in a container without CAP_SYS_PTRACE{} (start it with "
        "--cap-add SYS_PTRACE, or a seccomp profile that allows ptrace)",
        head, facts.own_seccomp_mode == 2 ? " and under a seccomp filter" : "");
  }
  if (facts.own_seccomp_mode == 2) {
    return MakeError(
        "{}: sysfence runs under a seccomp filter (Seccomp: 2 in "
        "/proc/self/status) that may forbid ptrace",
        head);
  }
  return MakeError(
      "{}: a security module (SELinux deny_ptrace, AppArmor) may forbid it; "
      "ptrace_scope is {}",
      head, facts.yama_scope < 0 ? "not set (no Yama)" : std::to_string(facts.yama_scope));
}

}  // namespace sysfence
