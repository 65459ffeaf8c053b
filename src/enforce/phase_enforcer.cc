// Phase bookkeeping and verdicts for phased runs (see phase_enforcer.h).
#include "enforce/phase_enforcer.h"

#include <linux/audit.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "base/proc_status.h"

namespace sysfence {
PhaseEnforcer::PhaseEnforcer(const PhasedPolicy& policy, pid_t launched)
    : policy_(policy),
      tracker_(policy.specs, policy.names.front()),
      launched_(launched),
      process_of_{{launched, launched}},
      processes_{launched} {}

pid_t PhaseEnforcer::ProcessOf(pid_t pid) {
  auto it = process_of_.find(pid);
  if (it != process_of_.end()) return it->second;
  ProcessLineage lineage = ReadLineage(pid);
  pid_t tgid = lineage.tgid > 0 ? lineage.tgid : pid;
  pid_t parent = lineage.ppid;
  process_of_[pid] = tgid;
  if (processes_.insert(tgid).second && parent > 0) tracker_.OnFork(ProcessOf(parent), tgid);
  return tgid;
}

double PhaseEnforcer::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

CallVerdict PhaseEnforcer::OnTracedCall(const TracedCall& call) {
  // The filter traces only x86-64 calls of the profile's range; anything else is not ours.
  if (call.arch != AUDIT_ARCH_X86_64 || call.nr >= static_cast<uint64_t>(kSyscallNumberLimit)) {
    ++denied_;
    return CallVerdict::kDeny;
  }
  int number = static_cast<int>(call.nr);
  bool launching = !launcher_done_ && call.pid == launched_;
  if (launching && number != SYS_execve && number != SYS_execveat) return CallVerdict::kAllow;
  SyscallEvent event;
  event.pid = call.pid;
  event.tgid = ProcessOf(call.pid);
  event.number = number;
  event.args = call.args;
  event.time = Seconds();
  int phase = tracker_.OnSyscall(event, inspector_);
  if (launching || policy_.allowed_from[static_cast<size_t>(phase)].Contains(number)) {
    return CallVerdict::kAllow;
  }
  ++denied_;
  return CallVerdict::kDeny;
}

void PhaseEnforcer::OnSpawn(pid_t parent, pid_t child) {
  ProcessOf(parent);
  ProcessOf(child);
}

void PhaseEnforcer::OnExec(pid_t pid) {
  // After an exec the process's id is its thread group's (a non-leader thread took it over).
  process_of_[pid] = pid;
  processes_.insert(pid);
  if (pid == launched_ && !launcher_done_) {
    // The launch's own exec starts the program; an exec trigger names a later exec (a server
    // re-executing itself per connection, a shell running a tool), as in `sysfence trace`.
    launcher_done_ = true;
    return;
  }
  char path[PATH_MAX];
  ssize_t length = readlink(fmt::format("/proc/{}/exe", pid).c_str(), path, sizeof path);
  if (length <= 0) return;
  tracker_.OnExec(pid, pid, std::string_view(path, static_cast<size_t>(length)),
                   Seconds());
}

void PhaseEnforcer::OnSignal(pid_t pid, int signal) {
  tracker_.OnSignal(pid, ProcessOf(pid), signal, Seconds());
}

}  // namespace sysfence
