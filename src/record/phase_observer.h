// The observer `sysfence trace` runs: it switches phases when their triggers fire (phases/
// phase_tracker.h), records the discovery timeline (the first call of each syscall) and,
// when asked, every call's time for `--events` and `--auto-phases`. Triggers that look at a
// call's memory or descriptors read them through the backend's inspector
// (ptrace/live_tracee_inspector.h for the ptrace tracer).
//
//   LiveTraceeInspector inspector;
//   PhaseObserver observer(specs, "init", {.keep_events = true, .inspector = &inspector});
//   Result<TraceResult> result = TraceCommand(options, &observer);
//   observer.AddToProfile(result->profile);        // discovery timeline
//   DetectPhases(observer.events(), {});
#ifndef SYSFENCE_RECORD_PHASE_OBSERVER_H_
#define SYSFENCE_RECORD_PHASE_OBSERVER_H_

#include <optional>
#include <string>
#include <vector>

#include "phases/phase_detector.h"
#include "phases/phase_tracker.h"
#include "phases/timeline_file.h"
#include "profile/profile.h"
#include "record/trace_observer.h"

namespace sysfence {

struct PhaseObserverOptions {
  bool keep_events = false;               // for --auto-phases
  TimelineWriter* events_file = nullptr;  // for --events FILE
  // Where triggers read memory and descriptors; needed when a phase trigger looks at them.
  TraceeInspector* inspector = nullptr;
};

class PhaseObserver : public TraceObserver {
 public:
  // No specs: no phases at all (the profile's `phases` stays empty).
  PhaseObserver(std::vector<PhaseSpec> specs, std::string first_phase,
                PhaseObserverOptions options);

  void OnStart(TraceContext& context) override;
  void OnSyscall(TraceContext& context, const SyscallStop& stop) override;
  void OnSpawn(TraceContext& context, const SpawnEvent& event) override;
  void OnExec(TraceContext& context, const ExecEvent& event) override;
  void OnSignal(TraceContext& context, const SignalEvent& event) override;
  void OnIdle(TraceContext& context, int64_t monotonic_ns) override;

  // A manual mark (`sysfence mark`), from any thread; false when NAME is not a later phase.
  bool RequestMark(std::string_view name);
  bool has_phases() const { return has_phases_; }

  // Adds the discovery timeline to a finished trace's profile.
  void AddToProfile(Profile& profile) const;
  const std::vector<TimelineEvent>& events() const { return events_; }
  const PhaseTracker& tracker() const { return tracker_; }

 private:
  double Seconds(int64_t monotonic_ns) const;
  // Makes the trace follow the tracker after an event.
  void Follow(TraceContext& context, size_t log_size_before);

  bool has_phases_;
  PhaseTracker tracker_;
  PhaseObserverOptions options_;
  int64_t start_ns_ = -1;
  SyscallSet seen_;
  std::vector<Discovery> discovery_;
  std::vector<TimelineEvent> events_;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_PHASE_OBSERVER_H_
