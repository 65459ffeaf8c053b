// The ptrace backend of the recorder: waits for stops of the traced process tree, follows
// fork/vfork/clone/exec, passes signals through, and delivers every call and process event to
// a RecordSink (record/record_sink.h), which does the bookkeeping. TraceCommand
// (trace_command.h) sets it up; use that unless you are launching the root process yourself.
//
//   Recorder recorder(observer);
//   recorder.Start(launched.pid);
//   Tracer tracer(StopMode::kSeccomp, &recorder, &signals);
//   Result<TracerOutcome> outcome = tracer.Run();
#ifndef SYSFENCE_TRACE_TRACER_H_
#define SYSFENCE_TRACE_TRACER_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/signal_scope.h"
#include "record/record_sink.h"

namespace sysfence {

// How the tracees stop for system calls.
enum class StopMode {
  kSeccomp,       // the trace filter's SECCOMP_RET_TRACE: one stop per traced call
  kEverySyscall,  // PTRACE_SYSCALL: two stops (entry and exit) per call, no filter needed
};

struct TracerOutcome {
  int interrupted_by = 0;  // the termination signal that ended the trace early, or 0
  // Set-user-ID or set-group-ID programs the kernel ran without that privilege ("set-user-ID"
  // or "set-group-ID", program path), each once.
  std::vector<std::pair<std::string, std::string>> unprivileged_set_id;
};

class Tracer {
 public:
  // `sink` already knows the root (seized, not yet exec'd). `signals` may be null.
  Tracer(StopMode mode, RecordSink* sink, const TerminationSignals* signals);
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;
  // Kills and reaps every tracee still alive if Run() did not see them all end: each carries
  // the trace filter, and with no tracer attached every call it makes would fail.
  ~Tracer();

  // Traces until no tracee is left or a termination signal arrives (then every tracee is
  // killed). Errors only when waiting itself fails.
  Result<TracerOutcome> Run();

  // For processes sysfence attached to (`trace --pid`): a termination signal, and `tick`
  // returning a reason, end the trace by detaching every tracee, which runs on as it would
  // have without sysfence; so does the destructor. `tick` is called about every 100 ms while
  // events come, and at each interruption of the wait (the caller arranges a periodic
  // SIGALRM so that the wait is interrupted while nothing happens).
  void DetachAtEnd(std::function<std::string()> tick);
  // Why an attached trace ended ("" when the tracees did).
  const std::string& ended() const { return ended_; }

 private:
  void HandleSyscallStop(pid_t pid);
  void HandleOtherStop(pid_t pid, int status);
  bool Adopt(pid_t pid);
  void HandleSpawn(pid_t parent, int event);
  void HandleExec(pid_t pid);
  void HandleDeath(pid_t pid, int status);
  void Resume(pid_t pid, int signal) const;
  // prctl(PR_GET_SECCOMP) answers 2 in every tracee because of the tracer's own filter; a
  // program that adapts to that (skips its own sandbox) would be traced doing what it does
  // not do untraced. Answers what the program would see without sysfence instead.
  bool AnswerSeccompMode(pid_t pid, uint32_t arch, uint64_t number, const uint64_t* args);
  // Sends SIGKILL to every tracee, then waits until the kernel has reported all of them (and
  // any child they were creating meanwhile) gone, so nothing is left stopped or orphaned.
  // Waits for any child of this process: the tracer must be the process's only child-waiter.
  void KillAndReapAll();
  // Interrupts every tracee and detaches each at its next stop (passing on a signal it was
  // about to get), children born meanwhile included; tracees that die meanwhile are reported.
  void DetachAll();
  // In attach mode: whether the trace must end now (sets ended_).
  bool TickSaysStop();

  StopMode mode_;
  RecordSink* sink_;
  const TerminationSignals* signals_;
  // Auto-attached children whose first stop came before their parent's fork event and whose
  // parent /proc could not name: held stopped until that event says which image they run.
  std::vector<pid_t> unannounced_;
  bool done_ = false;  // every tracee has been reaped
  // Filters sysfence itself runs under (its tracees inherit them; -1: the kernel does not
  // say, /proc/PID/status has no Seccomp_filters).
  int inherited_filters_ = -1;
  TracerOutcome outcome_;
  std::function<std::string()> tick_;  // set: attach mode
  int64_t next_tick_ = 0;
  std::string ended_;
};

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_TRACER_H_
