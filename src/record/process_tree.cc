// The pid-indexed table of the traced tree (see process_tree.h). Thread ids are bounded by
// /proc/sys/kernel/pid_max (at most 2^22), so a two-level table of 4096-entry leaves, allocated
// when a thread id in their range first appears, costs little memory and no hashing.
#include "record/process_tree.h"

namespace sysfence {

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

}  // namespace sysfence
