// A light ptrace supervisor for the calls a seccomp filter hands to a tracer
// (SECCOMP_RET_TRACE). It follows every thread and child of the program (the filter is
// inherited, and a traced call with no tracer attached fails with ENOSYS), passes each such
// call to a TracedCallHandler, and resumes it. It does not stop at other calls: the kernel
// reports only what the filter returns TRACE for, so a program pays for supervision only on
// those calls. Signals, group stops and fork/clone/exec events are passed on unchanged.
//
//   SeccompSupervisor supervisor = SeccompSupervisor::Attach(child).value();
//   ... let the child install its filter and exec ...
//   Result<int> status = supervisor.Run(recorder);   // wait status of `child`
//
// Two handlers use it: learning mode (launcher.cc) counts the calls and lets them all run;
// phased enforcement (phase_enforcer.h) gets TRACE only for the calls whose verdict differs
// between phases and for the phase triggers, and denies what the current phase does not allow.
// A denied call has its number replaced by kDeniedCallNumber before it resumes: the kernel
// runs the filter again on the changed call (a TRACE verdict on that second run means allow),
// and the filter gives that number its default action, so a denial is exactly what the
// filter itself does with a call outside the profile (EPERM, SIGSYS kill or trap).
#ifndef SYSFENCE_ENFORCE_SECCOMP_SUPERVISOR_H_
#define SYSFENCE_ENFORCE_SECCOMP_SUPERVISOR_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <set>

#include "base/result.h"
#include "filter/filter_builder.h"

namespace sysfence {

// A call the filter sent to the supervisor.
struct TracedCall {
  pid_t pid = 0;
  uint32_t arch = 0;  // AUDIT_ARCH_X86_64 or AUDIT_ARCH_I386
  uint64_t nr = 0;    // as the filter saw it (x32 calls keep bit 30)
  uint32_t data = 0;  // SECCOMP_RET_DATA of the filter's verdict
  std::array<uint64_t, 6> args{};
};

enum class CallVerdict { kAllow, kDeny };

class TracedCallHandler {
 public:
  virtual ~TracedCallHandler() = default;
  virtual CallVerdict OnTracedCall(const TracedCall& call) = 0;
  // Process events the supervisor sees anyway (they cost no extra stop).
  virtual void OnSpawn(pid_t /*parent*/, pid_t /*child*/) {}
  virtual void OnExec(pid_t /*pid*/) {}
  virtual void OnSignal(pid_t /*pid*/, int /*signal*/) {}
};

class SeccompSupervisor {
 public:
  // Seizes `pid`, a child of this process that has not installed its filter yet, with
  // seccomp stops, automatic attach to its children and kill-on-exit (the program must not
  // outlive its supervisor: its traced calls would fail).
  static Result<SeccompSupervisor> Attach(pid_t pid);

  SeccompSupervisor(SeccompSupervisor&& other) noexcept;
  SeccompSupervisor& operator=(SeccompSupervisor&&) = delete;
  SeccompSupervisor(const SeccompSupervisor&) = delete;
  SeccompSupervisor& operator=(const SeccompSupervisor&) = delete;
  // Kills the traced processes if Run() has not seen them all end.
  ~SeccompSupervisor();

  // Supervises until every traced process has ended; returns the wait status of the attached
  // process.
  Result<int> Run(TracedCallHandler& handler);

 private:
  explicit SeccompSupervisor(pid_t pid) : main_pid_(pid), alive_{pid}, seen_{pid} {}

  pid_t main_pid_;
  std::set<pid_t> alive_;  // traced and not yet reaped
  std::set<pid_t> seen_;   // have stopped at least once (or are the attached process)
};

}  // namespace sysfence

#endif  // SYSFENCE_ENFORCE_SECCOMP_SUPERVISOR_H_
