// The eBPF recorder's loader: loads recorder.bpf.c into the kernel (its CO-RE relocations
// resolved against a minimal BTF of the running kernel, kernel_btf.h), attaches it to the raw
// sys_enter and sched_process_fork/exec/exit tracepoints, and hands what the kernel sends to a
// sink. The kernel counts calls per task; user space sees each task's counts when they are
// flushed (at exec, exit and the first call after a phase switch), plus fork, exec and exit,
// each new value of the argument table's arguments and each new syscall site (located in the
// kernel, with the path of each file that holds one).
// Everything is detached and freed when the recorder is destroyed.
//
//   Result<std::unique_ptr<BpfRecorder>> recorder = BpfRecorder::Create({});
//   if (!recorder.ok()) return recorder.error();   // "loading BPF programs needs root ..."
//   (*recorder)->Track(child, child, /*launching=*/true);  // then let it exec
//   while (running) (*recorder)->Poll(100, sink);    // sink: a BpfEventSink
//   (*recorder)->Poll(0, sink);                      // what is left after the last exit
#ifndef SYSFENCE_EBPF_BPF_RECORDER_H_
#define SYSFENCE_EBPF_BPF_RECORDER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct sf_recorder;
struct ring_buffer;

namespace sysfence {

enum class BpfSpawnKind { kFork, kVfork, kClone };
enum class BpfArch { kX86_64, kI386 };

struct BpfForkEvent {
  pid_t parent = 0;  // the thread that called fork/vfork/clone
  pid_t child = 0;
  pid_t child_tgid = 0;
  BpfSpawnKind kind = BpfSpawnKind::kFork;
  bool tracked = true;  // false: the kernel's task table was full, the child is not recorded
  int64_t monotonic_ns = 0;
};

struct BpfExecEvent {
  pid_t pid = 0;         // the process after the exec
  pid_t former_tid = 0;  // the thread that called execve (a thread takes its process's id)
  bool launch = false;   // the command's own first execve
  // The executable (what /proc/PID/exe names), from the kernel's dentries at the exec; empty
  // when the kernel could not walk it to the root (then read /proc/PID/exe instead).
  // An empty path also when the file lies on a mount that is detached (a program that runs
  // its own file from a private bind mount): no path names it.
  std::string_view path;
  uint64_t exe_dev = 0;  // the executable as stat(2) names it: st_dev and st_ino
  uint64_t exe_inode = 0;
  int64_t monotonic_ns = 0;
};

struct BpfExitEvent {
  pid_t tid = 0;
  pid_t tgid = 0;
  bool killed = false;  // by signal `status`, else exited with code `status`
  int status = 0;
  int64_t monotonic_ns = 0;
};

// `count` calls of one syscall made by thread `tid` while the phase epoch was `epoch`.
struct BpfCalls {
  pid_t tid = 0;
  pid_t tgid = 0;
  uint32_t epoch = 0;
  BpfArch arch = BpfArch::kX86_64;
  int number = 0;
  uint64_t count = 0;
};

// One call, reported as it happens: the first x86-64 call of a number in the tree (always), or
// every call when the recorder was created with call_events. `number` is -1 for a call that
// no table can hold (x32, or beyond the tables).
struct BpfCallEvent {
  pid_t tid = 0;
  pid_t tgid = 0;
  BpfArch arch = BpfArch::kX86_64;
  int number = 0;
  int64_t monotonic_ns = 0;
};

// A value of an argument of the argument table (syscalls/argument_table.h), masked, that thread
// `tid` passed for the first time in its current image and phase epoch.
struct BpfArgument {
  pid_t tid = 0;
  pid_t tgid = 0;
  uint32_t epoch = 0;
  int number = 0;  // x86-64
  uint8_t index = 0;
  uint64_t value = 0;
};

// A syscall site thread `tid` used for the first time in its current image: x86-64 call
// `number` was issued by the `syscall` instruction at `offset` in the file `dev`/`inode`
// (stat(2)'s st_dev and st_ino), or in the vDSO, or in memory no file backs (kAnonymous: no
// offset).
enum class BpfSitePlace { kFile, kVdso, kAnonymous };

struct BpfSite {
  pid_t tid = 0;
  pid_t tgid = 0;
  BpfSitePlace place = BpfSitePlace::kFile;
  uint64_t dev = 0;
  uint64_t inode = 0;
  uint64_t offset = 0;
  int number = 0;
};

// The path of a file that holds syscall sites, sent once, before its first BpfSite, from the
// kernel's dentries (empty when the kernel could not walk it to the root).
struct BpfFileName {
  uint64_t dev = 0;  // st_dev and st_ino, as in BpfSite
  uint64_t inode = 0;
  std::string_view path;
};

// Receives the kernel's records in the order the kernel made them. A task's calls are flushed
// before its exec and its exit are reported, so a sink that tracks each task's image and phase
// attributes them exactly.
class BpfEventSink {
 public:
  virtual ~BpfEventSink() = default;
  virtual void OnFork(const BpfForkEvent& /*event*/) {}
  virtual void OnExec(const BpfExecEvent& /*event*/) {}
  // A task of the watched cgroup, seen at its first call (WatchCgroup): `pid` is the thread,
  // `former_tid` its process, the path its image; its calls are recorded from that call on.
  virtual void OnJoin(const BpfExecEvent& /*event*/) {}
  virtual void OnExit(const BpfExitEvent& /*event*/) {}
  virtual void OnCalls(const BpfCalls& /*calls*/) {}
  // x32 calls and numbers outside both tables: counted, not recordable in a profile.
  virtual void OnUnrecordable(pid_t /*tid*/, uint64_t /*count*/) {}
  virtual void OnFirstCall(const BpfCallEvent& /*event*/) {}
  virtual void OnArgument(const BpfArgument& /*argument*/) {}
  virtual void OnCall(const BpfCallEvent& /*event*/) {}
  virtual void OnSite(const BpfSite& /*site*/) {}
  virtual void OnFileName(const BpfFileName& /*file*/) {}
};

struct BpfRecorderOptions {
  bool call_events = false;  // a record per call (for --events); costs a ring write per call
  bool sites = true;         // locate and send the syscall sites that run (Profile::sites)
};

// What the kernel could not record: non-zero makes a profile incomplete.
struct BpfLosses {
  uint64_t lost_events = 0;       // records the ring buffer had no room for
  uint64_t untracked_tasks = 0;   // children the task table had no room for
  uint64_t malformed_events = 0;  // records user space could not read (a bug if ever seen)
};

// Why the eBPF recorder cannot work in this process, found without loading anything: the
// kernel publishes no BTF, the process lacks the capabilities, or it runs in a pid namespace
// other than the kernel's initial one (the recorder keys tasks by their global ids). nullopt
// when nothing speaks against it; loading can still fail (the error then says why).
std::optional<std::string> BpfRecorderUnavailable();

// Where Create's time went (milliseconds), for docs/PERFORMANCE.md.
struct BpfLoadTimes {
  double kernel_btf = 0;  // the minimal BTF from /sys/kernel/btf/vmlinux
  double open = 0;        // libbpf parses the embedded object
  double load = 0;        // relocations, maps created, programs verified
  double attach = 0;      // the four tracepoints, the ring buffer reader
};

class BpfRecorder {
 public:
  // Loads and attaches the programs. Errors explain why eBPF cannot be used here (no BTF,
  // not permitted, the verifier's reason).
  static Result<std::unique_ptr<BpfRecorder>> Create(const BpfRecorderOptions& options);
  ~BpfRecorder();
  BpfRecorder(const BpfRecorder&) = delete;
  BpfRecorder& operator=(const BpfRecorder&) = delete;

