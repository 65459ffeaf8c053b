// The ptrace event loop (see tracer.h).
//
// Per system call the tracer makes three calls of its own: wait4 returns the stop,
// PTRACE_GET_SYSCALL_INFO reads the architecture, number and arguments in one go, and
// PTRACE_CONT resumes; the recorder then counts the call with an array increment on the image
// the tracee runs. The image is looked up (in /proc/PID/exe) only when a process execs.
// Everything else here is rare: spawn and exec events, group-stops, signals, deaths.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/file_util.h"
#include "base/monotonic_clock.h"
#include "base/proc_status.h"
#include "ptrace/ptrace_options.h"
#include "record/exec_image.h"

namespace sysfence {
namespace {

// Which set-ID bit of `pid`'s executable the kernel did not honour at its exec, or nullptr.
// The kernel ignores the bits when the tracer lacks CAP_SYS_PTRACE over the new credentials
// (and on a nosuid mount): the program then runs, and calls, as it would not untraced.
const char* IgnoredSetIdBit(pid_t pid) {
  struct stat file {};
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

constexpr uint64_t kI386Prctl = 172;

// The number of seccomp filters on thread `pid` (/proc/PID/status, Linux 5.9+), or -1.
int SeccompFilterCount(std::string_view proc_name) {
  Result<std::string> status = ReadFile(fmt::format("/proc/{}/status", proc_name));
  if (!status.ok()) return -1;
  std::vector<long long> count = StatusNumbers(*status, "Seccomp_filters");
  return count.empty() ? -1 : static_cast<int>(count[0]);
}

}  // namespace

Tracer::Tracer(StopMode mode, RecordSink* sink, const TerminationSignals* signals)
    : mode_(mode), sink_(sink), signals_(signals) {
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

Tracer::~Tracer() {
  if (done_ || (sink_->LivePids().empty() && unannounced_.empty())) return;
  if (tick_) {
    DetachAll();
  } else {
    KillAndReapAll();
  }
}

void Tracer::DetachAtEnd(std::function<std::string()> tick) { tick_ = std::move(tick); }

bool Tracer::TickSaysStop() {
  int64_t now = MonotonicNanoseconds();
  if (now < next_tick_) return false;
  next_tick_ = now + 100'000'000;
  ended_ = tick_();
  return !ended_.empty();
}

void Tracer::DetachAll() {
  // Children held at their first stop are stopped already (their stop was read): detach them
  // now; every other tracee runs (or listens in a group-stop) and reports the interrupt.
  for (pid_t pid : unannounced_) ptrace(PTRACE_DETACH, pid, 0, 0);
  std::vector<pid_t> left;
  for (pid_t pid : sink_->LivePids()) {
    // ESRCH: gone already (its death is waiting to be read, or was).
    if (std::find(unannounced_.begin(), unannounced_.end(), pid) == unannounced_.end() &&
        ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0) {
      left.push_back(pid);
    }
  }
  while (!left.empty()) {
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: no tracee left
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      HandleDeath(pid, status);
      std::erase(left, pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int signal = WSTOPSIG(status);
    int event = status >> 16;
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      // The child is traced already and stops on its own: detach it too.
      unsigned long child = 0;
      if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &child) == 0 && child != 0) {
        left.push_back(static_cast<pid_t>(child));
      }
    }
    // A signal-delivery-stop's signal goes on to the tracee; a group-stop stays a stop.
    int deliver = event == 0 && signal != (SIGTRAP | 0x80) ? signal : 0;
    ptrace(PTRACE_DETACH, pid, 0, deliver);
    std::erase(left, pid);
  }
  unannounced_.clear();
  done_ = true;
}

void Tracer::Resume(pid_t pid, int signal) const {
  // ESRCH (the tracee was killed meanwhile) is fine: its death is reported by wait4.
  ptrace(mode_ == StopMode::kSeccomp ? PTRACE_CONT : PTRACE_SYSCALL, pid, 0, signal);
}

Result<TracerOutcome> Tracer::Run() {
  for (;;) {
    if (signals_ != nullptr && signals_->Received() != 0) {
      outcome_.interrupted_by = signals_->Received();
      if (tick_) {
        DetachAll();
      } else {
        KillAndReapAll();
      }
      break;
    }
    if (tick_ && TickSaysStop()) {
      DetachAll();
      break;
    }
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid < 0) {
      if (errno == EINTR) {
        next_tick_ = 0;  // the periodic alarm: time to look
        continue;
      }
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
  done_ = true;
  return outcome_;
}

void Tracer::KillAndReapAll() {
  std::vector<pid_t> pids = sink_->LivePids();
  pids.insert(pids.end(), unannounced_.begin(), unannounced_.end());
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (;;) {
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: no child and no tracee left
    }
    if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
      // A stop reported before the SIGKILL took effect, or a child born meanwhile.
      kill(pid, SIGKILL);
      ptrace(PTRACE_CONT, pid, 0, 0);
    }
  }
  unannounced_.clear();
  done_ = true;
}

