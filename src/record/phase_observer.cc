// The phase observer of `sysfence trace` (see phase_observer.h). Per call it does one bitset
// test for the discovery timeline and one integer comparison for the next phase's trigger;
// tracee memory is read only when that comparison matches a trigger that needs it.
#include "record/phase_observer.h"

#include <time.h>

#include <cassert>

#include "base/monotonic_clock.h"

namespace sysfence {

PhaseObserver::PhaseObserver(std::vector<PhaseSpec> specs, std::string first_phase,
                             PhaseObserverOptions options)
    : has_phases_(!specs.empty()),
      tracker_(std::move(specs), std::move(first_phase)),
      options_(options) {
  assert((!has_phases_ || options_.inspector != nullptr) && "phase triggers need an inspector");
}

double PhaseObserver::Seconds(int64_t monotonic_ns) const {
  return start_ns_ < 0 ? 0 : static_cast<double>(monotonic_ns - start_ns_) / 1e9;
}

void PhaseObserver::OnStart(TraceContext& context) {
  // A retry of the trace (another stop mode) starts from scratch.
  seen_ = SyscallSet();
  discovery_.clear();
  events_.clear();
  start_ns_ = MonotonicNanoseconds();
  if (!has_phases_) return;
  Profile layout;
  tracker_.InitProfile(layout);
  for (Phase& phase : layout.phases) context.AddPhase(phase.name, phase.trigger);
  context.EnterPhase(1, 0);
}

void PhaseObserver::Follow(TraceContext& context, size_t log_size_before) {
  const auto& log = tracker_.log();
  for (size_t i = log_size_before; i < log.size(); ++i) {
    int index = -1;
    for (int p = 0; p < tracker_.PhaseCount(); ++p) {
      if (tracker_.PhaseName(p) == log[i].phase) index = p;
    }
    if (index < 0) continue;
    // Tracker index 0 is the first phase, the trace's phase number 1.
    context.EnterPhase(index + 1, log[i].whole_tree ? 0 : log[i].pid_tgid);
  }
}

void PhaseObserver::OnSyscall(TraceContext& context, const SyscallStop& stop) {
  if (stop.arch != SyscallArch::kX86_64) return;
  int number = static_cast<int>(stop.number);
  double time = Seconds(stop.monotonic_ns);
  if (!seen_.Contains(number)) {
    seen_.Insert(number);
    discovery_.push_back(Discovery{time, number, stop.pid});
  }
  TimelineEvent event{time, stop.pid, number};
  if (options_.keep_events) events_.push_back(event);
  if (options_.events_file != nullptr) options_.events_file->Write(event);
  if (!has_phases_) return;
  SyscallEvent call;
  call.pid = stop.pid;
  call.tgid = stop.tgid;
  call.number = number;
  call.args = stop.args;
  call.time = time;
  size_t before = tracker_.log().size();
  tracker_.OnSyscall(call, *options_.inspector);
  Follow(context, before);
}

void PhaseObserver::OnSpawn(TraceContext& /*context*/, const SpawnEvent& event) {
  if (has_phases_ && event.child_tgid != event.parent) {
    tracker_.OnFork(event.parent, event.child_tgid);
  }
}

void PhaseObserver::OnExec(TraceContext& context, const ExecEvent& event) {
  // Exec triggers name a later exec (a server re-executing itself per connection, a shell
  // running a tool); the command's own start is not one.
  if (!has_phases_ || event.launch) return;
  size_t before = tracker_.log().size();
  tracker_.OnExec(event.pid, event.pid, event.image, Seconds(event.monotonic_ns));
  Follow(context, before);
}

void PhaseObserver::OnSignal(TraceContext& context, const SignalEvent& event) {
  if (!has_phases_) return;
  size_t before = tracker_.log().size();
  tracker_.OnSignal(event.pid, event.tgid != 0 ? event.tgid : event.pid, event.signal,
                    Seconds(event.monotonic_ns));
  Follow(context, before);
}

void PhaseObserver::OnIdle(TraceContext& context, int64_t monotonic_ns) {
  if (!has_phases_) return;
  size_t before = tracker_.log().size();
  tracker_.OnIdle(Seconds(monotonic_ns));
  Follow(context, before);
}

bool PhaseObserver::RequestMark(std::string_view name) { return tracker_.RequestMark(name); }

void PhaseObserver::AddToProfile(Profile& profile) const { profile.discovery = discovery_; }

}  // namespace sysfence
