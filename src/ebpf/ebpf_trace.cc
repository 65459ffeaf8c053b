// EbpfTraceCommand (see ebpf_trace.h): launch, translate the kernel's records into the
// Recorder's events, reap, finish.
//
// The launched child waits on a pipe until sysfence has added it to the kernel's task table;
// from then on the kernel follows the tree by itself. sysfence's loop only reads the ring
// buffer: fork, exec and exit records become the Recorder's process events, counter flushes
// become OnCallCounts tagged with the phase they were counted in (the kernel's `epoch` is the
// Recorder's tree phase), each syscall's first call goes to the observer for the discovery
// timeline, and each syscall site the kernel located goes to OnSite with the path the kernel
// sent for its file. The command's exit status comes from waiting for it, as under ptrace.
#include "ebpf/ebpf_trace.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "base/command_path.h"
#include "base/file_util.h"
#include "base/held_child.h"
#include "base/launch_failure.h"
#include "base/monotonic_clock.h"
#include "base/proc_status.h"
#include "base/signal_scope.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "record/exec_image.h"
#include "syscalls/syscall_table.h"

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
  // `attach_to`: the Recorder behind `sink`, which records tasks that join (null: none can).
  RecordTranslator(RecordSink& sink, bool every_call, Recorder* attach_to = nullptr)
      : sink_(sink), every_call_(every_call), attach_to_(attach_to) {}

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

  void OnJoin(const BpfExecEvent& event) override {
    // A task of the watched cgroup: record it as what it runs now.
    if (attach_to_ == nullptr || sink_.Knows(event.pid)) return;
    std::string path(event.path);
    if (path.empty()) path = ExecutableOf(event.former_tid);
    attach_to_->Attach(event.pid, event.former_tid,
                       ChooseExecutedImage(path, FileIdentity{event.exe_dev, event.exe_inode}, ""));
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
    if (event.number >= 0 && event.arch == BpfArch::kX86_64) {
      ++distinct_;
      last_new_ = event.number;
    }
    if (every_call_) return;  // OnCall brings the first call too
    CallRecord call = Call(event);
    call.observe_only = true;
    sink_.OnSyscall(call);
  }

  void OnCall(const BpfCallEvent& event) override { sink_.OnSyscall(Call(event)); }

  void OnArgument(const BpfArgument& argument) override {
    sink_.OnArgument({argument.tid, static_cast<uint64_t>(argument.number), argument.index,
                      argument.value, static_cast<int>(argument.epoch)});
  }

  void OnFileName(const BpfFileName& file) override {
    if (!file.path.empty()) file_names_.try_emplace({file.dev, file.inode}, file.path);
  }

  void OnSite(const BpfSite& site) override {
    SiteRecord record;
    record.pid = site.tid;
    record.offset = site.offset;
    record.number = static_cast<uint64_t>(site.number);
    if (site.place == BpfSitePlace::kFile) {
      record.file = {site.dev, site.inode};
      // The kernel sent the file's path before its first site: the process may be gone
      // before its mappings could name it.
      auto name = file_names_.find({site.dev, site.inode});
      if (name != file_names_.end()) record.path = name->second;
    } else if (site.place == BpfSitePlace::kVdso) {
      record.path = kVdsoPath;
    }
    sink_.OnSite(record);
  }

  int distinct() const { return distinct_; }
  int last_new() const { return last_new_; }

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
  Recorder* attach_to_;
  std::map<std::pair<uint64_t, uint64_t>, std::string> file_names_;  // by (st_dev, st_ino)
  int distinct_ = 0;
  int last_new_ = -1;
};

CallCountRecord CountRecordOf(const BpfCalls& calls) {
  return {calls.tid, ArchOf(calls.arch), static_cast<uint64_t>(calls.number), calls.count,
          static_cast<int>(calls.epoch)};
}

