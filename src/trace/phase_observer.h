// The observer `sysfence trace` runs: it switches phases when their triggers fire (phases/
// phase_tracker.h), records the discovery timeline (the first call of each syscall) and,
// when asked, every call's time for `--events` and `--auto-phases`.
//
//   PhaseObserver observer(specs, "init", {.keep_events = true});
//   Result<TraceResult> result = TraceCommand(options, &observer);
//   observer.AddToProfile(result->profile);        // discovery timeline
//   DetectPhases(observer.events(), {});
#ifndef SYSFENCE_TRACE_PHASE_OBSERVER_H_
#define SYSFENCE_TRACE_PHASE_OBSERVER_H_

#include <optional>
#include <string>
#include <vector>

#include "phases/phase_detector.h"
#include "phases/phase_tracker.h"
#include "phases/timeline_file.h"
#include "profile/profile.h"
#include "trace/trace_observer.h"

namespace sysfence {

struct PhaseObserverOptions {
  bool keep_events = false;             // for --auto-phases
  TimelineWriter* events_file = nullptr;  // for --events FILE
};

// What triggers read from a stopped process: its memory (process_vm_readv) and what its
// descriptors are (/proc/PID/fd). Shared with `run --phased`'s supervisor.
class LiveTraceeInspector : public TraceeInspector {
 public:
  std::optional<std::string> ReadString(int pid, uint64_t address) override;
  FdKind KindOfFd(int pid, int fd) override;
};

class PhaseObserver : public TraceObserver, private LiveTraceeInspector {
 public:
  // No specs: no phases at all (the profile's `phases` stays empty).
  PhaseObserver(std::vector<PhaseSpec> specs, std::string first_phase,
                PhaseObserverOptions options);

  void OnStart(TraceContext& context) override;
  void OnSyscall(TraceContext& context, const SyscallStop& stop) override;
  void OnSpawn(TraceContext& context, const SpawnEvent& event) override;
  void OnExec(TraceContext& context, const ExecEvent& event) override;
  void OnSignal(TraceContext& context, const SignalEvent& event) override;

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

// What /proc/PID/fd/N says a descriptor is.
FdKind ClassifyFdTarget(std::string_view target);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_PHASE_OBSERVER_H_
