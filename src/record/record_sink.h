// What a recording backend reports: the events of the traced process tree (creations, execs,
// exits, signals), every system call, and events it lost. A backend (the ptrace tracer in
// trace/, or any other source of the same facts) only observes the kernel and delivers these;
// the Recorder (recorder.h) does everything else the same way for every backend: which image
// each call counts for, the launcher's own calls, phases, observers, counting, the Profile.
//
//   Recorder recorder(observer);                   // observer may be null
//   recorder.Start(child);                         // the forked launcher, before its execve
//   RecordSink& sink = recorder;                   // all a backend needs from here on
//   sink.OnSyscall({.pid = child, .arch = SyscallArch::kX86_64, .number = SYS_execve,
//                   .monotonic_ns = now});
//   sink.OnExec({.pid = child, .former_tid = child, .image = "/usr/bin/ls", .monotonic_ns = now});
//   sink.OnProcessCreated({.parent = child, .child = 4242, .child_tgid = 4242,
//                          .kind = SpawnKind::kFork, .monotonic_ns = now});
//   sink.OnSyscall({.pid = 4242, .arch = SyscallArch::kX86_64, .number = SYS_write,
//                   .args = {1, buffer, 6}, .instruction_pointer = rip, .monotonic_ns = now});
//   sink.OnExit({.pid = 4242, .killed = false, .status = 0, .monotonic_ns = now});
//   sink.OnExit({.pid = child, .killed = false, .status = 0, .monotonic_ns = now});
//   Recording done = recorder.Finish("/usr/bin/ls", /*interrupted=*/false);
//   done.profile;   // what `sysfence trace -- ls` writes
//
// Rules for a backend:
//   - Deliver events in the order they happened to each thread; events of different threads
//     may interleave as they come. Times are CLOCK_MONOTONIC nanoseconds.
//   - Report every call of a thread the Recorder knows (Start, OnProcessCreated, OnExec made
//     it known), at syscall entry, before the kernel runs it. Events of unknown threads are
//     ignored, so a backend that sees the whole system may deliver everything.
//   - Deliver a creation before the child's first call. A backend that can see a child before
//     its creator's event (ptrace can) delivers a provisional creation first (see
//     ProcessCreated::provisional).
//   - The exec of a thread that is not its process's leader: the process keeps its id; give
//     the old thread id as former_tid, and no exit for it.
//   - Syscall sites (the profile's `sites`): a backend that stops at every call passes the
//     instruction pointer (the address after the `syscall` instruction) and the Recorder finds
//     the file and offset from the process's mappings; one that counts in the kernel locates
//     each distinct site there and sends it through OnSite.
//   - Argument values: a backend that stops at every call passes the registers with
//     with_arguments; one that counts in the kernel sends each distinct value of the argument
//     table's arguments through OnArgument, tagged like its counts, before the thread's next
//     exec or exit.
//   - A backend that counts calls itself (in the kernel) delivers them with OnCallCounts, each
//     batch before the thread's next exec or exit, and tags each with the phase the tree was
//     in (TreePhase()) when the calls were made; it calls OnIdle now and then, so that phase
//     switches asked for from outside (`sysfence mark`) take effect without a call to carry
//     them.
//   - Nothing here may block or wait for the traced processes; all calls come from one thread.
#ifndef SYSFENCE_RECORD_RECORD_SINK_H_
#define SYSFENCE_RECORD_RECORD_SINK_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "record/code_sites.h"
#include "record/trace_observer.h"

