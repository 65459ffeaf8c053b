// What both backends share when they record processes that already run (`sysfence trace --pid`,
// `--cgroup`) instead of a command they launch: the options, the result, the check of the
// process ids, the threads of a process, and the schedule of an attached recording (when it
// stops, when the profile so far is written, when progress is shown).
//
//   Result<std::vector<pid_t>> processes = AttachedProcesses(options.pids);
//   AttachSchedule schedule(options, MonotonicNanoseconds());
//   while (schedule.Ended(now).empty()) {
//     wait up to schedule.TimeoutMs(now) for the backend's events ...
//     if (schedule.FlushDue(now)) { options.on_flush(recorder.FinishWith(...));
//     schedule.Flushed(now); }
//   }
#ifndef SYSFENCE_RECORD_ATTACH_H_
#define SYSFENCE_RECORD_ATTACH_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "record/recorder.h"

namespace sysfence {

struct AttachProgress {
  uint64_t calls = 0;    // calls recorded so far
  int distinct = 0;      // distinct x86-64 syscalls seen
  std::string last_new;  // the last syscall seen for the first time ("" before any)
  int tasks = 0;         // threads being recorded now
};

struct AttachOptions {
  // Record these running processes (every thread) and every process they start from now on;
  // their children already running are not recorded.
  std::vector<pid_t> pids;
  // Record every task under this cgroup v2 directory (and its descendants), including tasks
  // that enter it later, each from its first call after the start (eBPF only).
  std::string cgroup;
  // Stop after this long (0: at a termination signal, or when every recorded process has
  // ended; a cgroup recording stops when the cgroup is removed).
  int64_t duration_ns = 0;
  // Call on_flush with the profile so far every flush_every_ns (0: never).
  int64_t flush_every_ns = 0;
  std::function<Status(const Recording&)> on_flush;
  // Called about once a second, and once at the end.
  std::function<void(const AttachProgress&)> on_progress;
  // Called once every process is being recorded, before the first event is read.
  std::function<void(int threads)> on_started;
  // Catch SIGINT/SIGTERM/SIGHUP: they end the recording normally (the processes run on).
  bool catch_termination_signals = true;
  // Record the syscall sites that run (Profile::sites).
  bool sites = true;
};

struct AttachResult {
  // target: the first process's image, or the cgroup's path; no exit status. Incomplete only
  // when events were lost.
  Recording recording;
  std::string ended;  // why recording stopped, for the user ("SIGINT", "--duration elapsed")
};

// The processes `pids` name (a thread id names its process), each once, in order; errors name
// the --pid that is no running process, or is sysfence itself.
Result<std::vector<pid_t>> AttachedProcesses(const std::vector<pid_t>& pids);

// The threads of process `pid` now (empty when it has ended).
std::vector<pid_t> ThreadsOf(pid_t pid);

// Whether thread `tid` of process `tgid` still runs.
bool ThreadExists(pid_t tgid, pid_t tid);

// When an attached recording stops, writes the profile so far and shows progress.
class AttachSchedule {
 public:
  AttachSchedule(const AttachOptions& options, int64_t start_ns);
  // "--duration elapsed" once the duration has, else "".
  std::string Ended(int64_t now_ns) const;
  // How long a wait for events may last: until the next thing due, at most a second.
  int TimeoutMs(int64_t now_ns) const;
  bool FlushDue(int64_t now_ns) const { return next_flush_ != 0 && now_ns >= next_flush_; }
  void Flushed(int64_t now_ns) { next_flush_ = now_ns + flush_every_; }
  bool ProgressDue(int64_t now_ns) const { return has_progress_ && now_ns >= next_progress_; }
  void Progressed(int64_t now_ns) { next_progress_ = now_ns + kProgressEvery; }

 private:
  static constexpr int64_t kProgressEvery = 1'000'000'000;
  int64_t end_ = 0;  // 0: no duration
  int64_t flush_every_ = 0;
  int64_t next_flush_ = 0;
  int64_t next_progress_ = 0;
  bool has_progress_ = false;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_ATTACH_H_
