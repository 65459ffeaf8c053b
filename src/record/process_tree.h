// The traced process tree as the Recorder keeps it: one record per traced thread (its process,
// image and phase), found by thread id with two array indexes (no hashing on the per-call
// path). It only keeps books: the backend owns the processes themselves.
//
//   ProcessTree tree;
//   Tracee& root = tree.Add(pid, pid, launcher_image);
//   if (Tracee* t = tree.Find(calling_pid)) t->image->ForPhase(0).x86_64[nr]++;
#ifndef SYSFENCE_RECORD_PROCESS_TREE_H_
#define SYSFENCE_RECORD_PROCESS_TREE_H_

#include <sys/types.h>

#include <array>
#include <memory>
#include <vector>

#include "record/call_counters.h"

namespace sysfence {

struct Tracee {
  pid_t pid = 0;   // thread id
  pid_t tgid = 0;  // process id
  ImageCounters* image = nullptr;
  // The command's first process before its execve: what it calls is sysfence's own set-up.
  bool launching = false;
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

  Tracee* Find(pid_t pid) {
    return const_cast<Tracee*>(static_cast<const ProcessTree*>(this)->Find(pid));
  }
  const Tracee* Find(pid_t pid) const {
    size_t leaf = static_cast<size_t>(pid) >> kLeafBits;
    if (pid <= 0 || leaf >= leaves_.size() || !leaves_[leaf]) return nullptr;
    const Tracee& slot = leaves_[leaf]->slots[static_cast<size_t>(pid) & kLeafMask];
    return slot.live ? &slot : nullptr;
  }
  // Adds (or replaces) the record of thread `pid`.
  Tracee& Add(pid_t pid, pid_t tgid, ImageCounters* image);
  void Remove(pid_t pid);
  int size() const { return count_; }
  std::vector<pid_t> Pids() const;

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

#endif  // SYSFENCE_RECORD_PROCESS_TREE_H_
