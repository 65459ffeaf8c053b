// The pid-indexed tracee table and its clean-up (see process_tree.h). Thread ids are bounded by
// /proc/sys/kernel/pid_max (at most 2^22), so a two-level table of 4096-entry leaves, allocated
// when a thread id in their range first appears, costs little memory and no hashing.
//
// Clean-up kills rather than detaches: every tracee carries the tracer's SECCOMP_RET_TRACE
// filter, and once no tracer is attached every call it makes fails with ENOSYS, so a detached
// tracee could neither work nor even exit cleanly.
#include "trace/process_tree.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>

namespace sysfence {

ProcessTree::~ProcessTree() {
  if (count_ > 0) KillAndReapAll();
}

Tracee& ProcessTree::Add(pid_t pid, pid_t tgid, ImageCounters* image) {
  size_t leaf = static_cast<size_t>(pid) >> kLeafBits;
  if (leaf >= leaves_.size()) leaves_.resize(leaf + 1);
  if (!leaves_[leaf]) leaves_[leaf] = std::make_unique<Leaf>();
  Tracee& slot = leaves_[leaf]->slots[static_cast<size_t>(pid) & kLeafMask];
  if (!slot.live) ++count_;
  slot = Tracee{};
  slot.pid = pid;
  slot.tgid = tgid;
  slot.image = image;
  slot.live = true;
  return slot;
}

void ProcessTree::Remove(pid_t pid) {
  if (Tracee* tracee = Find(pid)) {
    tracee->live = false;
    --count_;
  }
}

std::vector<pid_t> ProcessTree::Pids() const {
  std::vector<pid_t> pids;
  for (const auto& leaf : leaves_) {
    if (!leaf) continue;
    for (const Tracee& tracee : leaf->slots) {
      if (tracee.live) pids.push_back(tracee.pid);
    }
  }
  return pids;
}

void ProcessTree::KillAndReapAll() {
  for (pid_t pid : Pids()) kill(pid, SIGKILL);
  for (;;) {
    int status = 0;
    pid_t pid = wait4(-1, &status, __WALL, nullptr);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: no child and no tracee left
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      Remove(pid);
    } else {
      // A stop reported before the SIGKILL took effect, or a child born meanwhile.
      kill(pid, SIGKILL);
      ptrace(PTRACE_CONT, pid, 0, 0);
    }
  }
  for (pid_t pid : Pids()) Remove(pid);
}

}  // namespace sysfence
