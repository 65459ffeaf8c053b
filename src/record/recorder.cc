// The recording core (see recorder.h). Per call: one table lookup for the thread, one array
// increment on its image's counters in its phase, the observer's hook, and for the few calls
// of the argument table, their values into a small set. Creations, execs
// and exits are rare; they keep the table and the image of each thread right.
#include "record/recorder.h"

#include <fmt/format.h>
#include <sys/syscall.h>

#include <algorithm>

#include "profile/argument_values.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

bool IsExecCall(SyscallArch arch, uint64_t number) {
  return arch == SyscallArch::kX86_64 && (number == SYS_execve || number == SYS_execveat);
}

}  // namespace

Recorder::Recorder(TraceObserver* observer) : observer_(observer) {}

void Recorder::Start(pid_t root) {
  root_ = root;
  Tracee& first = tree_.Add(root, root, counters_.Intern(std::string(kLauncherImage)));
  first.launching = true;
  if (observer_ != nullptr) observer_->OnStart(*this);
}

void Recorder::StartAttached() {
  root_ = 0;
  if (observer_ != nullptr) observer_->OnStart(*this);
}

void Recorder::Attach(pid_t tid, pid_t tgid, std::string_view image) {
  Tracee& tracee = tree_.Add(tid, tgid, counters_.Intern(std::string(image)));
  tracee.execed = true;
}

bool Recorder::Knows(pid_t pid) const { return tree_.Find(pid) != nullptr; }

std::string_view Recorder::ImageOf(pid_t pid) const {
  const Tracee* tracee = tree_.Find(pid);
  if (tracee == nullptr || tracee->launching) return {};
  return tracee->image->path();
}

void Recorder::StartPhase(std::string name, std::string trigger) {
  phase_ = AddPhase(std::move(name), std::move(trigger));
}

int Recorder::AddPhase(std::string name, std::string trigger) {
  Phase phase;
  phase.name = std::move(name);
  phase.trigger = std::move(trigger);
  phases_.push_back(std::move(phase));
  return static_cast<int>(phases_.size());
}

void Recorder::EnterPhase(int number, pid_t tgid) {
  if (tgid == 0) {
    phase_ = std::max(phase_, number);
    return;
  }
  // Rare (a process-scoped trigger fired): every thread of the process moves.
  for (pid_t pid : tree_.Pids()) {
    Tracee* tracee = tree_.Find(pid);
    if (tracee != nullptr && tracee->tgid == tgid) tracee->phase = std::max(tracee->phase, number);
  }
}

void Recorder::OnSyscall(const CallRecord& call) {
  Tracee* tracee = tree_.Find(call.pid);
  if (tracee == nullptr) return;
  // Until the root's execve succeeds, it runs sysfence's set-up; only that execve counts.
  if (tracee->launching && !IsExecCall(call.arch, call.number)) return;
  if (!call.observe_only) ++calls_;
  if (observer_ != nullptr) {
    SyscallStop stop;
    stop.pid = call.pid;
    stop.tgid = tracee->tgid;
    stop.image = tracee->image->path();
    stop.arch = call.arch;
    stop.number = call.number;
    stop.args = call.args;
    stop.instruction_pointer = call.instruction_pointer;
    stop.monotonic_ns = call.monotonic_ns;
    observer_->OnSyscall(*this, stop);
  }
  if (call.observe_only) return;
  Count(*tracee, call.arch, call.number, 1, phase_);
  // The launcher's execve runs sysfence's code, not the command's: it has no site.
  if (record_sites_ && call.instruction_pointer != 0 && !tracee->launching &&
      call.arch == SyscallArch::kX86_64 && call.number < kSyscallNumberLimit) {
    sites_.Record(tracee->tgid, call.instruction_pointer, static_cast<int>(call.number));
    // Its code may be unmapped now: the next site looked up reads its mappings again.
    if (call.number == SYS_munmap || call.number == SYS_mremap) sites_.Forget(tracee->tgid);
  }
  if (call.with_arguments && call.arch == SyscallArch::kX86_64 &&
      call.number < kSyscallNumberLimit) {
    RecordArguments(tracee->image->ForPhase(std::max(phase_, tracee->phase)).args,
                    static_cast<int>(call.number), call.args);
  }
}

void Recorder::OnArgument(const ArgumentRecord& argument) {
  Tracee* tracee = tree_.Find(argument.pid);
  if (tracee == nullptr || tracee->launching || argument.number >= kSyscallNumberLimit) return;
  CallCounts& counts = tracee->image->ForPhase(std::max(argument.phase, tracee->phase));
  counts.args[static_cast<int>(argument.number)][argument.index].insert(argument.value);
}

void Recorder::OnSite(const SiteRecord& site) {
  Tracee* tracee = tree_.Find(site.pid);
  if (!record_sites_ || tracee == nullptr || tracee->launching) return;
  sites_.RecordInFile(tracee->tgid, site.file, site.offset, static_cast<int>(site.number),
                      site.path);
}

void Recorder::OnCallCounts(const CallCountRecord& calls) {
  Tracee* tracee = tree_.Find(calls.pid);
  if (tracee == nullptr || calls.count == 0) return;
  calls_ += calls.count;
  Count(*tracee, calls.arch, calls.number, calls.count, calls.phase);
}

