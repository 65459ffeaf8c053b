// The supervisor's half of phased enforcement (`sysfence run --phased`, see filter_policy.h):
// it keeps each process's phase with the phases library's tracker, fed by the calls the
// filter traces and by the fork, exec and signal events the ptrace supervisor sees anyway,
// and answers each traced call: allowed when the process's phase (or a later one) makes it.
//
//   PhaseEnforcer enforcer(phased_policy, child);
//   Result<int> status = supervisor.Run(enforcer);
//
// Scopes are the tracer's: a tree-scoped trigger moves every process, a process-scoped one the
// process that fired it and the children it forks afterwards. Until the launched process's
// own exec, its calls are the launcher's and are allowed; only its execve is shown to the
// triggers, as `sysfence trace` does. Argument triggers read the caller's memory while it is
// stopped; another thread of the program could change that memory in between, which can delay
// or hasten a phase switch but never allows a call outside the union of the phases.
#ifndef SYSFENCE_ENFORCE_PHASE_ENFORCER_H_
#define SYSFENCE_ENFORCE_PHASE_ENFORCER_H_

#include <sys/types.h>

#include <chrono>
#include <set>
#include <unordered_map>

#include "filter/filter_policy.h"
#include "enforce/seccomp_supervisor.h"
#include "phases/phase_tracker.h"
#include "ptrace/live_tracee_inspector.h"

namespace sysfence {

class PhaseEnforcer : public TracedCallHandler {
 public:
  // `launched` is the process the launcher forked (it has not exec'd the program yet).
  PhaseEnforcer(const PhasedPolicy& policy, pid_t launched);

  CallVerdict OnTracedCall(const TracedCall& call) override;
  void OnSpawn(pid_t parent, pid_t child) override;
  void OnExec(pid_t pid) override;
  void OnSignal(pid_t pid, int signal) override;

  // Every phase switch so far (for --phase-log).
  const PhaseTracker& tracker() const { return tracker_; }
  uint64_t denied() const { return denied_; }

 private:
  // The thread group of `pid`, from /proc the first time; a process seen for the first time
  // inherits its parent's process-scoped phase (its parent is still stopped in fork then).
  pid_t ProcessOf(pid_t pid);
  double Seconds() const;

  const PhasedPolicy& policy_;
  PhaseTracker tracker_;
  LiveTraceeInspector inspector_;
  pid_t launched_;
  bool launcher_done_ = false;  // the launched process has exec'd the program
  std::unordered_map<pid_t, pid_t> process_of_;  // thread -> thread group
  std::set<pid_t> processes_;                    // thread groups already known
  uint64_t denied_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace sysfence

#endif  // SYSFENCE_ENFORCE_PHASE_ENFORCER_H_
