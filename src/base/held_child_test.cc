#include "base/held_child.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>

namespace sysfence {
namespace {

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

TEST(HeldChild, RunsTheCommandOnceReleased) {
  Result<HeldChild> child = ForkHeldChild("/bin/sh", {"sh", "-c", "exit 7"});
  ASSERT_TRUE(child.ok()) << child.error().message();
  ASSERT_TRUE(child->Release().ok());
  int status = WaitFor(child->pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_FALSE(ReadLaunchFailure(child->failure.get()).has_value());
  // A second release is an error, not a second byte.
  EXPECT_FALSE(child->Release().ok());
}

TEST(HeldChild, ExitsWithoutRunningAnythingWhenDroppedUnreleased) {
  Result<HeldChild> child = ForkHeldChild("/bin/sh", {"sh", "-c", "exit 0"});
  ASSERT_TRUE(child.ok());
  child->go.reset();
  int status = WaitFor(child->pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 127);
  EXPECT_FALSE(ReadLaunchFailure(child->failure.get()).has_value());
}

TEST(HeldChild, ReportsAFailedExecve) {
  Result<HeldChild> child = ForkHeldChild("/nonexistent/program", {"program"});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child->Release().ok());
  WaitFor(child->pid);
  std::optional<LaunchFailure> why = ReadLaunchFailure(child->failure.get());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->stage, LaunchFailure::Stage::kExecve);
  EXPECT_EQ(why->error_number, ENOENT);
}

TEST(HeldChild, ReportsWhatFailedBeforeTheExecve) {
  BeforeExec refuse = [](const void* context) -> std::optional<LaunchFailure> {
    return LaunchFailure{LaunchFailure::Stage::kSeccompFilter, *static_cast<const int*>(context)};
  };
  static const int kError = EPERM;
  Result<HeldChild> child = ForkHeldChild("/bin/true", {"true"}, refuse, &kError);
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child->Release().ok());
  int status = WaitFor(child->pid);
  EXPECT_EQ(WEXITSTATUS(status), 127);
  std::optional<LaunchFailure> why = ReadLaunchFailure(child->failure.get());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->stage, LaunchFailure::Stage::kSeccompFilter);
  EXPECT_EQ(why->error_number, EPERM);
}

}  // namespace
}  // namespace sysfence