void Recorder::Count(Tracee& tracee, SyscallArch arch, uint64_t number, uint64_t times, int phase) {
  CallCounts& counts = tracee.image->ForPhase(std::max(phase, tracee.phase));
  if (arch == SyscallArch::kX86_64 && number < kSyscallNumberLimit) {
    counts.x86_64[number] += times;
  } else if (arch == SyscallArch::kI386 && number < kI386NumberLimit) {
    counts.i386[number] += times;
  } else {
    unrecordable_calls_ += times;
  }
}

bool Recorder::OnProcessCreated(const ProcessCreated& event) {
  Tracee* parent = tree_.Find(event.parent);
  if (parent == nullptr) return false;
  ImageCounters* image = parent->image;
  int parent_phase = parent->phase;
  Tracee* record = tree_.Find(event.child);
  if (record != nullptr) {
    // Seen before, provisionally: the creator's event names the image it runs. But a child
    // can run ahead of its creator's event, even as far as its own execve: then it keeps the
    // image it exec'd.
    if (!record->execed) record->image = image;
  } else {
    record = &tree_.Add(event.child, event.child_tgid != 0 ? event.child_tgid : event.child, image);
  }
  // It runs in its creator's phase from its first call, also when it runs ahead of the
  // creator's event (the creator, stopped at that event, is still in the phase it forked in):
  // sshd's privilege-separation child otherwise counted its chroot and setuid for the listener.
  record->phase = std::max(record->phase, parent_phase);
  if (event.provisional) return true;
  if (observer_ != nullptr) {
    observer_->OnSpawn(*this, SpawnEvent{event.parent, event.child, record->tgid, event.kind,
                                         image->path(), event.monotonic_ns});
  }
  return true;
}

void Recorder::OnExec(const ExecRecord& event) {
  // A non-leader thread that execs takes over its process's id; its old id is gone without
  // an exit of its own.
  if (event.former_tid != 0 && event.former_tid != event.pid) tree_.Remove(event.former_tid);
  ImageCounters* image = counters_.Intern(std::string(event.image));
  Tracee* tracee = tree_.Find(event.pid);
  if (tracee == nullptr) tracee = &tree_.Add(event.pid, event.pid, image);
  bool launch = tracee->launching;
  tracee->image = image;
  tracee->tgid = event.pid;
  sites_.Forget(event.pid);
  tracee->launching = false;
  tracee->execed = true;
  if (event.pid == root_) root_execed_ = true;
  if (observer_ != nullptr) {
    pid_t former = event.former_tid != 0 ? event.former_tid : event.pid;
    observer_->OnExec(*this,
                      ExecEvent{event.pid, former, image->path(), event.monotonic_ns, launch});
  }
}

void Recorder::OnExit(const ExitEvent& event) {
  if (event.pid == root_) root_exit_status_ = event.killed ? 128 + event.status : event.status;
  if (observer_ != nullptr && tree_.Find(event.pid) != nullptr) {
    observer_->OnExit(*this, event);
  }
  const Tracee* tracee = tree_.Find(event.pid);
  if (tracee != nullptr && tracee->tgid == event.pid) sites_.Forget(event.pid);
  tree_.Remove(event.pid);
}

void Recorder::OnSignal(const SignalRecord& event) {
  const Tracee* tracee = tree_.Find(event.pid);
  if (tracee == nullptr || observer_ == nullptr) return;
  observer_->OnSignal(*this,
                      SignalEvent{event.pid, event.signal, event.monotonic_ns, tracee->tgid});
}

void Recorder::OnLost(uint64_t count) { lost_events_ += count; }

void Recorder::OnIdle(int64_t monotonic_ns) {
  if (observer_ != nullptr) observer_->OnIdle(*this, monotonic_ns);
}

Recording Recorder::FinishWith(const std::vector<CallCountRecord>& pending,
                               const std::string& target) {
  // Counted in, then out again: unsigned arithmetic gives back exactly what was there.
  auto apply = [&](bool add) {
    for (const CallCountRecord& calls : pending) {
      Tracee* tracee = tree_.Find(calls.pid);
      if (tracee == nullptr || calls.count == 0) continue;
      uint64_t times = add ? calls.count : uint64_t{0} - calls.count;
      calls_ += times;
      Count(*tracee, calls.arch, calls.number, times, calls.phase);
    }
  };
  apply(true);
  Recording done = Finish(target, false);
  apply(false);
  return done;
}

Recording Recorder::Finish(const std::string& target, bool interrupted) const {
  Recording done;
  Profile& profile = done.profile;
  profile.kind = ProfileKind::kDynamic;
  profile.target = target;
  profile.runs = 1;
  profile.phases = phases_;
  uint64_t unnamed = counters_.AddToProfile(&profile, /*with_arguments=*/lost_events_ == 0);
  profile.MarkSeenInOneRun();
  sites_.AddToProfile(&profile);
  done.unlocated_sites = sites_.unlocated();
  profile.incomplete = interrupted || lost_events_ > 0;
  done.exit_status = interrupted ? -1 : root_exit_status_;
  profile.exit_status = done.exit_status;
  done.calls = calls_;
  uint64_t unrecorded = unnamed + unrecordable_calls_;
  if (unrecorded > 0) {
    done.warnings.push_back(fmt::format(
        "{} call(s) with numbers outside the x86-64 and i386 tables (x32 or invalid numbers) "
        "are not in the profile",
        unrecorded));
  }
  if (lost_events_ > 0) {
    done.warnings.push_back(fmt::format(
        "{} event(s) were lost while recording: the profile is marked incomplete and keeps no "
        "argument values",
        lost_events_));
  }
  return done;
}

}  // namespace sysfence