void Tracer::HandleSyscallStop(pid_t pid) {
  if (!sink_->Knows(pid)) return;
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
  CallRecord call;
  call.pid = pid;
  call.arch = SyscallArchOf(info.arch, number);
  call.number = number;
  std::copy(args, args + 6, call.args.begin());
  call.with_arguments = true;
  call.instruction_pointer = info.instruction_pointer;
  call.monotonic_ns = MonotonicNanoseconds();
  sink_->OnSyscall(call);
  if (info.op == PTRACE_SYSCALL_INFO_SECCOMP) AnswerSeccompMode(pid, info.arch, number, args);
}

void Tracer::HandleOtherStop(pid_t pid, int status) {
  int signal = WSTOPSIG(status);
  int event = status >> 16;
  if (!sink_->Knows(pid) && !Adopt(pid)) {
    unannounced_.push_back(pid);
    return;
  }
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      HandleSpawn(pid, event);
      Resume(pid, 0);
      return;
    case PTRACE_EVENT_EXEC:
      HandleExec(pid);
      Resume(pid, 0);
      return;
    case PTRACE_EVENT_STOP:
      if (IsGroupStopSignal(signal)) {
        // Group-stop: stay stopped, as without a tracer, until a SIGCONT; LISTEN lets the
        // tracer hear about that SIGCONT (and other events) meanwhile. A SIGCONT that came
        // before the LISTEN is not lost: the kernel re-traps the tracee at once, and the
        // stop then reports SIGTRAP, which resumes it below.
        ptrace(PTRACE_LISTEN, pid, 0, 0);
      } else {
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
  sink_->OnSignal(SignalRecord{pid, signal, MonotonicNanoseconds()});
  Resume(pid, signal);
}

bool Tracer::Adopt(pid_t pid) {
  // A new child's first stop can come before its parent's fork event. It has run no code yet,
  // so it runs what its parent (or, for a thread, its process) runs now.
  ProcessLineage lineage = ReadLineage(pid);
  if (lineage.tgid == 0) return false;
  ProcessCreated seen;
  seen.parent = lineage.tgid != pid ? lineage.tgid : lineage.ppid;
  seen.child = pid;
  seen.child_tgid = lineage.tgid;
  seen.kind = lineage.tgid != pid ? SpawnKind::kClone : SpawnKind::kFork;
  seen.monotonic_ns = MonotonicNanoseconds();
  seen.provisional = true;
  return sink_->OnProcessCreated(seen);
}

void Tracer::HandleSpawn(pid_t parent, int event) {
  unsigned long message = 0;
  if (ptrace(PTRACE_GETEVENTMSG, parent, 0, &message) != 0) return;
  pid_t child = static_cast<pid_t>(message);
  ProcessCreated created;
  created.parent = parent;
  created.child = child;
  created.kind = event == PTRACE_EVENT_FORK    ? SpawnKind::kFork
                 : event == PTRACE_EVENT_VFORK ? SpawnKind::kVfork
                                               : SpawnKind::kClone;
  created.monotonic_ns = MonotonicNanoseconds();
  if (!sink_->Knows(child)) {
    pid_t tgid = event == PTRACE_EVENT_CLONE ? ReadLineage(child).tgid : child;
    created.child_tgid = tgid != 0 ? tgid : child;
  }
  sink_->OnProcessCreated(created);
  if (auto held = std::find(unannounced_.begin(), unannounced_.end(), child);
      held != unannounced_.end()) {
    unannounced_.erase(held);
    Resume(child, 0);
  }
}

void Tracer::HandleExec(pid_t pid) {
  unsigned long message = 0;
  ptrace(PTRACE_GETEVENTMSG, pid, 0, &message);
  pid_t former_tid = message != 0 ? static_cast<pid_t>(message) : pid;
  std::string_view before = sink_->ImageOf(pid);
  if (before.empty()) before = sink_->ImageOf(former_tid);
  std::string path = ExecutedImage(pid, before);
  if (const char* bit = IgnoredSetIdBit(pid)) {
    std::pair<std::string, std::string> entry(bit, path);
    auto& seen = outcome_.unprivileged_set_id;
    if (std::find(seen.begin(), seen.end(), entry) == seen.end()) seen.push_back(entry);
  }
  sink_->OnExec(ExecRecord{pid, former_tid, path, MonotonicNanoseconds()});
}

void Tracer::HandleDeath(pid_t pid, int status) {
  bool killed = WIFSIGNALED(status);
  int code = killed ? WTERMSIG(status) : WEXITSTATUS(status);
  sink_->OnExit(ExitEvent{pid, killed, code, MonotonicNanoseconds()});
  std::erase(unannounced_, pid);
}

}  // namespace sysfence
