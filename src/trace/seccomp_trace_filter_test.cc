// The trace filter's decisions, checked by running the exported BPF in the user-space
// evaluator (every call and architecture the tracer cares about), and once in the kernel.
#include "trace/seccomp_trace_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "seccomp/bpf_evaluator.h"
#include "seccomp/seccomp_install.h"

namespace sysfence {
namespace {

// The filter's verdict for a call, from the user-space evaluator every filter is checked with.
uint32_t ActionFor(const BpfProgram& program, uint32_t arch, uint64_t number) {
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
  if (!evaluator.ok()) {
    ADD_FAILURE() << evaluator.error().message();
    return 0;
  }
  seccomp_data data{};
  data.nr = static_cast<int>(number);
  data.arch = arch;
  return SeccompAction(evaluator->Evaluate(data).value);
}

constexpr uint32_t kTrace = SECCOMP_RET_TRACE;
constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;

TEST(SeccompTraceFilter, DefaultTracesEveryCallOfEveryArchitecture) {
  Result<BpfProgram> program = BuildSeccompTraceFilter(std::nullopt);
  ASSERT_TRUE(program.ok()) << program.error().message();
  for (uint64_t number : {0, 1, 59, 231, 435, 600, 1023}) {
    EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, number), kTrace) << number;
  }
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, 0x40000000 | 39), kTrace) << "x32 getpid";
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_I386, 20), kTrace) << "i386 getpid";
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_AARCH64, 172), kTrace) << "another architecture";
}

TEST(SeccompTraceFilter, SubsetTracesChosenCallsAndEverythingUnknown) {
  SyscallSet chosen = SyscallSet::FromNames({"execve", "openat"}).value();
  Result<BpfProgram> program = BuildSeccompTraceFilter(chosen);
  ASSERT_TRUE(program.ok()) << program.error().message();
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, SYS_execve), kTrace);
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, SYS_openat), kTrace);
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, SYS_read), kAllow);
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, SYS_exit_group), kAllow);
  // Numbers no table names cannot be allowed by name, so they stay visible.
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, 600), kTrace);
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_X86_64, 0x40000000 | SYS_read), kTrace);
  // i386 calls follow the x86-64 choice by name: execve is 11 there, read is 3.
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_I386, 11), kTrace);
  EXPECT_EQ(ActionFor(*program, AUDIT_ARCH_I386, 3), kAllow);
}

TEST(SeccompTraceFilter, KernelAcceptsSubsetFilterAndAnswersTracedCallsWithoutTracer) {
  // A traced call with no tracer attached fails with ENOSYS; an allowed one runs. This is also
  // why sysfence kills its tracees instead of detaching them.
  SyscallSet chosen = SyscallSet::FromNames({"getppid"}).value();
  Result<BpfProgram> program = BuildSeccompTraceFilter(chosen);
  ASSERT_TRUE(program.ok()) << program.error().message();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (InstallSeccompFilter(*program, NoNewPrivs::kWhenRequired)) _exit(10);
    long traced = syscall(SYS_getppid);
    int traced_errno = errno;
    long allowed = syscall(SYS_getpid);
    _exit(traced == -1 && traced_errno == ENOSYS && allowed == getpid() ? 0 : 11);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: filter refused, 11: wrong behaviour";
}

}  // namespace
}  // namespace sysfence
