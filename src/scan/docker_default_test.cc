// Pins down the checked-in facts about Docker's default profile on x86-64.
#include "scan/docker_default.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(DockerDefault, HoldsEveryListedNameAndTheAmd64Rules) {
  SyscallSet docker = DockerDefaultSyscalls();
  // 289 unconditional x86-64 names and 8 names of rules for a default amd64 container: a name
  // missing from the syscall table would make the set smaller.
  EXPECT_EQ(docker.Size(), 297);
  for (std::string_view allowed :
       {"read", "ptrace", "arch_prctl", "socket", "clone", "io_uring_setup"}) {
    EXPECT_TRUE(docker.Contains(allowed)) << allowed;
  }
  for (std::string_view blocked : {"mount", "bpf", "kexec_load", "init_module", "unshare", "setns",
                                   "clone3", "keyctl", "perf_event_open", "userfaultfd"}) {
    EXPECT_FALSE(docker.Contains(blocked)) << blocked;
  }
}

}  // namespace
}  // namespace sysfence
