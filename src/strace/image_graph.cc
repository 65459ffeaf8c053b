// Image attribution over a parent graph (see image_graph.h). Keys are resolved by walking up
// each unresolved chain once and writing the answer back along it, so the whole resolution is
// linear in the number of nodes however deep the fork chains are.
#include "strace/image_graph.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace sysfence {

ImageGraph::NodeId ImageGraph::AddExecNode(std::string path) {
  nodes_.push_back(Node{std::move(path), true, kNoNode, {}, {}, {}});
  return size() - 1;
}

ImageGraph::NodeId ImageGraph::AddInheritingNode(NodeId parent) {
  nodes_.push_back(Node{{}, false, Valid(parent) ? parent : kNoNode, {}, {}, {}});
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
  counts_[static_cast<size_t>(number)] += times;
  std::vector<uint16_t>& syscalls = nodes_[static_cast<size_t>(node)].syscalls;
  auto value = static_cast<uint16_t>(number);
  if (std::find(syscalls.begin(), syscalls.end(), value) == syscalls.end()) {
    syscalls.push_back(value);
  }
}

ImageGraph::NodeId ImageGraph::Absorb(ImageGraph&& other) {
  NodeId offset = size();
  for (Node& node : other.nodes_) {
    if (node.parent != kNoNode) node.parent += offset;
    nodes_.push_back(std::move(node));
  }
  for (size_t number = 0; number < counts_.size(); ++number)
    counts_[number] += other.counts_[number];
  other.nodes_.clear();
  other.counts_.fill(0);
  return offset;
}

std::string CanonicalImagePath(const std::string& path) {
  // The tracer keys images by /proc/PID/exe, the file really running; an strace log has the
  // path as the program passed it to execve ("/bin/sh"). Resolving it here, when the file
  // exists on this machine, makes both give the same key ("/usr/bin/dash"); a log from
  // elsewhere keeps its paths as written.
  if (path.empty() || path[0] != '/') return path;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return path;
  return resolved;
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
        key = kLauncherImage;
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

void ImageGraph::RecordArgument(NodeId node, int number, uint8_t index,
                                std::optional<uint64_t> value) {
  if (!Valid(node)) return;
  Node& n = nodes_[static_cast<size_t>(node)];
  if (value) {
    n.args[number][index].insert(*value);
  } else {
    n.unknown_args.emplace(number, index);
  }
}

void ImageGraph::RecordInto(Profile& profile) const {
  std::vector<std::string> keys = ResolveKeys();
  // Argument values per image; an argument some call left unknown takes any value, in its
  // image and in the whole profile.
  std::map<std::string, std::set<std::pair<int, uint8_t>>> unknown;
  for (size_t node = 0; node < nodes_.size(); ++node) {
    const Node& n = nodes_[node];
    JoinArguments(profile.image_args[keys[node]], n.args);
    JoinArguments(profile.args, n.args);
    unknown[keys[node]].insert(n.unknown_args.begin(), n.unknown_args.end());
  }
  auto drop = [](ArgumentValues& args, const std::pair<int, uint8_t>& which) {
    auto call = args.find(which.first);
    if (call == args.end()) return;
    call->second.erase(which.second);
    if (call->second.empty()) args.erase(call);
  };
  for (const auto& [key, which] : unknown) {
    for (const auto& argument : which) {
      drop(profile.image_args[key], argument);
      drop(profile.args, argument);
    }
  }
  std::erase_if(profile.image_args, [](const auto& entry) { return entry.second.empty(); });
  for (size_t node = 0; node < nodes_.size(); ++node) {
    if (nodes_[node].syscalls.empty()) continue;
    SyscallSet& image = profile.images[keys[node]];
    for (uint16_t number : nodes_[node].syscalls) image.Insert(number);
    profile.syscalls |= image;
  }
  for (size_t number = 0; number < counts_.size(); ++number) {
    if (counts_[number] == 0) continue;
    profile.counts[static_cast<int>(number)] += counts_[number];
    profile.syscalls.Insert(static_cast<int>(number));
  }
}

}  // namespace sysfence
