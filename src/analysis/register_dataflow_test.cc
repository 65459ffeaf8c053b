// Pins down what the register data flow finds before a `syscall` in hand-assembled code:
// constants through unrelated writes, argument registers (wrappers), merges of branches,
// clobbering by calls, callee-saved registers surviving calls, and unknown values where
// code can be entered from outside.
#include "analysis/register_dataflow.h"

#include <gtest/gtest.h>

#include <vector>

namespace sysfence {
namespace {

constexpr uint64_t kBase = 0x1000;

// Decodes `code` at kBase and returns %rax before the first `syscall`.
std::string RaxAtSyscall(const std::vector<uint8_t>& code, std::vector<uint64_t> outside = {}) {
  InstructionDecoder decoder;
  std::vector<Instruction> insns;
  for (size_t offset = 0; offset < code.size();) {
    Instruction insn;
    EXPECT_TRUE(decoder.Decode(ByteView(code.data() + offset, code.size() - offset),
                               kBase + offset, insn));
    insns.push_back(insn);
    offset += insn.length;
  }
  DataflowInput input;
  input.instructions = insns;
  input.start = kBase;
  input.end = kBase + code.size();
  input.outside_entries = std::move(outside);
  std::string result = "no syscall";
  RunDataflow(input, nullptr, [&](size_t i, const RegisterState& state) {
    if (insns[i].flow == Flow::kSyscall && result == "no syscall") result = state.regs[kRax].ToString();
  });
  return result;
}

TEST(RegisterDataflow, ConstantSurvivesUnrelatedWrites) {
  // mov $202,%eax; xor $0x80,%sil; syscall   (glibc's futex pattern)
  EXPECT_EQ(RaxAtSyscall({0xb8, 0xca, 0, 0, 0, 0x40, 0x80, 0xf6, 0x80, 0x0f, 0x05}), "{202}");
}

TEST(RegisterDataflow, ArgumentRegisterMakesAWrapper) {
  // mov %edi,%eax; syscall
  EXPECT_EQ(RaxAtSyscall({0x89, 0xf8, 0x0f, 0x05}), "{arg:rdi}");
  // mov %r8d,%eax; syscall
  EXPECT_EQ(RaxAtSyscall({0x44, 0x89, 0xc0, 0x0f, 0x05}), "{arg:r8}");
}

TEST(RegisterDataflow, BranchesMerge) {
  // test %edi,%edi; je L; mov $1,%eax; jmp M; L: mov $2,%eax; M: syscall
  EXPECT_EQ(RaxAtSyscall({0x85, 0xff, 0x74, 0x07, 0xb8, 1, 0, 0, 0, 0xeb, 0x05, 0xb8, 2, 0, 0, 0,
                          0x0f, 0x05}),
            "{1, 2}");
}

TEST(RegisterDataflow, CallsClobberCallerSavedRegistersOnly) {
  // mov $39,%eax; call next; syscall
  EXPECT_EQ(RaxAtSyscall({0xb8, 39, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x0f, 0x05}), "top");
  // mov $39,%ebx; call next; mov %ebx,%eax; syscall
  EXPECT_EQ(RaxAtSyscall({0xbb, 39, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x89, 0xd8, 0x0f, 0x05}), "{39}");
}

TEST(RegisterDataflow, ZeroingAndArithmetic) {
  // xor %eax,%eax; syscall
  EXPECT_EQ(RaxAtSyscall({0x31, 0xc0, 0x0f, 0x05}), "{0}");
  // mov $10,%eax; add $5,%eax; syscall
  EXPECT_EQ(RaxAtSyscall({0xb8, 10, 0, 0, 0, 0x83, 0xc0, 0x05, 0x0f, 0x05}), "{15}");
  // mov $10,%eax; imul $3,%eax,%eax; syscall  (not modelled: unknown)
  EXPECT_EQ(RaxAtSyscall({0xb8, 10, 0, 0, 0, 0x6b, 0xc0, 0x03, 0x0f, 0x05}), "top");
}

TEST(RegisterDataflow, EntryFromOutsideMakesEverythingUnknown) {
  // mov $1,%eax; nop; syscall, with the nop entered from elsewhere.
  std::vector<uint8_t> code = {0xb8, 1, 0, 0, 0, 0x90, 0x0f, 0x05};
  EXPECT_EQ(RaxAtSyscall(code), "{1}");
  EXPECT_EQ(RaxAtSyscall(code, {kBase + 5}), "top");
}

TEST(RegisterDataflow, LoopsReachAFixpoint) {
  // mov $202,%r9d; L: mov %r9d,%eax; syscall; test %eax,%eax; jne L; ret
  EXPECT_EQ(RaxAtSyscall({0x41, 0xb9, 0xca, 0, 0, 0, 0x44, 0x89, 0xc8, 0x0f, 0x05, 0x85, 0xc0,
                          0x75, 0xf7, 0xc3}),
            "{202}");
}

}  // namespace
}  // namespace sysfence
