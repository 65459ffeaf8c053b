// The backend-neutral core of a dynamic trace. A backend (trace/tracer.h for ptrace) feeds it
// the events of record_sink.h; the Recorder keeps the traced tree (process_tree.h), decides
// which image each call counts for, counts it in the current phase (call_counters.h), reports
// everything to an observer (trace_observer.h: the phase observer, the events timeline) and
// lets that observer switch phases. Finish() turns the counts into the Profile.
//
//   Recorder recorder(&phase_observer);
//   recorder.Start(launched_pid);
//   ... the backend delivers events to recorder (as a RecordSink&) until the tree is gone ...
//   if (!recorder.root_execed()) { /* the command never started */ }
//   Recording done = recorder.Finish(canonical_command_path, interrupted);
//
// Image attribution, the same for every backend:
//   - a call counts for the image its process runs: the file of its last execve;
//   - a new process or thread runs its creator's image until it execs;
//   - an execve counts for the image that made it, not the one it loads;
//   - the launched child runs sysfence's own set-up until its execve succeeds: those calls
//     are not recorded, except the execve calls themselves, which count for the image key
//     kLauncherImage ("[launcher]").
#ifndef SYSFENCE_RECORD_RECORDER_H_
#define SYSFENCE_RECORD_RECORDER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.h"
#include "record/call_counters.h"
#include "record/code_sites.h"
#include "record/process_tree.h"
#include "record/record_sink.h"
#include "record/trace_observer.h"

namespace sysfence {

// A finished recording.
struct Recording {
  // kind dynamic, target, runs 1, syscalls, counts, seen_in_runs, images, compat_i386, the
  // phases the observer started, exit_status, incomplete (interrupted, or events were lost);
  // the argument values (args, image_args, phase args) unless events were lost (a lost value
  // would make the profile deny it: then it says nothing of arguments); the syscall sites
  // that ran (sites).
  Profile profile;
  // The launched command's exit code, or 128+N when signal N killed it; -1 when the recording
  // was interrupted or the command's end was not seen.
  int exit_status = -1;
  uint64_t calls = 0;  // calls recorded (the launcher's own set-up not included)
  // Syscall sites no file holds: calls from anonymous memory (JIT code), or (sites located in
  // the kernel) whose file neither the backend nor the process's mappings could name. Each
  // call under ptrace; each distinct site, number and process image under eBPF.
  uint64_t unlocated_sites = 0;
  // Calls no table can name (x32, numbers past the tables) and lost events, when any.
  std::vector<std::string> warnings;
};

class Recorder final : public RecordSink, private TraceContext {
 public:
  // `observer` may be null.
  explicit Recorder(TraceObserver* observer);
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // The launched command's first process, forked but not yet exec'd (see the attribution
  // rules above). Tells the observer the trace starts.
  void Start(pid_t root);

  // Recording what already runs (`trace --pid`, `--cgroup`) instead of a launched command:
  // tells the observer the recording starts, with no root process. There is no exit status.
  void StartAttached();
  // Thread `tid` of process `tgid`, already running `image` (its own: an exec'd file), is
  // recorded from now on. Call after StartAttached.
  void Attach(pid_t tid, pid_t tgid, std::string_view image);

  // RecordSink
  bool Knows(pid_t pid) const override;
  std::vector<pid_t> LivePids() const override { return tree_.Pids(); }
  std::string_view ImageOf(pid_t pid) const override;
  void OnSyscall(const CallRecord& call) override;
  void OnCallCounts(const CallCountRecord& calls) override;
  void OnArgument(const ArgumentRecord& argument) override;
  void OnSite(const SiteRecord& site) override;
  bool OnProcessCreated(const ProcessCreated& event) override;
  void OnExec(const ExecRecord& event) override;
  void OnExit(const ExitEvent& event) override;
  void OnSignal(const SignalRecord& event) override;
  void OnLost(uint64_t count) override;
  void OnIdle(int64_t monotonic_ns) override;
  int TreePhase() const override { return phase_; }

  // Keep no syscall sites (the profile's `sites`): for measuring what they cost.
  void DropSites() { record_sites_ = false; }

  pid_t root() const { return root_; }
  // Calls recorded so far (delivered ones: a backend that counts itself may hold more).
  uint64_t calls() const { return calls_; }
  // The launched process's execve has succeeded: the command runs.
  bool root_execed() const { return root_execed_; }

  // The Profile of everything recorded; `target` is the command's path.
  Recording Finish(const std::string& target, bool interrupted) const;
  // The same, as if `pending` (counts a backend holds and has not delivered yet) had been
  // delivered; the recorder is left as it was (for profiles written while recording goes on).
  Recording FinishWith(const std::vector<CallCountRecord>& pending, const std::string& target);

 private:
  // TraceContext
  void StartPhase(std::string name, std::string trigger) override;
  int PhaseCount() const override { return static_cast<int>(phases_.size()); }
  int AddPhase(std::string name, std::string trigger) override;
  void EnterPhase(int number, pid_t tgid) override;
  pid_t RootPid() const override { return root_; }

  // Adds `times` (wrapping: minus that many when it is the two's complement).
  void Count(Tracee& tracee, SyscallArch arch, uint64_t number, uint64_t times, int phase);

  TraceObserver* observer_;
  CallCounters counters_;
  CodeSites sites_;
  std::vector<Phase> phases_;
  ProcessTree tree_;
  pid_t root_ = 0;
  bool root_execed_ = false;
  int root_exit_status_ = -1;
  int phase_ = 0;  // the whole tree's phase (a process may be further on its own)
  uint64_t calls_ = 0;
  uint64_t unrecordable_calls_ = 0;
  uint64_t lost_events_ = 0;
  bool record_sites_ = true;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_RECORDER_H_