namespace sysfence {

// A system call at entry.
struct CallRecord {
  pid_t pid = 0;  // the thread that made it
  SyscallArch arch = SyscallArch::kX86_64;
  uint64_t number = 0;  // as the kernel saw it (the x32 bit included)
  std::array<uint64_t, 6> args{};
  // `args` holds the call's registers, and the Recorder keeps the values of the argument
  // table's arguments (syscalls/argument_table.h) from them. A backend that cannot read them
  // at every call leaves this false and reports the values through OnArgument instead.
  bool with_arguments = false;
  uint64_t instruction_pointer = 0;
  int64_t monotonic_ns = 0;
  // Tell the observer only: the backend counts this call itself and delivers it through
  // OnCallCounts (a backend that counts in the kernel reports each syscall's first call this
  // way, for the discovery timeline).
  bool observe_only = false;
};

// Calls a backend counted itself: `count` calls of one syscall by thread `pid`, made while the
// tree was in phase `phase` (the phase number TreePhase() gave when the backend started
// counting them). The observer hears nothing of them, except what came through OnSyscall
// with observe_only.
struct CallCountRecord {
  pid_t pid = 0;
  SyscallArch arch = SyscallArch::kX86_64;
  uint64_t number = 0;
  uint64_t count = 0;
  int phase = 0;
};

// One argument value a backend saw (it reports each value at least once per image and phase,
// before the thread's next exec or exit): thread `pid` passed `value` (already masked as the
// table says) as argument `index` of x86-64 call `number` while the tree was in `phase`.
struct ArgumentRecord {
  pid_t pid = 0;
  uint64_t number = 0;
  uint8_t index = 0;
  uint64_t value = 0;
  int phase = 0;
};

// A syscall site the backend located itself (in the kernel, at the call): thread `pid`'s
// process issued x86-64 call `number` from the `syscall` instruction at `offset` in `file`.
// A backend reports each distinct one at least once, before the thread's next exec or exit.
// (A backend that passes instruction_pointer in CallRecord needs none: the Recorder locates
// those itself.)
struct SiteRecord {
  pid_t pid = 0;
  FileIdentity file;  // all zero: in no file (the vDSO, or anonymous code)
  uint64_t offset = 0;
  uint64_t number = 0;
  // The file's path when the backend found one (so that the site is named even if the
  // process is gone before its mappings can be read), "[vdso]" for the vDSO; else empty, and
  // the Recorder names the file from the mappings.
  std::string_view path;
};

// A new thread or process.
struct ProcessCreated {
  pid_t parent = 0;  // the thread that created it
  pid_t child = 0;
  pid_t child_tgid = 0;  // the child's process: the parent's for a thread, `child` otherwise
  SpawnKind kind = SpawnKind::kFork;
  int64_t monotonic_ns = 0;
  // The backend saw the child before its creator's event: `parent` is then the relative it
  // found (the child's process for a thread, else its parent process), whose image the child
  // runs until the creator's own event (provisional = false) arrives and names the real
  // creator; that event also passes on the creator's phase. Observers hear only that second
  // event.
  bool provisional = false;
};

// A successful execve: `pid` now runs `image`.
struct ExecRecord {
  pid_t pid = 0;           // after the exec (a non-leader thread that execs takes this id)
  pid_t former_tid = 0;    // the thread that called execve (== pid for the leader)
  std::string_view image;  // the file now running: ExecutedImage (exec_image.h)
  int64_t monotonic_ns = 0;
};

// A signal about to be delivered to a thread.
struct SignalRecord {
  pid_t pid = 0;
  int signal = 0;
  int64_t monotonic_ns = 0;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;

  // Whether `pid` is a thread of the traced tree, and all of them (for a backend that must
  // kill the tree when it is interrupted).
  virtual bool Knows(pid_t pid) const = 0;
  virtual std::vector<pid_t> LivePids() const = 0;
  // The image thread `pid` runs; "" when it is unknown or still the launcher's child (for
  // ExecutedImage, exec_image.h).
  virtual std::string_view ImageOf(pid_t pid) const = 0;
  virtual void OnSyscall(const CallRecord& call) = 0;
  virtual void OnCallCounts(const CallCountRecord& calls) = 0;
  virtual void OnArgument(const ArgumentRecord& argument) = 0;
  virtual void OnSite(const SiteRecord& site) = 0;
  // False (nothing recorded) when the parent is not traced.
  virtual bool OnProcessCreated(const ProcessCreated& event) = 0;
  virtual void OnExec(const ExecRecord& event) = 0;
  // A thread ended (ExitEvent of trace_observer.h: observers get it as it is).
  virtual void OnExit(const ExitEvent& event) = 0;
  virtual void OnSignal(const SignalRecord& event) = 0;
  // The backend lost `count` events (a full buffer, say): the profile is marked incomplete.
  virtual void OnLost(uint64_t count) = 0;
  // Nothing to report: lets the observer act on what it was asked meanwhile (a manual mark).
  virtual void OnIdle(int64_t monotonic_ns) = 0;
  // The phase the whole tree is in now (0 before the first), for backends that count calls
  // themselves and must tag them with their phase.
  virtual int TreePhase() const = 0;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_RECORD_SINK_H_
