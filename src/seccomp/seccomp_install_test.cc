// Installing filters in a child: the no_new_privs rule of each launcher, and a refused filter
// reported with its stage and errno.
#include "seccomp/seccomp_install.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include <gtest/gtest.h>

namespace sysfence {
namespace {

const sock_filter kAllowAll[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};

// Runs `body` in a child (a filter cannot be removed) and returns its exit code.
int InChild(const std::function<int()>& body) {
  pid_t child = fork();
  if (child == 0) _exit(body());
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(SeccompInstall, AlwaysSetsNoNewPrivsFirst) {
  EXPECT_EQ(InChild([] {
              if (InstallSeccompFilter(kAllowAll, NoNewPrivs::kAlways)) return 10;
              if (prctl(PR_GET_SECCOMP) != 2) return 11;
              return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 12;
            }),
            0);
}

TEST(SeccompInstall, WhenRequiredLeavesNoNewPrivsToThePrivileged) {
  if (geteuid() != 0) GTEST_SKIP() << "needs CAP_SYS_ADMIN to install without no_new_privs";
  EXPECT_EQ(InChild([] {
              if (InstallSeccompFilter(kAllowAll, NoNewPrivs::kWhenRequired)) return 10;
              if (prctl(PR_GET_SECCOMP) != 2) return 11;
              return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 ? 0 : 12;
            }),
            0);
}

TEST(SeccompInstall, RefusedFilterReportsItsStageAndErrno) {
  // A program that does not end in a return: the kernel's checker refuses it.
  const sock_filter no_return[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
  for (NoNewPrivs rule : {NoNewPrivs::kAlways, NoNewPrivs::kWhenRequired}) {
    EXPECT_EQ(InChild([&] {
                std::optional<LaunchFailure> failed = InstallSeccompFilter(no_return, rule);
                if (!failed) return 10;
                if (failed->stage != LaunchFailure::Stage::kSeccompFilter) return 11;
                return failed->error_number == EINVAL ? 0 : 12;
              }),
              0);
  }
}

}  // namespace
}  // namespace sysfence
