// The ptrace event loop (see tracer.h).
//
// Per system call the tracer makes three calls of its own: wait4 returns the stop,
// PTRACE_GET_SYSCALL_INFO reads the architecture, number and arguments in one go, and
// PTRACE_CONT resumes. Counting is an array increment on the image the tracee runs; the image
// is looked up (in /proc/PID/exe) only when a process execs. Everything else here is rare:
// spawn and exec events, group-stops, signals, deaths.
//
// Stops are told apart by the wait status (PTRACE_SEIZE semantics, see ptrace(2)):
//   SIGTRAP | PTRACE_EVENT_x << 8   an event stop: fork/vfork/clone/exec/seccomp
//   SIGTRAP | 0x80                  a syscall stop (PTRACE_SYSCALL mode only)
//   sig | PTRACE_EVENT_STOP << 8    a group-stop (sig = SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU), or,
//                                   with SIGTRAP, a new child's first stop or an interrupt
//   sig                             a signal about to be delivered: passed on unchanged
#include "trace/tracer.h"

#include <limits.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/file_util.h"
#include "base/proc_status.h"

namespace sysfence {
namespace {

constexpr uint64_t kX32SyscallBit = 0x40000000;

int64_t MonotonicNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

SyscallArch ArchOf(uint32_t audit_arch, uint64_t number) {
  if (audit_arch == AUDIT_ARCH_X86_64) {
    return (number & kX32SyscallBit) != 0 && number < (kX32SyscallBit << 1) ? SyscallArch::kX32
                                                                           : SyscallArch::kX86_64;
  }
  return audit_arch == AUDIT_ARCH_I386 ? SyscallArch::kI386 : SyscallArch::kOther;
}

bool IsExecCall(uint32_t audit_arch, uint64_t number) {
  return audit_arch == AUDIT_ARCH_X86_64 && (number == SYS_execve || number == SYS_execveat);
}

std::string ExecutableOf(pid_t pid) {
  char path[PATH_MAX];
  std::string link = fmt::format("/proc/{}/exe", pid);
  ssize_t n = readlink(link.c_str(), path, sizeof path);
  // Without /proc the image cannot be named; its calls still count, under this key.
  if (n <= 0) return "(unknown image)";
  return std::string(path, static_cast<size_t>(n));
}

// Which set-ID bit of `pid`'s executable the kernel did not honour at its exec, or nullptr.
// The kernel ignores the bits when the tracer lacks CAP_SYS_PTRACE over the new credentials
// (and on a nosuid mount): the program then runs, and calls, as it would not untraced.
const char* IgnoredSetIdBit(pid_t pid) {
  struct stat file{};
  if (stat(fmt::format("/proc/{}/exe", pid).c_str(), &file) != 0) return nullptr;
  bool set_uid = (file.st_mode & S_ISUID) != 0;
  bool set_gid = (file.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
  if (!set_uid && !set_gid) return nullptr;
  Result<std::string> status = ReadFile(fmt::format("/proc/{}/status", pid));
  if (!status.ok()) return nullptr;
  // "Uid:\treal\teffective\tsaved\tfs": the effective id is the second number.
  auto effective = [&](std::string_view key) -> long {
    std::vector<long long> ids = StatusNumbers(*status, key);
    return ids.size() >= 2 ? static_cast<long>(ids[1]) : -1;
  };
  if (set_uid && effective("Uid") != static_cast<long>(file.st_uid)) return "set-user-ID";
  if (set_gid && effective("Gid") != static_cast<long>(file.st_gid)) return "set-group-ID";
  return nullptr;
}

// Whether `path` names the file /proc/PID/exe is (the same device and inode).
bool IsExecutableOf(pid_t pid, const std::string& path) {
  struct stat exe{}, named{};
  return stat(fmt::format("/proc/{}/exe", pid).c_str(), &exe) == 0 &&
         stat(path.c_str(), &named) == 0 && exe.st_dev == named.st_dev &&
         exe.st_ino == named.st_ino;
}

bool IsStopSignal(int signal) {
  return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
}

constexpr uint64_t kI386Prctl = 172;

// The number of seccomp filters on thread `pid` (/proc/PID/status, Linux 5.9+), or -1.
int SeccompFilterCount(std::string_view proc_name) {
  Result<std::string> status = ReadFile(fmt::format("/proc/{}/status", proc_name));
  if (!status.ok()) return -1;
  std::vector<long long> count = StatusNumbers(*status, "Seccomp_filters");
  return count.empty() ? -1 : static_cast<int>(count[0]);
}

}  // namespace

Tracer::Tracer(StopMode mode, CallCounters* counters, std::vector<Phase>* phases,
               TraceObserver* observer, const TerminationSignals* signals)
    : mode_(mode), counters_(counters), phases_(phases), observer_(observer), signals_(signals) {
  if (mode_ == StopMode::kSeccomp) inherited_filters_ = SeccompFilterCount("self");
}

bool Tracer::AnswerSeccompMode(pid_t pid, uint32_t arch, uint64_t number, const uint64_t* args) {
  bool get_seccomp = (arch == AUDIT_ARCH_X86_64 && number == SYS_prctl) ||
                     (arch == AUDIT_ARCH_I386 && number == kI386Prctl);
  if (!get_seccomp || static_cast<int>(args[0]) != PR_GET_SECCOMP) return false;
  // Without sysfence the program would see mode 2 only under filters of its own or of
  // whatever sysfence runs under: then the real answer is right.
  if (inherited_filters_ != 0) return false;
  if (SeccompFilterCount(std::to_string(pid)) != 1) return false;
  // Skip the call (number -1) with a return value of 0, SECCOMP_MODE_DISABLED.
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0) return false;
  regs.orig_rax = static_cast<unsigned long long>(-1);
  regs.rax = 0;
  return ptrace(PTRACE_SETREGS, pid, 0, &regs) == 0;
}

void Tracer::StartPhase(std::string name, std::string trigger) {
  Phase phase;
  phase.name = std::move(name);
  phase.trigger = std::move(trigger);
  phases_->push_back(std::move(phase));
  phase_ = static_cast<int>(phases_->size());
}

int Tracer::AddPhase(std::string name, std::string trigger) {
  Phase phase;
  phase.name = std::move(name);
  phase.trigger = std::move(trigger);
  phases_->push_back(std::move(phase));
  return static_cast<int>(phases_->size());
}

void Tracer::EnterPhase(int number, pid_t tgid) {
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

void Tracer::Resume(pid_t pid, int signal) const {
  // ESRCH (the tracee was killed meanwhile) is fine: its death is reported by wait4.
  ptrace(mode_ == StopMode::kSeccomp ? PTRACE_CONT : PTRACE_SYSCALL, pid, 0, signal);
}

Result<TracerOutcome> Tracer::Run(pid_t root, ImageCounters* launcher_image) {
  root_ = root;
  Tracee& first = tree_.Add(root, root, launcher_image);
  first.launching = true;
  if (observer_ != nullptr) observer_->OnStart(*this);
  for (;;) {
    if (signals_ != nullptr && signals_->Received() != 0) {
      outcome_.interrupted_by = signals_->Received();
      tree_.KillAndReapAll();
      break;
    }
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return MakeError("waiting for the traced processes: {}", strerror(errno));
    }
    if (WIFSTOPPED(status)) {
      if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)) && mode_ == StopMode::kSeccomp) {
        HandleSyscallStop(pid);
        Resume(pid, 0);
      } else {
        HandleOtherStop(pid, status);
      }
    } else if (WIFEXITED(status) || WIFSIGNALED(status)) {
      HandleDeath(pid, status);
    }
  }
  return outcome_;
}

