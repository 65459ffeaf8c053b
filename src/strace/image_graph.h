// Attributing syscalls to executable images when a log shows a process's calls before it shows
// where the process came from. Every process starts in a node that inherits the image of the
// node its parent was in when it forked (learned later, from the fork's return value, or from
// another -ff file); every successful execve starts a node named by the file it ran. Calls are
// counted per node, and node keys are resolved once, at the end.
//
//   ImageGraph graph;
//   ImageGraph::NodeId shell = graph.AddInheritingNode();          // the traced command
//   ImageGraph::NodeId child = graph.AddInheritingNode();          // seen before its fork
//   graph.Count(child, *SyscallNumber("set_robust_list"));
//   ImageGraph::NodeId sh = graph.AddExecNode("/bin/sh");
//   graph.SetParent(child, sh);                                    // the fork returned its pid
//   graph.RecordInto(profile);   // set_robust_list counts for "/bin/sh"
#ifndef SYSFENCE_STRACE_IMAGE_GRAPH_H_
#define SYSFENCE_STRACE_IMAGE_GRAPH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/profile.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

class ImageGraph {
 public:
  using NodeId = int;
  static constexpr NodeId kNoNode = -1;
  // An execve succeeded but the log does not show which file it ran.
  static constexpr std::string_view kUnknownKey = "[unknown]";

  NodeId AddExecNode(std::string path);
  NodeId AddInheritingNode(NodeId parent = kNoNode);
  // Gives `node` the parent it inherits from; a node keeps its first parent.
  void SetParent(NodeId node, NodeId parent);
  bool HasParent(NodeId node) const;
  // Names an exec node whose path was not known when it was made.
  void SetPath(NodeId node, std::string path);

  void Count(NodeId node, int number, uint64_t times = 1);
  // A value of argument `index` of call `number` made in `node`; nullopt: the log does not
  // tell, so the image's profile allows any value there.
  void RecordArgument(NodeId node, int number, uint8_t index, std::optional<uint64_t> value);

  // Moves every node and count of `other` into this graph; returns the amount added to
  // `other`'s node ids.
  NodeId Absorb(ImageGraph&& other);

  // The image key of every node: its own path, else its parent's key, else kLauncherImage
  // (profile.h): the first process of a log, whose first execve is strace starting the
  // command, and any process attached to or orphaned, whose origin the log does not show.
  // A parent cycle (possible only in a forged log) resolves to kUnknownKey.
  std::vector<std::string> ResolveKeys() const;
  // Records every counted call into `profile` (syscalls, counts, images, and the argument
  // values: args and image_args, without the arguments some call left unknown).
  void RecordInto(Profile& profile) const;

  int size() const { return static_cast<int>(nodes_.size()); }

 private:
  struct Node {
    std::string path;
    bool has_path = false;
    NodeId parent = kNoNode;
    // The distinct syscalls counted here: a process makes few distinct ones, so a short
    // vector searched linearly beats a set or a 1024-bit bitset per node.
    std::vector<uint16_t> syscalls;
    ArgumentValues args;
    std::set<std::pair<int, uint8_t>> unknown_args;
  };
  bool Valid(NodeId node) const { return node >= 0 && node < size(); }

  std::vector<Node> nodes_;
  // Calls per syscall number, all nodes together (the profile's counts are per syscall).
  std::array<uint64_t, kSyscallNumberLimit> counts_{};
};

// `path` with symbolic links resolved when it names a file on this machine, else as it is.
std::string CanonicalImagePath(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_IMAGE_GRAPH_H_
