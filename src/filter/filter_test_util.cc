// The filter tests' oracle and exhaustive check (see filter_test_util.h).
#include "filter/filter_test_util.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <gtest/gtest.h>

#include "seccomp/bpf_evaluator.h"
#include "seccomp/bpf_program.h"
#include "syscalls/syscall_table.h"

namespace sysfence::testing {

uint32_t ExpectedVerdict(const FilterPolicy& policy, uint32_t arch, uint32_t nr) {
  uint32_t fallback = SeccompReturnValue(policy.default_action);
  if (arch == AUDIT_ARCH_I386) {
    for (const std::string& name : policy.i386_allowed) {
      if (I386SyscallNumber(name) == static_cast<int>(nr)) return SECCOMP_RET_ALLOW;
    }
    return fallback;
  }
  if (arch != AUDIT_ARCH_X86_64) return SECCOMP_RET_KILL_PROCESS;
  if (nr >= kX32SyscallBit) return fallback;  // x32, and anything above
  if (nr < static_cast<uint32_t>(kSyscallNumberLimit)) {
    if (policy.allowed.Contains(static_cast<int>(nr))) return SECCOMP_RET_ALLOW;
    if (policy.soft.Contains(static_cast<int>(nr))) return SeccompReturnValue(policy.soft_action);
    if (policy.traced.Contains(static_cast<int>(nr))) return SECCOMP_RET_TRACE;
  }
  return fallback;
}

std::vector<std::pair<uint32_t, uint32_t>> AllCallsToCheck() {
  std::vector<std::pair<uint32_t, uint32_t>> calls;
  for (uint32_t nr = 0; nr < 1024; ++nr) {
    calls.emplace_back(AUDIT_ARCH_X86_64, nr);
    calls.emplace_back(AUDIT_ARCH_X86_64, kX32SyscallBit | nr);
    calls.emplace_back(AUDIT_ARCH_I386, nr);
  }
  for (uint32_t nr : {0x3fffffffu, 0x7fffffffu, 0xffffffffu, kX32SyscallBit | 0xffffu}) {
    calls.emplace_back(AUDIT_ARCH_X86_64, nr);
    calls.emplace_back(AUDIT_ARCH_I386, nr);
  }
  calls.emplace_back(AUDIT_ARCH_AARCH64, 0);
  calls.emplace_back(0, 0);
  return calls;
}

void ExpectProgramMatchesPolicy(const FilterPolicy& policy, std::span<const sock_filter> program) {
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
  ASSERT_TRUE(evaluator.ok()) << evaluator.error().message();
  int mismatches = 0;
  for (auto [arch, nr] : AllCallsToCheck()) {
    seccomp_data data{};
    data.arch = arch;
    data.nr = static_cast<int>(nr);
    BpfEvaluator::Verdict verdict = evaluator->Evaluate(data);
    uint32_t expected = ExpectedVerdict(policy, arch, nr);
    if (verdict.value != expected && ++mismatches <= 5) {
      ADD_FAILURE() << std::hex << "arch 0x" << arch << " nr 0x" << nr << ": filter returns 0x"
                    << verdict.value << ", policy says 0x" << expected << "\n"
                    << DisassembleBpf(program);
    }
    EXPECT_FALSE(verdict.read_arguments) << "nr " << nr << " reads arguments";
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace sysfence::testing