void Tracer::HandleSyscallStop(pid_t pid) {
  Tracee* tracee = tree_.Find(pid);
  if (tracee == nullptr) return;
  __ptrace_syscall_info info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) return;
  const uint64_t* args;
  uint64_t number;
  if (info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
    number = info.seccomp.nr;
    args = info.seccomp.args;
  } else if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
    number = info.entry.nr;
    args = info.entry.args;
  } else {
    return;  // a syscall-exit stop
  }
  // Until the root's execve succeeds, it runs sysfence's set-up; only that execve counts.
  if (tracee->launching && !IsExecCall(info.arch, number)) return;
  ++outcome_.syscall_stops;
  if (observer_ != nullptr) {
    SyscallStop stop;
    stop.pid = pid;
    stop.tgid = tracee->tgid;
    stop.image = tracee->image->path();
    stop.arch = ArchOf(info.arch, number);
    stop.number = number;
    std::copy(args, args + 6, stop.args.begin());
    stop.instruction_pointer = info.instruction_pointer;
    stop.monotonic_ns = MonotonicNanoseconds();
    observer_->OnSyscall(*this, stop);
  }
  Count(*tracee, info.arch, number);
  if (info.op == PTRACE_SYSCALL_INFO_SECCOMP) AnswerSeccompMode(pid, info.arch, number, args);
}

