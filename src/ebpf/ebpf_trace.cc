// EbpfTraceCommand (see ebpf_trace.h): launch, translate the kernel's records into the
// Recorder's events, reap, finish.
//
// The launched child waits on a pipe until sysfence has added it to the kernel's task table;
// from then on the kernel follows the tree by itself. sysfence's loop only reads the ring
// buffer: fork, exec and exit records become the Recorder's process events, counter flushes
// become OnCallCounts tagged with the phase they were counted in (the kernel's `epoch` is the
// Recorder's tree phase), and each syscall's first call goes to the observer for the
// discovery timeline. The command's exit status comes from waiting for it, as under ptrace.
#include "ebpf/ebpf_trace.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/command_path.h"
#include "base/held_child.h"
#include "base/launch_failure.h"
#include "base/monotonic_clock.h"
#include "base/signal_scope.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "record/exec_image.h"

namespace sysfence {
namespace {

SyscallArch ArchOf(BpfArch arch) {
  return arch == BpfArch::kI386 ? SyscallArch::kI386 : SyscallArch::kX86_64;
}

// A call no table can hold (the kernel does not tell x32 from invalid numbers).
constexpr uint64_t kUnrecordableNumber = ~uint64_t{0};

// Turns the kernel's records into the Recorder's events.
class RecordTranslator : public BpfEventSink {
 public:
  RecordTranslator(RecordSink& sink, bool every_call) : sink_(sink), every_call_(every_call) {}

  void OnFork(const BpfForkEvent& event) override {
    SpawnKind kind = event.kind == BpfSpawnKind::kVfork   ? SpawnKind::kVfork
                     : event.kind == BpfSpawnKind::kClone ? SpawnKind::kClone
                                                          : SpawnKind::kFork;
    sink_.OnProcessCreated(
        {event.parent, event.child, event.child_tgid, kind, event.monotonic_ns, false});
  }

  void OnExec(const BpfExecEvent& event) override {
    std::string path(event.path);
    // The kernel could not walk the path to the root (too deep): ask /proc, which is right
    // unless the process has exec'd again or gone meanwhile.
    if (path.empty()) path = ExecutableOf(event.pid);
    // The image it ran before, when it re-executed its own file under a name that no longer
    // names it (the rule of exec_image.h, with the identity the kernel saw at the exec).
    std::string_view before = sink_.ImageOf(event.pid);
    if (before.empty()) before = sink_.ImageOf(event.former_tid);
    std::string image =
        ChooseExecutedImage(path, FileIdentity{event.exe_dev, event.exe_inode}, before);
    sink_.OnExec({event.pid, event.former_tid, image, event.monotonic_ns});
  }

  void OnExit(const BpfExitEvent& event) override {
    sink_.OnExit({event.tid, event.killed, event.status, event.monotonic_ns});
  }

  void OnCalls(const BpfCalls& calls) override {
    if (every_call_) return;  // counted one by one through OnCall
    sink_.OnCallCounts({calls.tid, ArchOf(calls.arch), static_cast<uint64_t>(calls.number),
                        calls.count, static_cast<int>(calls.epoch)});
  }

  void OnUnrecordable(pid_t tid, uint64_t count) override {
    if (every_call_) return;
    sink_.OnCallCounts({tid, SyscallArch::kOther, kUnrecordableNumber, count, 0});
  }

  void OnFirstCall(const BpfCallEvent& event) override {
    if (every_call_) return;  // OnCall brings the first call too
    CallRecord call = Call(event);
    call.observe_only = true;
    sink_.OnSyscall(call);
  }

  void OnCall(const BpfCallEvent& event) override { sink_.OnSyscall(Call(event)); }

 private:
  static CallRecord Call(const BpfCallEvent& event) {
    CallRecord call;
    call.pid = event.tid;
    if (event.number < 0) {
      call.arch = SyscallArch::kOther;
      call.number = kUnrecordableNumber;
    } else {
      call.arch = ArchOf(event.arch);
      call.number = static_cast<uint64_t>(event.number);
    }
    call.monotonic_ns = event.monotonic_ns;
    return call;
  }

  static std::string ExecutableOf(pid_t pid) {
    char path[PATH_MAX];
    ssize_t n = readlink(fmt::format("/proc/{}/exe", pid).c_str(), path, sizeof path);
    return n > 0 ? std::string(path, static_cast<size_t>(n)) : "";
  }

  RecordSink& sink_;
  bool every_call_;
};

void KillAll(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) kill(pid, SIGKILL);
}

}  // namespace

std::optional<std::string> EbpfUnsupportedTrigger(const std::vector<PhaseSpec>& specs) {
  for (const PhaseSpec& spec : specs) {
    if (spec.trigger.kind == TriggerKind::kMark) continue;
    return fmt::format(
        "phase trigger '{}' must be decided at the moment it fires, which only the ptrace "
        "backend can do (the eBPF recorder follows `mark` phases only)",
        FormatPhaseSpec(spec));
  }
  return std::nullopt;
}

