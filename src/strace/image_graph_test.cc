// ImageGraph: keys resolved through parents learned late, absorbed graphs, forged cycles.
#include "strace/image_graph.h"

#include <gtest/gtest.h>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

TEST(ImageGraph, InheritsTheParentsImageUntilExec) {
  ImageGraph graph;
  ImageGraph::NodeId launcher = graph.AddInheritingNode();
  ImageGraph::NodeId shell = graph.AddExecNode("/bin/sh");
  ImageGraph::NodeId child = graph.AddInheritingNode(shell);
  ImageGraph::NodeId grandchild = graph.AddInheritingNode(child);
  ImageGraph::NodeId ls = graph.AddExecNode("/usr/bin/ls");
  std::vector<std::string> keys = graph.ResolveKeys();
  EXPECT_EQ(keys[static_cast<size_t>(launcher)], kLauncherImage);
  EXPECT_EQ(keys[static_cast<size_t>(child)], "/bin/sh");
  EXPECT_EQ(keys[static_cast<size_t>(grandchild)], "/bin/sh");
  EXPECT_EQ(keys[static_cast<size_t>(ls)], "/usr/bin/ls");
}

TEST(ImageGraph, LinksAParentLearnedAfterTheChildsCalls) {
  ImageGraph graph;
  ImageGraph::NodeId child = graph.AddInheritingNode();
  graph.Count(child, *SyscallNumber("set_robust_list"));
  ImageGraph::NodeId shell = graph.AddExecNode("/bin/sh");
  graph.SetParent(child, shell);
  ImageGraph::NodeId other = graph.AddExecNode("/bin/other");
  graph.SetParent(child, other);  // the first parent stays
  Profile profile;
  graph.RecordInto(profile);
  ASSERT_TRUE(profile.images.contains("/bin/sh"));
  EXPECT_TRUE(profile.images["/bin/sh"].Contains("set_robust_list"));
  EXPECT_FALSE(profile.images.contains("/bin/other"));
  EXPECT_EQ(profile.counts[*SyscallNumber("set_robust_list")], 1u);
}

TEST(ImageGraph, AbsorbKeepsLinksAndCounts) {
  ImageGraph a;
  ImageGraph::NodeId sh = a.AddExecNode("/bin/sh");
  a.Count(sh, 0, 2);
  ImageGraph b;
  ImageGraph::NodeId b_root = b.AddInheritingNode();
  ImageGraph::NodeId b_exec = b.AddExecNode("/usr/bin/ls");
  b.SetParent(b_exec, b_root);
  b.Count(b_root, 1);
  b.Count(b_exec, 0);
  ImageGraph::NodeId offset = a.Absorb(std::move(b));
  EXPECT_EQ(offset, 1);
  a.SetParent(b_root + offset, sh);
  Profile profile;
  a.RecordInto(profile);
  EXPECT_EQ(profile.counts[0], 3u);
  EXPECT_TRUE(profile.images["/bin/sh"].Contains("write"));
  EXPECT_TRUE(profile.images["/usr/bin/ls"].Contains("read"));
  EXPECT_FALSE(profile.images["/usr/bin/ls"].Contains("write"));
}

TEST(ImageGraph, ResolvesAForgedCycleToUnknown) {
  ImageGraph graph;
  ImageGraph::NodeId a = graph.AddInheritingNode();
  ImageGraph::NodeId b = graph.AddInheritingNode(a);
  graph.SetParent(a, b);
  std::vector<std::string> keys = graph.ResolveKeys();
  EXPECT_EQ(keys[static_cast<size_t>(a)], ImageGraph::kUnknownKey);
  EXPECT_EQ(keys[static_cast<size_t>(b)], ImageGraph::kUnknownKey);
}

TEST(ImageGraph, ResolvesADeepChainInOnePass) {
  ImageGraph graph;
  ImageGraph::NodeId previous = graph.AddExecNode("/bin/deep");
  for (int i = 0; i < 200000; ++i) previous = graph.AddInheritingNode(previous);
  std::vector<std::string> keys = graph.ResolveKeys();
  EXPECT_EQ(keys.back(), "/bin/deep");
}

}  // namespace
}  // namespace sysfence