  // Starts recording thread `tid` of process `tgid` (ids of the initial pid namespace) and,
  // from then on, every task it creates. `launching`: the task is sysfence's child before the
  // command's execve, and only that execve counts.
  // A thread recorded already (a recorded thread created it) is left as it is.
  Status Track(pid_t tid, pid_t tgid, bool launching);
  // Removes a thread Track added that had already exited (its exit was never seen, so nothing
  // else removes it). Harmless for a thread the kernel has removed.
  Status Untrack(pid_t tid);
  // Records, besides the tracked tree, every task under the cgroup v2 directory `cgroup_fd`
  // (an O_RDONLY descriptor) and its descendants, from each task's first call after this:
  // OnJoin announces it.
  Status WatchCgroup(int cgroup_fd);
  // Detaches the programs: nothing is counted or sent after this returns (the kernel waits for
  // programs still running). Poll(0) then reads the last records and PendingCounts what the
  // table holds.
  void Stop();
  // The calls each recorded thread made since its last flush, which user space has not seen
  // (the table's counters). While the programs run this is a snapshot that a thread's
  // concurrent flush may also deliver; after Stop it is exact.
  std::vector<BpfCalls> PendingCounts() const;
  // Moves every task to phase epoch `epoch`: each task's counts are flushed with the old epoch
  // at its next call.
  void SetEpoch(uint32_t epoch);

  // Waits up to `timeout_ms` (0: not at all, -1: forever) for records, then hands every
  // available record to `sink`. Returns how many were handled; an error only when waiting
  // itself fails (EINTR is not an error: it returns 0).
  Result<int> Poll(int timeout_ms, BpfEventSink& sink);
  // A descriptor that is readable when records are waiting (for the caller's own epoll).
  int ReadyFd() const;

  BpfLosses Losses() const;
  const BpfLoadTimes& load_times() const { return load_times_; }
  // How many tasks the kernel is recording now.
  int TrackedTasks() const;

 private:
  BpfRecorder() = default;
  static int HandleRecord(void* self, void* data, size_t size);
  int Dispatch(const void* data, size_t size);
  Status RunTaskProgram(int program_fd, pid_t tid, pid_t tgid, uint32_t flags, int* result);

  sf_recorder* skeleton_ = nullptr;
  ring_buffer* ring_ = nullptr;
  BpfEventSink* sink_ = nullptr;  // during Poll only
  uint64_t malformed_ = 0;
  BpfLoadTimes load_times_;
};

}  // namespace sysfence

#endif  // SYSFENCE_EBPF_BPF_RECORDER_H_