Result<EbpfTraceResult> EbpfTraceCommand(const EbpfTraceOptions& options, BpfRecorder& bpf,
                                         TraceObserver* observer) {
  if (options.command.empty()) return MakeError("no command to trace");
  Result<CommandPath> path = ResolveCommand(options.command.front());
  if (!path.ok()) return path.error();

  std::optional<TerminationSignals> signals;
  if (options.catch_termination_signals) signals.emplace();
  // Orphans of the tree are reparented to sysfence, which reaps them, and the tree is over
  // when sysfence has no child left.
  ScopedChildSubreaper subreaper;

  Result<HeldChild> launched = ForkHeldChild(path->exec_path, options.command);
  if (!launched.ok()) return launched.error();
  pid_t root = launched->pid;
  Recorder recorder(observer);
  recorder.Start(root);
  // The kernel counts in the phase the observer entered at the start.
  int epoch = recorder.TreePhase();
  bpf.SetEpoch(static_cast<uint32_t>(epoch));
  if (Status tracked = bpf.Track(root, root, /*launching=*/true); !tracked.ok()) {
    KillAll({root});
    while (waitpid(root, nullptr, 0) < 0 && errno == EINTR) {
    }
    return tracked.error();
  }
  if (Status released = launched->Release(); !released.ok()) {
    KillAll({root});
    while (waitpid(root, nullptr, 0) < 0 && errno == EINTR) {
    }
    return released.error();
  }

  RecordTranslator translator(recorder, options.every_call);
  // One wait for records and for requests from other threads (a manual mark).
  UniqueFd wait_set(epoll_create1(EPOLL_CLOEXEC));
  for (int fd : {bpf.ReadyFd(), options.idle != nullptr ? options.idle->fd() : -1}) {
    epoll_event entry{};
    entry.events = EPOLLIN;
    entry.data.fd = fd;
    if (fd >= 0 && epoll_ctl(wait_set.get(), EPOLL_CTL_ADD, fd, &entry) != 0) {
      KillAll({root});
      return MakeError("epoll: {}", strerror(errno));
    }
  }
  EbpfTraceResult result;
  int root_status = -1;
  Status loop = Ok{};
  for (;;) {
    if (signals && signals->Received() != 0 && result.interrupted_by == 0) {
      result.interrupted_by = signals->Received();
    }
    if (result.interrupted_by != 0 || !loop.ok()) KillAll(recorder.LivePids());
    // When the kernel records no task any more, only zombies are left to reap: wait for them
    // without reading records (none can come).
    bool tree_done = bpf.TrackedTasks() == 0 || !loop.ok();
    if (!tree_done) {
      epoll_event ready[2];
      int n = epoll_wait(wait_set.get(), ready, 2, 1000);
      if (n < 0 && errno != EINTR) loop = MakeError("epoll_wait: {}", strerror(errno));
      if (Result<int> polled = bpf.Poll(0, translator); !polled.ok()) loop = polled.error();
      recorder.OnIdle(MonotonicNanoseconds());
      if (recorder.TreePhase() != epoch) {
        epoch = recorder.TreePhase();
        bpf.SetEpoch(static_cast<uint32_t>(epoch));
      }
      for (int i = 0; i < n; ++i) {
        if (options.idle != nullptr && ready[i].data.fd == options.idle->fd())
          options.idle->Serve();
      }
    }
    int status = 0;
    pid_t pid;
    while ((pid = wait4(-1, &status, __WALL | (tree_done ? 0 : WNOHANG), nullptr)) > 0) {
      if (pid == root) root_status = status;
    }
    if (pid < 0 && errno == ECHILD) break;
  }
  if (options.idle != nullptr) options.idle->Close();
  if (!loop.ok()) return loop.error();
  // Every task has passed its exit record by now: read what is left.
  if (Result<int> polled = bpf.Poll(0, translator); !polled.ok()) return polled.error();
  if (root_status != -1) {
    // The process's status as its parent sees it (a thread's own exit code is not that).
    bool killed = WIFSIGNALED(root_status);
    recorder.OnExit({root, killed, killed ? WTERMSIG(root_status) : WEXITSTATUS(root_status),
                     MonotonicNanoseconds()});
  }
  BpfLosses losses = bpf.Losses();
  uint64_t lost = losses.lost_events + losses.untracked_tasks + losses.malformed_events;
  if (lost > 0) recorder.OnLost(lost);

  if (!recorder.root_execed() && result.interrupted_by == 0) {
    if (std::optional<LaunchFailure> failure = ReadLaunchFailure(launched->failure.get())) {
      return MakeError("cannot execute {}: {}", path->exec_path, strerror(failure->error_number));
    }
    return MakeError("{}: the process ended before the command started", path->exec_path);
  }
  result.recording = recorder.Finish(path->canonical, result.interrupted_by != 0);
  return result;
}

}  // namespace sysfence