void Tracer::Count(Tracee& tracee, uint32_t arch, uint64_t number) {
  CallCounts& counts = tracee.image->ForPhase(std::max(phase_, tracee.phase));
  if (arch == AUDIT_ARCH_X86_64 && number < kSyscallNumberLimit) {
    ++counts.x86_64[number];
  } else if (arch == AUDIT_ARCH_I386 && number < kI386NumberLimit) {
    ++counts.i386[number];
  } else {
    ++outcome_.unrecordable_calls;
  }
}

void Tracer::HandleOtherStop(pid_t pid, int status) {
  int signal = WSTOPSIG(status);
  int event = status >> 16;
  Tracee* tracee = tree_.Find(pid);
  if (tracee == nullptr) tracee = Adopt(pid);
  if (tracee == nullptr) {
    unannounced_.push_back(pid);
    return;
  }
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      HandleSpawn(*tracee, event);
      Resume(pid, 0);
      return;
    case PTRACE_EVENT_EXEC:
      HandleExec(pid);
      Resume(pid, 0);
      return;
    case PTRACE_EVENT_STOP:
      if (IsStopSignal(signal)) {
        // Group-stop: stay stopped, as without a tracer, until a SIGCONT; LISTEN lets the
        // tracer hear about that SIGCONT (and other events) meanwhile. A SIGCONT that came
        // before the LISTEN is not lost: the kernel re-traps the tracee at once, and the
        // stop then reports SIGTRAP, which resumes it below.
        ptrace(PTRACE_LISTEN, pid, 0, 0);
      } else {
        tracee->awaiting_first_stop = false;
        Resume(pid, 0);
      }
      return;
    case PTRACE_EVENT_SECCOMP:
      // PTRACE_SYSCALL mode: a filter of the tracee's own asked for this stop; the call is
      // counted at its syscall-entry stop.
      Resume(pid, 0);
      return;
    case 0:
      break;
    default:
      Resume(pid, 0);
      return;
  }
  if (signal == (SIGTRAP | 0x80)) {
    HandleSyscallStop(pid);
    Resume(pid, 0);
    return;
  }
  // Signal-delivery-stop: deliver the signal the tracee was about to get.
  if (observer_ != nullptr) {
    observer_->OnSignal(*this, SignalEvent{pid, signal, MonotonicNanoseconds(), tracee->tgid});
  }
  Resume(pid, signal);
}

Tracee* Tracer::Adopt(pid_t pid) {
  // A new child's first stop can come before its parent's fork event. It has run no code yet,
  // so it runs what its parent (or, for a thread, its process) runs now.
  ProcessLineage lineage = ReadLineage(pid);
  Tracee* relative = tree_.Find(lineage.tgid != pid ? lineage.tgid : lineage.ppid);
  if (lineage.tgid == 0 || relative == nullptr) return nullptr;
  return &tree_.Add(pid, lineage.tgid, relative->image);
}

