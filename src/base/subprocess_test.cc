// Pins down Subprocess: exit codes, signals as 128+N, time-outs that kill, redirection, and
// clear errors for commands that cannot run.
#include "base/subprocess.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "base/file_util.h"

namespace sysfence {
namespace {

SubprocessOptions Command(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return options;
}

TEST(Subprocess, ReportsExitCodeAndSignalAs128PlusN) {
  auto child = Subprocess::Start(Command({"sh", "-c", "exit 3"}));
  ASSERT_TRUE(child.ok()) << child.error().message();
  EXPECT_EQ(*child->Wait(), 3);
  auto killed = Subprocess::Start(Command({"sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(*killed->Wait(), 128 + SIGTERM);
}

// HasExited looks without reaping: Wait still gets the exit status afterwards.
TEST(Subprocess, HasExitedLeavesTheStatusToWait) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", "exec sleep 30"};
  Result<Subprocess> child = Subprocess::Start(options);
  ASSERT_TRUE(child.ok());
  pid_t pid = child->pid();
  EXPECT_FALSE(child->HasExited());
  std::vector<pid_t> children = ChildrenOf(getpid());
  EXPECT_NE(std::find(children.begin(), children.end(), pid), children.end());
  child->Signal(SIGTERM);
  for (int i = 0; i < 500 && !child->HasExited(); ++i) usleep(10000);
  EXPECT_TRUE(child->HasExited());
  EXPECT_EQ(*child->Wait(5), 128 + SIGTERM);
  // And the children of this process include none of it any more.
  for (pid_t left : ChildrenOf(getpid())) EXPECT_NE(left, pid);
}

TEST(Subprocess, RedirectsStandardStreams) {
  std::string out = "/tmp/sysfence-subprocess-test.out";
  SubprocessOptions options = Command({"cat"});
  options.stdin_path = "/etc/hostname";
  options.stdout_path = out;
  auto child = Subprocess::Start(options);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(*child->Wait(10), 0);
  EXPECT_EQ(*ReadFile(out), *ReadFile("/etc/hostname"));
  unlink(out.c_str());
}

// An extra variable replaces an inherited one of the same name (getenv returns the first).
TEST(Subprocess, ExtraEnvironmentReplacesInheritedVariables) {
  std::string out = ::testing::TempDir() + "sysfence-subprocess-env.out";
  setenv("SYSFENCE_TEST_VARIABLE", "inherited", 1);
  SubprocessOptions options = Command({"sh", "-c", "env | grep '^SYSFENCE_TEST_VARIABLE'"});
  options.extra_environment = {"SYSFENCE_TEST_VARIABLE=extra"};
  options.stdout_path = out;
  auto child = Subprocess::Start(options);
  unsetenv("SYSFENCE_TEST_VARIABLE");
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(*child->Wait(10), 0);
  EXPECT_EQ(*ReadFile(out), "SYSFENCE_TEST_VARIABLE=extra\n");
  unlink(out.c_str());
}

TEST(Subprocess, TimeOutKillsTheProcessGroup) {
  auto child = Subprocess::Start(Command({"sleep", "30"}));
  ASSERT_TRUE(child.ok());
  auto status = child->Wait(0.2);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("killed"), std::string::npos);
  EXPECT_FALSE(child->running());
}

TEST(Subprocess, CommandsThatCannotRunAreNamed) {
  auto missing = Subprocess::Start(Command({"no-such-command-here"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no-such-command-here"), std::string::npos);
  auto directory = Subprocess::Start(Command({"/tmp"}));
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message().find("directory"), std::string::npos);
}

TEST(Subprocess, DestructorKillsARunningChild) {
  pid_t pid = 0;
  {
    auto child = Subprocess::Start(Command({"sleep", "30"}));
    pid = child->pid();
  }
  EXPECT_NE(kill(pid, 0), 0) << "the child was reaped";
}

TEST(Subprocess, InterruptedWaitKillsTheGroupAndNamesTheSignal) {
  Result<Subprocess> child = Subprocess::Start(Command({"sleep", "60"}));
  ASSERT_TRUE(child.ok()) << child.error().message();
  Result<int> status = child->Wait(60, [] { return SIGINT; });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "sleep: interrupted by SIGINT, killed");
  EXPECT_FALSE(child->running());
}

TEST(Subprocess, SubreaperKillsAndReapsTheOrphansItAdopted) {
  ScopedChildSubreaper subreaper;
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      for (;;) pause();
    }
    (void)!write(pipe_fds[1], &grandchild, sizeof grandchild);
    _exit(0);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(read(pipe_fds[0], &grandchild, sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  ASSERT_EQ(kill(grandchild, 0), 0) << "the orphan lives on, now our child";
  KillAndReapChildren();
  EXPECT_EQ(kill(grandchild, 0), -1) << "killed and reaped, not a zombie";
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
}

}  // namespace
}  // namespace sysfence
