// The hook into a running trace: an observer sees every system call stop and every exec,
// spawn, signal and exit of the traced process tree, and can split the trace into phases.
// The ptrace backend (TraceCommand) calls it from its single thread, while the tracee is
// stopped, so the observer may read the tracee's memory (tracee_memory.h) and descriptors
// (tracee_fds.h). The eBPF backend (ebpf/ebpf_trace.h) never stops the program: it reports
// each syscall's first call, or every call when asked, after the fact and without arguments,
// and no signals.
//
//   class OpenLogger : public TraceObserver {
//    public:
//     void OnSyscall(TraceContext& context, const SyscallStop& stop) override {
//       if (stop.arch == SyscallArch::kX86_64 && stop.number == __NR_openat) {
//         Result<std::string> path = ReadTraceeString(stop.pid, stop.args[1]);
//         if (path.ok() && *path == "/etc/passwd") context.StartPhase("auth", "open passwd");
//       }
//     }
//   };
//   OpenLogger logger;
//   Result<TraceResult> result = TraceCommand(options, &logger);
#ifndef SYSFENCE_RECORD_TRACE_OBSERVER_H_
#define SYSFENCE_RECORD_TRACE_OBSERVER_H_

#include <linux/audit.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "syscalls/syscall_table.h"

namespace sysfence {

// How a call entered the kernel.
enum class SyscallArch {
  kX86_64,  // the `syscall` instruction of a 64-bit process
  kI386,    // `int 0x80` (i386 numbers, recorded in the profile's compat_i386)
  kX32,     // x86-64 `syscall` with the x32 bit set in the number
  kOther,   // any other AUDIT_ARCH value
};

// The arch of a call the kernel reports with AUDIT_ARCH_* value `audit_arch`.
inline SyscallArch SyscallArchOf(uint32_t audit_arch, uint64_t number) {
  if (audit_arch == AUDIT_ARCH_X86_64) {
    return (number & kX32SyscallBit) != 0 && number < (uint64_t{kX32SyscallBit} << 1)
               ? SyscallArch::kX32
               : SyscallArch::kX86_64;
  }
  return audit_arch == AUDIT_ARCH_I386 ? SyscallArch::kI386 : SyscallArch::kOther;
}

struct SyscallStop {
  pid_t pid = 0;           // the thread that made the call
  pid_t tgid = 0;          // its process
  std::string_view image;  // the executable image it was running (profile `images` key)
  SyscallArch arch = SyscallArch::kX86_64;
  uint64_t number = 0;  // as the kernel saw it (x32 bit included)
  std::array<uint64_t, 6> args{};
  uint64_t instruction_pointer = 0;
  int64_t monotonic_ns = 0;  // CLOCK_MONOTONIC when the tracer saw the stop
};

enum class SpawnKind { kFork, kVfork, kClone };

struct SpawnEvent {
  pid_t parent = 0;
  pid_t child = 0;
  pid_t child_tgid = 0;  // == parent's tgid for a thread
  SpawnKind kind = SpawnKind::kFork;
  std::string_view image;  // the child runs its parent's image until it execs
  int64_t monotonic_ns = 0;
};

struct ExecEvent {
  pid_t pid = 0;           // after the exec (a thread that execs takes its process's id)
  pid_t former_tid = 0;    // the thread that called execve
  std::string_view image;  // the image just loaded
  int64_t monotonic_ns = 0;
  bool launch = false;  // the command's own first execve: its start, not a phase change
};

struct SignalEvent {
  pid_t pid = 0;
  int signal = 0;  // about to be delivered to the tracee
  int64_t monotonic_ns = 0;
  pid_t tgid = 0;  // the process of thread `pid`
};

struct ExitEvent {
  pid_t pid = 0;
  bool killed = false;  // by a signal (`status` is the signal) or exited (`status` = code)
  int status = 0;
  int64_t monotonic_ns = 0;
};

// What an observer may change in the trace.
class TraceContext {
 public:
  virtual ~TraceContext() = default;
  // Starts a new phase (appended to Profile::phases): every call counted from now on goes
  // into it, including the call whose stop is being reported (a phase begins with its
  // trigger). Calls counted before the first phase belong to no phase.
  virtual void StartPhase(std::string name, std::string trigger) = 0;
  // Number of phases started so far; 0 before the first.
  virtual int PhaseCount() const = 0;
  // Appends a phase to the profile without entering it (for phases known up front, entered
  // later by EnterPhase); returns its number (1 = the profile's phases[0]).
  virtual int AddPhase(std::string name, std::string trigger) = 0;
  // Enters phase `number` (from AddPhase) for the whole tree (tgid 0) or only for process
  // `tgid` and the children it starts afterwards. A process is in the later of its own phase
  // and the tree's; phases never go back.
  virtual void EnterPhase(int number, pid_t tgid) = 0;
  // The pid of the traced command's first process.
  virtual pid_t RootPid() const = 0;
};

// Every hook defaults to doing nothing. Hooks must not resume, detach or wait for tracees. The
// string_views in the events are valid only during the call: copy what you keep.
class TraceObserver {
 public:
  virtual ~TraceObserver() = default;
  // Before the command's execve: the place to start an initial phase.
  virtual void OnStart(TraceContext& /*context*/) {}
  // A system call at entry, before it is counted and before the kernel runs it (ptrace), or
  // after the kernel ran it (eBPF). The launcher's own calls before the command's execve are
  // not reported; that execve is.
  virtual void OnSyscall(TraceContext& /*context*/, const SyscallStop& /*stop*/) {}
  virtual void OnSpawn(TraceContext& /*context*/, const SpawnEvent& /*event*/) {}
  virtual void OnExec(TraceContext& /*context*/, const ExecEvent& /*event*/) {}
  virtual void OnSignal(TraceContext& /*context*/, const SignalEvent& /*event*/) {}
  virtual void OnExit(TraceContext& /*context*/, const ExitEvent& /*event*/) {}
  // Nothing happened lately (a backend that counts calls in the kernel reports few events):
  // the time to act on requests that came from elsewhere, such as a manual mark.
  virtual void OnIdle(TraceContext& /*context*/, int64_t /*monotonic_ns*/) {}
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_TRACE_OBSERVER_H_
