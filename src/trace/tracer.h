// The ptrace event loop: waits for stops of the traced process tree, counts each system call
// against the image that made it, follows fork/vfork/clone/exec, passes signals through, and
// reports everything to an optional observer. TraceCommand (trace_command.h) sets it up;
// use that unless you are launching the root process yourself.
//
//   Tracer tracer(StopMode::kSeccomp, &counters, &phases, observer, &signals);
//   Result<TracerOutcome> outcome = tracer.Run(launched.pid, launcher_image);
#ifndef SYSFENCE_TRACE_TRACER_H_
#define SYSFENCE_TRACE_TRACER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "profile/profile.h"
#include "trace/call_counters.h"
#include "trace/process_tree.h"
#include "trace/termination_signals.h"
#include "trace/trace_observer.h"

namespace sysfence {

// How the tracees stop for system calls.
enum class StopMode {
  kSeccomp,       // the trace filter's SECCOMP_RET_TRACE: one stop per traced call
  kEverySyscall,  // PTRACE_SYSCALL: two stops (entry and exit) per call, no filter needed
};

struct TracerOutcome {
  bool root_execed = false;   // the root process got as far as running the command
  int root_exit_status = -1;  // exit code, or 128+N when killed by signal N; -1 if unknown
  int interrupted_by = 0;     // the termination signal that ended the trace early, or 0
  uint64_t syscall_stops = 0;       // calls seen (the launcher's own set-up not included)
  uint64_t unrecordable_calls = 0;  // x32 calls and numbers outside every table
  // Set-user-ID or set-group-ID programs the kernel ran without that privilege ("set-user-ID"
  // or "set-group-ID", program path), each once.
  std::vector<std::pair<std::string, std::string>> unprivileged_set_id;
};

class Tracer : private TraceContext {
 public:
  // `phases` receives the phases the observer starts (their sets are filled in later from
  // `counters`). `observer` and `signals` may be null.
  Tracer(StopMode mode, CallCounters* counters, std::vector<Phase>* phases,
         TraceObserver* observer, const TerminationSignals* signals);

  // Traces `root` (seized, not yet exec'd: its calls count only from its execve on, for
  // `launcher_image`) and everything it starts, until no tracee is left or a termination
  // signal arrives (then every tracee is killed). Errors only when waiting itself fails.
  Result<TracerOutcome> Run(pid_t root, ImageCounters* launcher_image);

 private:
  // TraceContext
  void StartPhase(std::string name, std::string trigger) override;
  int PhaseCount() const override { return static_cast<int>(phases_->size()); }
  int AddPhase(std::string name, std::string trigger) override;
  void EnterPhase(int number, pid_t tgid) override;
  pid_t RootPid() const override { return root_; }

  void HandleSyscallStop(pid_t pid);
  void HandleOtherStop(pid_t pid, int status);
  Tracee* Adopt(pid_t pid);
  void HandleSpawn(Tracee& parent, int event);
  void HandleExec(pid_t pid);
  void HandleDeath(pid_t pid, int status);
  void Resume(pid_t pid, int signal) const;
  void Count(Tracee& tracee, uint32_t arch, uint64_t number);
  // prctl(PR_GET_SECCOMP) answers 2 in every tracee because of the tracer's own filter; a
  // program that adapts to that (skips its own sandbox) would be traced doing what it does
  // not do untraced. Answers what the program would see without sysfence instead.
  bool AnswerSeccompMode(pid_t pid, uint32_t arch, uint64_t number, const uint64_t* args);

  StopMode mode_;
  CallCounters* counters_;
  std::vector<Phase>* phases_;
  TraceObserver* observer_;
  const TerminationSignals* signals_;
  ProcessTree tree_;
  // Auto-attached children whose first stop came before their parent's fork event and whose
  // parent /proc could not name: held stopped until that event says which image they run.
  std::vector<pid_t> unannounced_;
  pid_t root_ = 0;
  int phase_ = 0;
  // Filters sysfence itself runs under (its tracees inherit them; -1: the kernel does not
  // say, /proc/PID/status has no Seccomp_filters).
  int inherited_filters_ = -1;
  TracerOutcome outcome_;
};

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_TRACER_H_
