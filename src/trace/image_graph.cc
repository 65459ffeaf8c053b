// Image attribution over a parent graph (see image_graph.h). Keys are resolved by walking up
// each unresolved chain once and writing the answer back along it, so the whole resolution is
// linear in the number of nodes however deep the fork chains are.
#include "trace/image_graph.h"

#include "syscalls/syscall_table.h"

namespace sysfence {

ImageGraph::NodeId ImageGraph::AddExecNode(std::string path) {
  nodes_.push_back(Node{std::move(path), true, kNoNode});
  return size() - 1;
}

ImageGraph::NodeId ImageGraph::AddInheritingNode(NodeId parent) {
  nodes_.push_back(Node{{}, false, Valid(parent) ? parent : kNoNode});
  return size() - 1;
}

void ImageGraph::SetParent(NodeId node, NodeId parent) {
  if (!Valid(node) || !Valid(parent) || node == parent) return;
  if (nodes_[static_cast<size_t>(node)].parent == kNoNode) {
    nodes_[static_cast<size_t>(node)].parent = parent;
  }
}

bool ImageGraph::HasParent(NodeId node) const {
  return Valid(node) && nodes_[static_cast<size_t>(node)].parent != kNoNode;
}

void ImageGraph::SetPath(NodeId node, std::string path) {
  if (!Valid(node)) return;
  nodes_[static_cast<size_t>(node)].path = std::move(path);
  nodes_[static_cast<size_t>(node)].has_path = true;
}

void ImageGraph::Count(NodeId node, int number, uint64_t times) {
  if (!Valid(node) || number < 0 || number >= kSyscallNumberLimit) return;
  counts_[(static_cast<uint64_t>(node) << 16) | static_cast<uint64_t>(number)] += times;
}

ImageGraph::NodeId ImageGraph::Absorb(ImageGraph&& other) {
  NodeId offset = size();
  for (Node& node : other.nodes_) {
    if (node.parent != kNoNode) node.parent += offset;
    nodes_.push_back(std::move(node));
  }
  for (const auto& [key, times] : other.counts_) {
    counts_[key + (static_cast<uint64_t>(offset) << 16)] += times;
  }
  other.nodes_.clear();
  other.counts_.clear();
  return offset;
}

std::vector<std::string> ImageGraph::ResolveKeys() const {
  enum : char { kNew, kOnChain, kDone };
  std::vector<std::string> keys(nodes_.size());
  std::vector<char> state(nodes_.size(), kNew);
  std::vector<NodeId> chain;
  for (size_t start = 0; start < nodes_.size(); ++start) {
    if (state[start] == kDone) continue;
    chain.clear();
    std::string key;
    NodeId current = static_cast<NodeId>(start);
    while (true) {
      size_t index = static_cast<size_t>(current);
      if (state[index] == kDone) {
        key = keys[index];
        break;
      }
      if (state[index] == kOnChain) {
        key = kUnknownKey;
        break;
      }
      state[index] = kOnChain;
      chain.push_back(current);
      const Node& node = nodes_[index];
      if (node.has_path) {
        key = node.path;
        break;
      }
      if (node.parent == kNoNode) {
        key = kLauncherKey;
        break;
      }
      current = node.parent;
    }
    for (NodeId node : chain) {
      keys[static_cast<size_t>(node)] = key;
      state[static_cast<size_t>(node)] = kDone;
    }
  }
  return keys;
}

void ImageGraph::RecordInto(Profile& profile) const {
  std::vector<std::string> keys = ResolveKeys();
  for (const auto& [key, times] : counts_) {
    size_t node = static_cast<size_t>(key >> 16);
    int number = static_cast<int>(key & 0xffff);
    profile.RecordCall(keys[node], number, times);
  }
}

}  // namespace sysfence
