// The traced process tree: one record per traced thread, found by thread id with two array
// indexes (no hashing on the per-stop path), and owned so that no tracee outlives it.
//
//   ProcessTree tree;
//   Tracee& root = tree.Add(pid, pid, launcher_image);
//   if (Tracee* t = tree.Find(stopped_pid)) t->image->ForPhase(0).x86_64[nr]++;
//   // leaving scope kills and reaps every tracee still alive
#ifndef SYSFENCE_TRACE_PROCESS_TREE_H_
#define SYSFENCE_TRACE_PROCESS_TREE_H_

#include <sys/types.h>

#include <array>
#include <memory>
#include <vector>

#include "trace/call_counters.h"

namespace sysfence {

struct Tracee {
  pid_t pid = 0;   // thread id
  pid_t tgid = 0;  // process id
  ImageCounters* image = nullptr;
  // The command's first process before its execve: what it calls is sysfence's own set-up.
  bool launching = false;
  // Announced by its parent's fork/clone event; its first stop has not been seen yet.
  bool awaiting_first_stop = false;
  // The phase this thread's process entered on its own (TraceContext::EnterPhase), 0 if none.
  int phase = 0;
  // Has exec'd since the tracer first saw it: its image is its own, whatever its parent runs.
  bool execed = false;
  bool live = false;
};

class ProcessTree {
 public:
  ProcessTree() = default;
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;
  // Kills and reaps every tracee still alive (see KillAndReapAll).
  ~ProcessTree();

  Tracee* Find(pid_t pid) {
    size_t leaf = static_cast<size_t>(pid) >> kLeafBits;
    if (pid <= 0 || leaf >= leaves_.size() || !leaves_[leaf]) return nullptr;
    Tracee& slot = leaves_[leaf]->slots[static_cast<size_t>(pid) & kLeafMask];
    return slot.live ? &slot : nullptr;
  }
  // Adds (or replaces) the record of thread `pid`.
  Tracee& Add(pid_t pid, pid_t tgid, ImageCounters* image);
  void Remove(pid_t pid);
  int size() const { return count_; }
  std::vector<pid_t> Pids() const;

  // Sends SIGKILL to every tracee, then waits until the kernel has reported all of them (and
  // any child they were creating meanwhile) gone, so nothing is left stopped or orphaned.
  // Waits for any child of this process: the tracer must be the process's only child-waiter.
  void KillAndReapAll();

 private:
  static constexpr int kLeafBits = 12;
  static constexpr size_t kLeafMask = (size_t{1} << kLeafBits) - 1;
  struct Leaf {
    std::array<Tracee, size_t{1} << kLeafBits> slots;
  };
  std::vector<std::unique_ptr<Leaf>> leaves_;
  int count_ = 0;
};

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_PROCESS_TREE_H_
