// Phase state machine over a process tree (see phase_tracker.h).
#include "phases/phase_tracker.h"

#include <algorithm>
#include <csignal>
#include <cstring>

#include "syscalls/syscall_table.h"

namespace sysfence {

PhaseTracker::PhaseTracker(std::vector<PhaseSpec> specs, std::string first_phase)
    : specs_(std::move(specs)) {
  names_.push_back(std::move(first_phase));
  for (const PhaseSpec& spec : specs_) names_.push_back(spec.name);
}

void PhaseTracker::InitProfile(Profile& profile) const {
  profile.phases.clear();
  for (size_t i = 0; i < names_.size(); ++i) {
    Phase phase;
    phase.name = names_[i];
    if (i > 0) phase.trigger = FormatPhaseSpec(specs_[i - 1]).substr(names_[i].size() + 1);
    profile.phases.push_back(std::move(phase));
  }
}

const PhaseSpec* PhaseTracker::NextSpec(int current) const {
  size_t next = static_cast<size_t>(current);  // specs_[k] enters phase k + 1
  return next < specs_.size() ? &specs_[next] : nullptr;
}

int PhaseTracker::PhaseOf(int tgid) const {
  auto it = process_phase_.find(tgid);
  return it == process_phase_.end() ? tree_phase_ : std::max(tree_phase_, it->second);
}

void PhaseTracker::Enter(int index, int tgid, bool whole_tree, std::string event, double time,
                         int pid) {
  if (whole_tree) {
    tree_phase_ = std::max(tree_phase_, index);
  } else {
    process_phase_[tgid] = std::max(PhaseOf(tgid), index);
  }
  const PhaseSpec& spec = specs_[static_cast<size_t>(index - 1)];
  log_.push_back(PhaseSwitch{.phase = names_[static_cast<size_t>(index)],
                             .trigger = pid == 0 ? "mark" : FormatPhaseSpec(spec),
                             .event = std::move(event),
                             .pid = pid,
                             .pid_tgid = tgid,
                             .time = time,
                             .whole_tree = whole_tree});
}

void PhaseTracker::ApplyPendingMark(double time) {
  if (!mark_pending_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mark_mutex_);
  if (pending_mark_ > tree_phase_) {
    Enter(pending_mark_, 0, /*whole_tree=*/true, "sysfence mark", time, 0);
  }
  pending_mark_ = -1;
  mark_pending_.store(false, std::memory_order_release);
}

int PhaseTracker::OnIdle(double time) {
  ApplyPendingMark(time);
  return tree_phase_;
}

bool PhaseTracker::RequestMark(std::string_view name) {
  std::lock_guard lock(mark_mutex_);
  for (size_t i = 1; i < names_.size(); ++i) {
    if (names_[i] == name && static_cast<int>(i) > tree_phase_) {
      pending_mark_ = static_cast<int>(i);
      mark_pending_.store(true, std::memory_order_release);
      return true;
    }
  }
  return false;
}

int PhaseTracker::OnSyscall(const SyscallEvent& event, TraceeInspector& inspector) {
  ApplyPendingMark(event.time);
  int current = PhaseOf(event.tgid);
  const PhaseSpec* next = NextSpec(current);
  if (next != nullptr && TriggerMatchesSyscall(next->trigger, event, inspector)) {
    std::string what = SyscallDisplayName(event.number);
    if (next->trigger.kind == TriggerKind::kPathArgument) {
      what += fmt::format(
          "(\"{}\")",
          inspector.ReadString(event.pid, event.args[static_cast<size_t>(next->trigger.path_arg)])
              .value_or("?"));
    } else if (next->trigger.kind != TriggerKind::kFirstCall) {
      what += fmt::format("({})", static_cast<int32_t>(event.args[0]));
    }
    Enter(current + 1, event.tgid, next->trigger.scope == TriggerScope::kTree, std::move(what),
          event.time, event.pid);
  }
  return PhaseOf(event.tgid);
}

int PhaseTracker::OnExec(int pid, int tgid, std::string_view path, double time) {
  ApplyPendingMark(time);
  int current = PhaseOf(tgid);
  const PhaseSpec* next = NextSpec(current);
  if (next != nullptr && TriggerMatchesExec(next->trigger, path)) {
    Enter(current + 1, tgid, next->trigger.scope == TriggerScope::kTree,
          fmt::format("exec {}", path), time, pid);
  }
  return PhaseOf(tgid);
}

int PhaseTracker::OnSignal(int pid, int tgid, int signal, double time) {
  ApplyPendingMark(time);
  int current = PhaseOf(tgid);
  const PhaseSpec* next = NextSpec(current);
  if (next != nullptr && TriggerMatchesSignal(next->trigger, signal)) {
    const char* abbrev = sigabbrev_np(signal);
    Enter(current + 1, tgid, next->trigger.scope == TriggerScope::kTree,
          abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal), time,
          pid);
  }
  return PhaseOf(tgid);
}

void PhaseTracker::OnFork(int parent_tgid, int child_tgid) {
  auto it = process_phase_.find(parent_tgid);
  if (it == process_phase_.end()) return;
  // A child can run ahead of its parent's fork event, even into a phase of its own (a server
  // child that re-executes itself fires an exec trigger): phases only move forward.
  int& child = process_phase_[child_tgid];
  child = std::max(child, it->second);
}

std::string PhaseTracker::FormatLog() const {
  std::string out;
  for (const PhaseSwitch& s : log_) {
    out += fmt::format("{:10.6f}  {:<16} {}  by {}{}\n", s.time, s.phase, s.trigger, s.event,
                       s.pid == 0 ? std::string()
                                  : fmt::format(" in pid {}{}", s.pid,
                                                s.whole_tree ? "" : " (this process only)"));
  }
  return out;
}

}  // namespace sysfence
