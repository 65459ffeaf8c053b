// The pid-indexed tracee table: lookups over the whole pid range, and that destroying it
// leaves no traced process behind.
#include "trace/process_tree.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

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
  for (pid_t pid : tree.Pids()) tree.Remove(pid);  // none of these is a tracee of ours
  EXPECT_EQ(tree.size(), 0);
}

TEST(ProcessTree, DestructorKillsAndReapsTracees) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;) pause();
  }
  ASSERT_EQ(ptrace(PTRACE_SEIZE, child, 0, 0), 0);
  {
    ProcessTree tree;
    CallCounters counters;
    tree.Add(child, child, counters.Intern("/bin/pause"));
  }
  // Reaped already: there is nothing left to wait for, and the pid is gone.
  EXPECT_EQ(waitpid(child, nullptr, WNOHANG), -1);
  EXPECT_EQ(kill(child, 0), -1);
}

}  // namespace
}  // namespace sysfence
