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
// This is the mechanism phase-aware enforcement will use: a phased filter returns TRACE only
// for the calls whose verdict differs between phases and for the phase triggers, and a
// handler that knows the current phase decides them. Today's one handler (learning mode in
// launcher.cc) lets every call through.
#ifndef SYSFENCE_FILTER_SECCOMP_SUPERVISOR_H_
#define SYSFENCE_FILTER_SECCOMP_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>
#include <set>

#include "base/result.h"

namespace sysfence {

// A call the filter sent to the supervisor.
struct TracedCall {
  pid_t pid = 0;
  uint32_t arch = 0;  // AUDIT_ARCH_X86_64 or AUDIT_ARCH_I386
  uint64_t nr = 0;    // as the filter saw it (x32 calls keep bit 30)
  uint32_t data = 0;  // SECCOMP_RET_DATA of the filter's verdict
};

class TracedCallHandler {
 public:
  virtual ~TracedCallHandler() = default;
  virtual void OnTracedCall(const TracedCall& call) = 0;
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

#endif  // SYSFENCE_FILTER_SECCOMP_SUPERVISOR_H_