// Adds every thread of `pid` to both the kernel's table and the Recorder. Threads a recorded
// thread creates meanwhile are added by the kernel; listing again until no thread is new
// catches those an unrecorded one created.
Status AttachProcess(pid_t pid, BpfRecorder& bpf, Recorder& recorder) {
  std::string image = ExecutedImage(pid, "");
  std::set<pid_t> added;
  for (int round = 0; round < 100; ++round) {
    bool any = false;
    for (pid_t tid : ThreadsOf(pid)) {
      if (added.contains(tid)) continue;
      if (Status tracked = bpf.Track(tid, pid, /*launching=*/false); !tracked.ok()) return tracked;
      if (!recorder.Knows(tid)) recorder.Attach(tid, pid, image);
      added.insert(tid);
      any = true;
    }
    if (!any) break;
  }
  if (added.empty()) return MakeError("--pid {}: the process has ended", pid);
  // A thread that ended before it was added left an entry no exit will remove.
  for (pid_t tid : added) {
    if (ThreadExists(pid, tid)) continue;
    if (Status removed = bpf.Untrack(tid); !removed.ok()) return removed;
  }
  return Ok{};
}

std::string SignalName(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? fmt::format("SIG{}", name) : fmt::format("signal {}", signal);
}

// The wait of both loops: for the kernel's records and for requests from other threads (a
// manual mark); then the records go to the Recorder, the observer may switch phases (the
// kernel then counts in the new one) and the requests are served.
class EventPump {
 public:
  static Result<EventPump> Open(BpfRecorder& bpf, IdleRequest* idle) {
    EventPump pump(bpf, idle);
    for (int fd : {bpf.ReadyFd(), idle != nullptr ? idle->fd() : -1}) {
      epoll_event entry{};
      entry.events = EPOLLIN;
      entry.data.fd = fd;
      if (fd >= 0 && epoll_ctl(pump.wait_set_.get(), EPOLL_CTL_ADD, fd, &entry) != 0) {
        return MakeError("epoll: {}", strerror(errno));
      }
    }
    return pump;
  }

  Status Pump(int timeout_ms, RecordTranslator& translator, Recorder& recorder) {
    epoll_event ready[2];
    int n = epoll_wait(wait_set_.get(), ready, 2, timeout_ms);
    if (n < 0 && errno != EINTR) return MakeError("epoll_wait: {}", strerror(errno));
    if (Result<int> polled = bpf_.Poll(0, translator); !polled.ok()) return polled.error();
    recorder.OnIdle(MonotonicNanoseconds());
    if (recorder.TreePhase() != epoch_) {
      epoch_ = recorder.TreePhase();
      bpf_.SetEpoch(static_cast<uint32_t>(epoch_));
    }
    for (int i = 0; i < n; ++i) {
      if (idle_ != nullptr && ready[i].data.fd == idle_->fd()) idle_->Serve();
    }
    return Ok{};
  }

  // The kernel counts in `phase` from now on (the phase the observer entered at the start).
  void StartIn(int phase) {
    epoch_ = phase;
    bpf_.SetEpoch(static_cast<uint32_t>(phase));
  }

 private:
  EventPump(BpfRecorder& bpf, IdleRequest* idle)
      : bpf_(bpf), idle_(idle), wait_set_(epoll_create1(EPOLL_CLOEXEC)) {}

  BpfRecorder& bpf_;
  IdleRequest* idle_;
  UniqueFd wait_set_;
  int epoch_ = 0;
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
  IdleRequest* idle = options.idle;
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
  Result<EventPump> events = EventPump::Open(bpf, idle);
  if (!events.ok()) {
    KillAll({root});
    return events.error();
  }
  events->StartIn(recorder.TreePhase());
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
    if (!tree_done) loop = events->Pump(1000, translator, recorder);
    int status = 0;
    pid_t pid;
    while ((pid = wait4(-1, &status, __WALL | (tree_done ? 0 : WNOHANG), nullptr)) > 0) {
      if (pid == root) root_status = status;
    }
    if (pid < 0 && errno == ECHILD) break;
  }
  if (idle != nullptr) idle->Close();
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

