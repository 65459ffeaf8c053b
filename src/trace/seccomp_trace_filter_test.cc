// The trace filter's decisions, checked by running the exported BPF in a small user-space
// evaluator (every call and architecture the tracer cares about), and once in the kernel.
#include "trace/seccomp_trace_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

namespace sysfence {
namespace {

// Runs a classic-BPF seccomp program over `data` the way the kernel does, for the
// instructions libseccomp emits. Returns the action, or fails the test on anything else.
uint32_t Evaluate(const SeccompProgram& program, const seccomp_data& data) {
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t memory[BPF_MEMWORDS] = {};
  const auto& code = program.instructions;
  for (size_t pc = 0; pc < code.size(); ++pc) {
    const sock_filter& in = code[pc];
    auto jump = [&](bool taken) { pc += taken ? in.jt : in.jf; };
    uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k % 4 != 0 || in.k + 4 > sizeof data) {
          ADD_FAILURE() << "load outside seccomp_data at " << in.k;
          return 0;
        }
        memcpy(&a, reinterpret_cast<const char*>(&data) + in.k, 4);
        break;
      case BPF_LD | BPF_IMM: a = in.k; break;
      case BPF_LDX | BPF_IMM: x = in.k; break;
      case BPF_LD | BPF_MEM: a = memory[in.k % BPF_MEMWORDS]; break;
      case BPF_LDX | BPF_MEM: x = memory[in.k % BPF_MEMWORDS]; break;
      case BPF_ST: memory[in.k % BPF_MEMWORDS] = a; break;
      case BPF_STX: memory[in.k % BPF_MEMWORDS] = x; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      case BPF_ALU | BPF_AND | BPF_K:
      case BPF_ALU | BPF_AND | BPF_X: a &= operand; break;
      case BPF_ALU | BPF_OR | BPF_K:
      case BPF_ALU | BPF_OR | BPF_X: a |= operand; break;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K:
      case BPF_JMP | BPF_JEQ | BPF_X: jump(a == operand); break;
      case BPF_JMP | BPF_JGT | BPF_K:
      case BPF_JMP | BPF_JGT | BPF_X: jump(a > operand); break;
      case BPF_JMP | BPF_JGE | BPF_K:
      case BPF_JMP | BPF_JGE | BPF_X: jump(a >= operand); break;
      case BPF_JMP | BPF_JSET | BPF_K:
      case BPF_JMP | BPF_JSET | BPF_X: jump((a & operand) != 0); break;
      case BPF_RET | BPF_K: return in.k;
      case BPF_RET | BPF_A: return a;
      default:
        ADD_FAILURE() << "instruction the evaluator does not know: code " << in.code;
        return 0;
    }
  }
  ADD_FAILURE() << "the program ran off its end";
  return 0;
}

uint32_t ActionFor(const SeccompProgram& program, uint32_t arch, uint64_t number) {
  seccomp_data data{};
  data.nr = static_cast<int>(number);
  data.arch = arch;
  return Evaluate(program, data) & SECCOMP_RET_ACTION_FULL;
}

constexpr uint32_t kTrace = SECCOMP_RET_TRACE;
constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;

TEST(SeccompTraceFilter, DefaultTracesEveryCallOfEveryArchitecture) {
  Result<SeccompProgram> program = BuildSeccompTraceFilter(std::nullopt);
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
  Result<SeccompProgram> program = BuildSeccompTraceFilter(chosen);
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
  Result<SeccompProgram> program = BuildSeccompTraceFilter(chosen);
  ASSERT_TRUE(program.ok()) << program.error().message();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (InstallSeccompProgram(*program) != 0) _exit(10);
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
