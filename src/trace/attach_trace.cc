// PtraceAttach (see attach_trace.h): seize every thread, let the tracer run in attach mode with
// a periodic alarm that lets it look at the clock, detach at the end.
#include "trace/attach_trace.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "base/file_util.h"
#include "base/monotonic_clock.h"
#include "base/proc_status.h"
#include "base/signal_scope.h"
#include "ptrace/ptrace_options.h"
#include "ptrace/ptrace_permission.h"
#include "record/exec_image.h"
#include "syscalls/syscall_table.h"
#include "trace/tracer.h"

namespace sysfence {
namespace {

// The tracer's own options less PTRACE_O_EXITKILL: nothing of sysfence stays in an attached
// process (no filter), so it must run on if sysfence dies.
constexpr unsigned long kAttachOptions = kTraceeOptions & ~PTRACE_O_EXITKILL;

void OnTick(int /*signal*/) {}

// Seizes every thread of `pid` and stops each once (the tracer resumes it under
// PTRACE_SYSCALL). Threads a seized thread creates are followed by the kernel; listing again
// until none is new catches those an unseized one created.
Status SeizeProcess(pid_t pid, Recorder& recorder) {
  std::string image = ExecutedImage(pid, "");
  std::set<pid_t> seized;
  for (int round = 0; round < 100; ++round) {
    bool any = false;
    for (pid_t tid : ThreadsOf(pid)) {
      if (seized.contains(tid) || recorder.Knows(tid)) continue;
      if (ptrace(PTRACE_SEIZE, tid, 0, kAttachOptions) != 0) {
        int error = errno;
        if (error == ESRCH) continue;  // ended meanwhile
        // A thread a seized thread created is ours already.
        if (error == EPERM && ReadLineage(tid).tgid == pid &&
            StatusNumbers(ReadFile(fmt::format("/proc/{}/status", tid)).value_or(""),
                          "TracerPid") == std::vector<long long>{getpid()}) {
          continue;
        }
        Error why = ExplainPtraceDenial(error, GatherPtraceFacts(tid));
        return MakeError("--pid {}: {}", pid, why.message());
      }
      ptrace(PTRACE_INTERRUPT, tid, 0, 0);
      recorder.Attach(tid, pid, image);
      seized.insert(tid);
      any = true;
    }
    if (!any) break;
  }
  if (seized.empty()) return MakeError("--pid {}: the process has ended", pid);
  return Ok{};
}

}  // namespace

Result<AttachResult> PtraceAttach(const AttachOptions& options, TraceObserver* observer) {
  if (!options.cgroup.empty()) {
    return MakeError(
        "--cgroup needs the eBPF backend (ptrace cannot follow tasks that enter a "
        "cgroup)");
  }
  if (options.pids.empty()) return MakeError("nothing to record");
  Result<std::vector<pid_t>> processes = AttachedProcesses(options.pids);
  if (!processes.ok()) return processes.error();

  std::optional<TerminationSignals> signals;
  std::optional<SignalScope> ticks;
  if (options.catch_termination_signals) {
    signals.emplace();  // its SIGALRM handler serves the ticks too
  } else {
    ticks.emplace(std::initializer_list<int>{SIGALRM}, OnTick);
  }
  Recorder recorder(observer);
  if (!options.sites) recorder.DropSites();
  recorder.StartAttached();
  Tracer tracer(StopMode::kEverySyscall, &recorder, signals ? &*signals : nullptr);
  // From the first seized thread on, whatever happens, the tracer detaches, never kills.
  tracer.DetachAtEnd([] { return std::string(); });
  std::string target;
  for (pid_t pid : *processes) {
    if (Status seized = SeizeProcess(pid, recorder); !seized.ok()) return seized.error();
    if (target.empty()) target = std::string(recorder.ImageOf(pid));
  }
  if (options.on_started) options.on_started(static_cast<int>(recorder.LivePids().size()));

  AttachSchedule schedule(options, MonotonicNanoseconds());
  SyscallSet seen;
  std::string last_new;
  auto progress = [&](const Recording& so_far) {
    AttachProgress now;
    now.calls = so_far.calls;
    now.distinct = so_far.profile.syscalls.Size();
    for (int number : so_far.profile.syscalls.Numbers()) {
      if (!seen.Contains(number)) last_new = std::string(SyscallName(number));
    }
    seen = so_far.profile.syscalls;
    now.last_new = last_new;
    now.tasks = static_cast<int>(recorder.LivePids().size());
    options.on_progress(now);
  };
  Status flushed = Ok{};
  tracer.DetachAtEnd([&]() -> std::string {
    int64_t now = MonotonicNanoseconds();
    if (std::string ended = schedule.Ended(now); !ended.empty()) return ended;
    if (schedule.FlushDue(now)) {
      flushed = options.on_flush(recorder.FinishWith({}, target));
      if (!flushed.ok()) return "an error";
      schedule.Flushed(now);
    }
    if (schedule.ProgressDue(now)) {
      progress(recorder.FinishWith({}, target));
      schedule.Progressed(now);
    }
    return "";
  });
  // Interrupts the wait every 100 ms, so that the clock is looked at while nothing happens.
  itimerval period{{0, 100'000}, {0, 100'000}};
  setitimer(ITIMER_REAL, &period, nullptr);
  Result<TracerOutcome> outcome = tracer.Run();
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  if (!outcome.ok()) return outcome.error();
  if (!flushed.ok()) return flushed.error();

  AttachResult result;
  if (outcome->interrupted_by != 0) {
    const char* name = sigabbrev_np(outcome->interrupted_by);
    result.ended = name != nullptr ? fmt::format("SIG{}", name)
                                   : fmt::format("signal {}", outcome->interrupted_by);
  } else if (!tracer.ended().empty()) {
    result.ended = tracer.ended();
  } else {
    result.ended = "the recorded processes ended";
  }
  result.recording = recorder.Finish(target, /*interrupted=*/false);
  if (options.on_progress) progress(result.recording);
  return result;
}

}  // namespace sysfence