Result<AttachResult> EbpfAttach(const AttachOptions& options, bool every_call, IdleRequest* idle,
                                BpfRecorder& bpf, TraceObserver* observer) {
  if (options.pids.empty() && options.cgroup.empty()) return MakeError("nothing to record");
  // Check every argument before anything is recorded.
  Result<std::vector<pid_t>> processes = AttachedProcesses(options.pids);
  if (!processes.ok()) return processes.error();
  UniqueFd cgroup;
  struct stat cgroup_identity {};
  if (!options.cgroup.empty()) {
    cgroup = UniqueFd(open(options.cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct statfs fs {};
    if (!cgroup.valid()) return MakeError("--cgroup {}: {}", options.cgroup, strerror(errno));
    if (fstatfs(cgroup.get(), &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC ||
        fstat(cgroup.get(), &cgroup_identity) != 0) {
      return MakeError("--cgroup {}: not a cgroup v2 directory", options.cgroup);
    }
  }

  std::optional<TerminationSignals> signals;
  if (options.catch_termination_signals) signals.emplace();
  Recorder recorder(observer);
  if (!options.sites) recorder.DropSites();
  recorder.StartAttached();
  Result<EventPump> events = EventPump::Open(bpf, idle);
  if (!events.ok()) return events.error();
  events->StartIn(recorder.TreePhase());
  for (pid_t pid : *processes) {
    if (Status attached = AttachProcess(pid, bpf, recorder); !attached.ok()) {
      return attached.error();
    }
  }
  if (cgroup.valid()) {
    if (Status watched = bpf.WatchCgroup(cgroup.get()); !watched.ok()) return watched.error();
  }
  std::string target =
      !processes->empty() ? std::string(recorder.ImageOf(processes->front())) : options.cgroup;
  if (options.on_started) options.on_started(bpf.TrackedTasks());

  RecordTranslator translator(recorder, every_call, &recorder);
  auto progress = [&](const std::vector<BpfCalls>& pending) {
    if (!options.on_progress) return;
    AttachProgress now;
    now.calls = recorder.calls();
    for (const BpfCalls& calls : pending) now.calls += calls.count;
    now.distinct = translator.distinct();
    if (translator.last_new() >= 0) {
      now.last_new = std::string(SyscallName(translator.last_new()));
    }
    now.tasks = bpf.TrackedTasks();
    options.on_progress(now);
  };

  AttachResult result;
  AttachSchedule schedule(options, MonotonicNanoseconds());
  for (;;) {
    int64_t now = MonotonicNanoseconds();
    if (signals && signals->Received() != 0) {
      result.ended = SignalName(signals->Received());
      break;
    }
    if (result.ended = schedule.Ended(now); !result.ended.empty()) break;
    if (cgroup.valid()) {
      struct stat info {};
      if (stat(options.cgroup.c_str(), &info) != 0 || info.st_ino != cgroup_identity.st_ino) {
        result.ended = "the cgroup was removed";
        break;
      }
    } else if (bpf.TrackedTasks() == 0) {
      result.ended = "the recorded processes ended";
      break;
    }
    if (Status pumped = events->Pump(schedule.TimeoutMs(now), translator, recorder); !pumped.ok()) {
      return pumped.error();
    }
    now = MonotonicNanoseconds();
    if (schedule.FlushDue(now) || schedule.ProgressDue(now)) {
      std::vector<BpfCalls> held = bpf.PendingCounts();
      if (schedule.FlushDue(now)) {
        std::vector<CallCountRecord> pending;
        for (const BpfCalls& calls : held) pending.push_back(CountRecordOf(calls));
        if (Status flushed = options.on_flush(recorder.FinishWith(pending, target));
            !flushed.ok()) {
          return flushed.error();
        }
        schedule.Flushed(now);
      }
      if (schedule.ProgressDue(now)) {
        progress(held);
        schedule.Progressed(now);
      }
    }
  }
  if (idle != nullptr) idle->Close();
  // Nothing runs in the kernel after Stop: the last records, then what the table holds, are
  // exactly what is left.
  bpf.Stop();
  if (Result<int> polled = bpf.Poll(0, translator); !polled.ok()) return polled.error();
  for (const BpfCalls& calls : bpf.PendingCounts()) recorder.OnCallCounts(CountRecordOf(calls));
  progress({});
  BpfLosses losses = bpf.Losses();
  uint64_t lost = losses.lost_events + losses.untracked_tasks + losses.malformed_events;
  if (lost > 0) recorder.OnLost(lost);
  result.recording = recorder.Finish(target, /*interrupted=*/false);
  return result;
}

}  // namespace sysfence