void Tracer::HandleSpawn(Tracee& parent, int event) {
  unsigned long message = 0;
  if (ptrace(PTRACE_GETEVENTMSG, parent.pid, 0, &message) != 0) return;
  pid_t child = static_cast<pid_t>(message);
  ImageCounters* image = parent.image;
  int parent_phase = parent.phase;
  Tracee* record = tree_.Find(child);
  if (record != nullptr) {
    // Adopted at its first stop: the event names the real creator, whose image it runs. But
    // a child can run ahead of its parent's event (the parent is woken to report it only
    // after the child), even as far as its own execve: then it keeps the image it exec'd.
    if (!record->execed) record->image = image;
  } else {
    pid_t tgid = event == PTRACE_EVENT_CLONE ? ReadLineage(child).tgid : child;
    record = &tree_.Add(child, tgid != 0 ? tgid : child, image);
    record->awaiting_first_stop = true;
  }
  record->phase = std::max(record->phase, parent_phase);
  if (auto held = std::find(unannounced_.begin(), unannounced_.end(), child);
      held != unannounced_.end()) {
    unannounced_.erase(held);
    record->awaiting_first_stop = false;
    Resume(child, 0);
  }
  pid_t child_tgid = record->tgid;
  if (observer_ != nullptr) {
    SpawnKind kind = event == PTRACE_EVENT_FORK    ? SpawnKind::kFork
                     : event == PTRACE_EVENT_VFORK ? SpawnKind::kVfork
                                                   : SpawnKind::kClone;
    observer_->OnSpawn(*this, SpawnEvent{parent.pid, child, child_tgid, kind, image->path(),
                                         MonotonicNanoseconds()});
  }
}

void Tracer::HandleExec(pid_t pid) {
  unsigned long message = 0;
  ptrace(PTRACE_GETEVENTMSG, pid, 0, &message);
  pid_t former_tid = message != 0 ? static_cast<pid_t>(message) : pid;
  // A non-leader thread that execs takes over its process's id; its old id is gone without a
  // death report (ptrace(2), "execve(2) under ptrace").
  if (former_tid != pid) tree_.Remove(former_tid);
  std::string path = ExecutableOf(pid);
  Tracee* before = tree_.Find(pid);
  if (before == nullptr) before = tree_.Find(former_tid);
  // A program that re-executes itself through another name (crun bind-mounts its own file on
  // a temporary one, execs it and unmounts it) shows a path that no longer names it: it is
  // still the file it ran before.
  if (before != nullptr && !before->launching && !IsExecutableOf(pid, path) &&
      IsExecutableOf(pid, before->image->path())) {
    path = before->image->path();
  }
  if (const char* bit = IgnoredSetIdBit(pid)) {
    std::pair<std::string, std::string> entry(bit, path);
    auto& seen = outcome_.unprivileged_set_id;
    if (std::find(seen.begin(), seen.end(), entry) == seen.end()) seen.push_back(entry);
  }
  ImageCounters* image = counters_->Intern(path);
  Tracee* tracee = tree_.Find(pid);
  if (tracee == nullptr) tracee = &tree_.Add(pid, pid, image);
  bool launch = tracee->launching;
  tracee->image = image;
  tracee->tgid = pid;
  tracee->launching = false;
  tracee->execed = true;
  if (pid == root_) outcome_.root_execed = true;
  if (observer_ != nullptr) {
    observer_->OnExec(*this,
                      ExecEvent{pid, former_tid, image->path(), MonotonicNanoseconds(), launch});
  }
}

void Tracer::HandleDeath(pid_t pid, int status) {
  bool killed = WIFSIGNALED(status);
  int code = killed ? WTERMSIG(status) : WEXITSTATUS(status);
  if (pid == root_) outcome_.root_exit_status = killed ? 128 + code : code;
  if (observer_ != nullptr && tree_.Find(pid) != nullptr) {
    observer_->OnExit(*this, ExitEvent{pid, killed, code, MonotonicNanoseconds()});
  }
  tree_.Remove(pid);
  std::erase(unannounced_, pid);
}

}  // namespace sysfence
