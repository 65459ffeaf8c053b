// The phase state of a traced process tree: which phase each process is in, advanced by the
// triggers of `--phase NAME=TRIGGER` (phase_trigger.h) and by manual marks (`sysfence mark`).
//
//   PhaseTracker tracker(specs);              // phases: init, then one per spec, in order
//   tracker.InitProfile(profile);
//   int phase = tracker.OnSyscall(event, inspector);   // phase the call belongs to
//   profile.RecordCall(image, event.number, 1, phase);
//
// Phases are entered in order. The call that fires a trigger is the first call of the new
// phase. A tree-scoped trigger moves every process; a process-scoped one moves the thread group
// that fired it and the children it forks afterwards.
#ifndef SYSFENCE_PHASES_PHASE_TRACKER_H_
#define SYSFENCE_PHASES_PHASE_TRACKER_H_

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "phases/phase_trigger.h"
#include "profile/profile.h"

namespace sysfence {

// One phase switch, for `--phase-log`.
struct PhaseSwitch {
  std::string phase;
  std::string trigger;  // the trigger text, or "mark"
  std::string event;    // what fired it: "openat(\"/etc/passwd\")", "exec /bin/ls", "SIGUSR1"
  int pid = 0;          // 0 for manual marks
  int pid_tgid = 0;     // the process (thread group) that fired it
  double time = 0;      // seconds since the trace started
  bool whole_tree = true;
};

class PhaseTracker {
 public:
  explicit PhaseTracker(std::vector<PhaseSpec> specs, std::string first_phase = "init");

  // Gives `profile` one empty phase per phase, in order, with its trigger.
  void InitProfile(Profile& profile) const;

  // Each returns the phase index the event's process is in afterwards.
  int OnSyscall(const SyscallEvent& event, TraceeInspector& inspector);
  int OnExec(int pid, int tgid, std::string_view path, double time);
  int OnSignal(int pid, int tgid, int signal, double time);
  void OnFork(int parent_tgid, int child_tgid);

  // A manual mark, from any thread (the control socket's). Applies at the next event or
  // OnIdle; returns false when `name` is not a phase after the current one.
  bool RequestMark(std::string_view name);
  // Applies a pending mark now, when no event is coming to carry it (a trace whose backend
  // counts calls in the kernel). Returns the whole tree's phase index afterwards.
  int OnIdle(double time);

  int PhaseOf(int tgid) const;
  int PhaseCount() const { return static_cast<int>(names_.size()); }
  const std::string& PhaseName(int index) const { return names_[static_cast<size_t>(index)]; }
  const std::vector<PhaseSwitch>& log() const { return log_; }
  // The phase log as text, one switch per line.
  std::string FormatLog() const;

 private:
  // The trigger of phase `index` (index >= 1), or nullptr past the last phase.
  const PhaseSpec* NextSpec(int current) const;
  void Enter(int index, int tgid, bool whole_tree, std::string event, double time, int pid);
  // OnSignal and OnExec know only the thread; the tracker keeps the thread's process.
  void ApplyPendingMark(double time);

  std::vector<PhaseSpec> specs_;
  std::vector<std::string> names_;
  int tree_phase_ = 0;
  std::unordered_map<int, int> process_phase_;  // process-scoped advances, by tgid
  std::vector<PhaseSwitch> log_;
  std::mutex mark_mutex_;
  std::atomic<bool> mark_pending_{false};
  int pending_mark_ = -1;
};

}  // namespace sysfence

#endif  // SYSFENCE_PHASES_PHASE_TRACKER_H_
