// The pid-indexed table of the traced tree: lookups over the whole pid range.
#include "record/process_tree.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(ProcessTree, FindsAddsAndRemovesAcrossThePidRange) {
  ProcessTree tree;
  CallCounters counters;
  ImageCounters* image = counters.Intern("/bin/x");
  EXPECT_EQ(tree.Find(1), nullptr);
  EXPECT_EQ(tree.Find(-5), nullptr);
  for (pid_t pid : {1, 4095, 4096, 32768, 4194303}) tree.Add(pid, 1, image);
  EXPECT_EQ(tree.size(), 5);
  ASSERT_NE(tree.Find(4194303), nullptr);
  EXPECT_EQ(tree.Find(4194303)->image, image);
  EXPECT_EQ(tree.Find(4194302), nullptr);
  tree.Add(4096, 4096, image);  // replacing keeps the count
  EXPECT_EQ(tree.size(), 5);
  tree.Remove(4096);
  EXPECT_EQ(tree.Find(4096), nullptr);
  EXPECT_EQ(tree.size(), 4);
  EXPECT_EQ(tree.Pids(), (std::vector<pid_t>{1, 4095, 32768, 4194303}));
  for (pid_t pid : tree.Pids()) tree.Remove(pid);
  EXPECT_EQ(tree.size(), 0);
}

}  // namespace
}  // namespace sysfence
