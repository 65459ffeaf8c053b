// The filter tests' oracle and exhaustive check (see filter_test_util.h).
#include "filter/filter_test_util.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <algorithm>

#include "filter/argument_rules.h"
#include "seccomp/bpf_evaluator.h"
#include "seccomp/bpf_program.h"
#include "syscalls/syscall_table.h"

namespace sysfence::testing {

uint32_t ExpectedVerdict(const FilterPolicy& policy, uint32_t arch, uint32_t nr,
                         const std::array<uint64_t, 6>& args) {
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
    auto constrained = policy.arguments.find(static_cast<int>(nr));
    if (constrained != policy.arguments.end() && policy.allowed.Contains(static_cast<int>(nr))) {
      for (const ArgumentRule& rule : ArgumentRulesOf(static_cast<int>(nr), constrained->second)) {
        bool holds = std::all_of(rule.begin(), rule.end(), [&](const ArgumentCondition& c) {
          return (args[c.index] & c.mask) == c.value;
        });
        if (holds) return SECCOMP_RET_ALLOW;
      }
      return fallback;
    }
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
  auto check = [&](uint32_t arch, uint32_t nr, const std::array<uint64_t, 6>& args) {
    seccomp_data data{};
    data.arch = arch;
    data.nr = static_cast<int>(nr);
    std::copy(args.begin(), args.end(), data.args);
    BpfEvaluator::Verdict verdict = evaluator->Evaluate(data);
    uint32_t expected = ExpectedVerdict(policy, arch, nr, args);
    if (verdict.value != expected && ++mismatches <= 5) {
      ADD_FAILURE() << std::hex << "arch 0x" << arch << " nr 0x" << nr << " arg0 0x" << args[0]
                    << ": filter returns 0x" << verdict.value << ", policy says 0x" << expected
                    << "\n"
                    << DisassembleBpf(program);
    }
    return verdict;
  };
  for (auto [arch, nr] : AllCallsToCheck()) {
    bool rules = arch == AUDIT_ARCH_X86_64 && policy.arguments.contains(static_cast<int>(nr));
    BpfEvaluator::Verdict verdict = check(arch, nr, {});
    if (!rules) {
      EXPECT_FALSE(verdict.read_arguments) << "nr " << nr << " reads arguments";
      continue;
    }
    // Each rule's values, alone and with every bit outside the masks set (which must not
    // matter), and each value with one bit of its mask flipped (which must, unless another
    // rule allows that too).
    for (const ArgumentRule& rule :
         ArgumentRulesOf(static_cast<int>(nr), policy.arguments.at(static_cast<int>(nr)))) {
      std::array<uint64_t, 6> args{};
      std::array<uint64_t, 6> noisy{};
      for (const ArgumentCondition& c : rule) {
        args[c.index] = c.value;
        noisy[c.index] = c.value | ~c.mask;
      }
      EXPECT_EQ(check(arch, nr, args).value, SECCOMP_RET_ALLOW);
      EXPECT_EQ(check(arch, nr, noisy).value, SECCOMP_RET_ALLOW);
      for (const ArgumentCondition& c : rule) {
        for (int bit = 0; bit < 64; ++bit) {
          if (!(c.mask & (uint64_t{1} << bit))) continue;
          std::array<uint64_t, 6> flipped = args;
          flipped[c.index] ^= uint64_t{1} << bit;
          check(arch, nr, flipped);
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace sysfence::testing
