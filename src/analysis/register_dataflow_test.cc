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

// The instructions of `code`, decoded at kBase.
std::vector<Instruction> DecodeAll(const std::vector<uint8_t>& code) {
  InstructionDecoder decoder;
  std::vector<Instruction> insns;
  for (size_t offset = 0; offset < code.size();) {
    Instruction insn;
    EXPECT_TRUE(
        decoder.Decode(ByteView(code.data() + offset, code.size() - offset), kBase + offset, insn));
    if (insn.length == 0) break;
    insns.push_back(insn);
    offset += insn.length;
  }
  return insns;
}

// Decodes `code` at kBase and returns %rax before the first `syscall`.
std::string RaxAtSyscall(const std::vector<uint8_t>& code, std::vector<uint64_t> outside = {}) {
  std::vector<Instruction> insns = DecodeAll(code);
  DataflowInput input;
  input.instructions = insns;
  input.start = kBase;
  input.end = kBase + code.size();
  input.outside_entries = std::move(outside);
  std::string result = "no syscall";
  RunDataflow(input, nullptr, [&](size_t i, const RegisterState& state) {
    if (insns[i].flow == Flow::kSyscall && result == "no syscall")
      result = state.regs[kRax].ToString();
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
  EXPECT_EQ(RaxAtSyscall({0x41, 0xb9, 0xca, 0, 0, 0, 0x44, 0x89, 0xc8, 0x0f, 0x05, 0x85, 0xc0, 0x75,
                          0xf7, 0xc3}),
            "{202}");
}

TEST(RegisterDataflow, StatesOnlyWhereTheVisitNeedsThem) {
  // mov $202,%r9d; L: mov %r9d,%eax; test %edi,%edi; je M; mov $1,%esi; M: syscall;
  // test %eax,%eax; jne L; mov $3,%eax; ret
  std::vector<Instruction> insns = DecodeAll(
      {0x41, 0xb9, 0xca, 0,    0,    0,    0x44, 0x89, 0xc8, 0x85, 0xff, 0x74, 0x05, 0xbe, 1,
       0,    0,    0,    0x0f, 0x05, 0x85, 0xc0, 0x75, 0xee, 0xb8, 3,    0,    0,    0,    0xc3});
  ASSERT_EQ(insns.size(), 10u);
  DataflowInput input;
  input.instructions = insns;
  input.start = kBase;
  input.end = kBase + 30;
  // Every state, then only the syscall's and the ret's.
  std::vector<std::string> every, some;
  RunDataflow(input, nullptr, [&](size_t i, const RegisterState& state) {
    every.push_back(state.regs[kRax].ToString() + " " + state.regs[kRsi].ToString());
    EXPECT_EQ(i + 1, every.size());
  });
  std::vector<char> needs(insns.size(), 0);
  needs[5] = needs[9] = 1;
  input.needs_state = needs;
  RunDataflow(input, nullptr, [&](size_t i, const RegisterState& state) {
    some.push_back(state.regs[kRax].ToString() + " " + state.regs[kRsi].ToString());
    EXPECT_EQ(i + 1, some.size());  // every instruction is still visited, in order
  });
  ASSERT_EQ(some.size(), every.size());
  EXPECT_EQ(some[5], every[5]);
  EXPECT_EQ(some[5], "{202} {arg:rsi, 1}");
  EXPECT_EQ(some[9], every[9]);
  EXPECT_EQ(some[9], "{3} {arg:rsi, 1}");
  std::string unknown = RegisterState::AllTop().regs[kRax].ToString() + " " +
                        RegisterState::AllTop().regs[kRsi].ToString();
  // Blocks without an instruction that needs it, and the rest of a block after the last one
  // that does, are not run again.
  for (size_t i : {0, 1, 2, 3, 4, 6, 7}) EXPECT_EQ(some[i], unknown) << i;
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// Decodes `code` at kBase and runs the data flow with Go's frame model (`call_writes` bytes
// of the argument area written by every call); returns what `reg` holds before the first
// instruction of kind `at` (kStackArgument0: what the callee of a call finds at 8(%rsp)).
std::string GoValueAt(const std::vector<uint8_t>& code, int reg, Flow at, int64_t call_writes = 0) {
  std::vector<Instruction> insns = DecodeAll(code);
  FrameModel frame;
  frame.call_clobbers = 0xffff & ~((1u << kRsp) | (1u << kRbp));
  frame.track_stack = true;
  frame.frame_escapes = FrameEscapes(insns);
  frame.call_writes = [&](const Instruction&) { return call_writes; };
  DataflowInput input;
  input.instructions = insns;
  input.start = kBase;
  input.end = kBase + code.size();
  input.frame = &frame;
  std::string result = "not reached";
  RunDataflow(input, nullptr, [&](size_t i, const RegisterState& state) {
    if (insns[i].flow == at && result == "not reached") {
      result = state.ArgumentValue(reg, false).ToString();
    }
  });
  return result;
}

TEST(RegisterDataflowStack, ConstantStoredForAStackArgument) {
  // sub $0x78,%rsp; movq $0x27,(%rsp); call
  EXPECT_EQ(
      GoValueAt({0x48, 0x83, 0xec, 0x78, 0x48, 0xc7, 0x04, 0x24, 0x27, 0, 0, 0, 0xe8, 0, 0, 0, 0},
                kStackArgument0, Flow::kCall),
      "{39}");
  // skopeo's lockfile.newLastWriterID: cmp 0x10(%r14),%rsp; jbe +0x13f; sub $0x78,%rsp;
  // mov %rbp,0x70(%rsp); lea 0x70(%rsp),%rbp; nop; movq $0x27,(%rsp);
  // movups %xmm15,0x8(%rsp); movq $0,0x18(%rsp); call
  std::vector<uint8_t> code = {0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0x3f, 0x01, 0x00, 0x00, 0x48,
                               0x83, 0xec, 0x78, 0x48, 0x89, 0x6c, 0x24, 0x70, 0x48, 0x8d, 0x6c,
                               0x24, 0x70, 0x90, 0x48, 0xc7, 0x04, 0x24, 0x27, 0x00, 0x00, 0x00,
                               0x44, 0x0f, 0x11, 0x7c, 0x24, 0x08, 0x48, 0xc7, 0x44, 0x24, 0x18,
                               0x00, 0x00, 0x00, 0x00, 0xe8, 0x6b, 0x09, 0xb2, 0xff};
  EXPECT_EQ(GoValueAt(code, kStackArgument0, Flow::kCall), "{39}");
}

TEST(RegisterDataflowStack, AssemblyFunctionReadsItsStackArgument) {
  // mov 0x8(%rsp),%rax; syscall   (syscall.rawSyscallNoError, ABI0)
  EXPECT_EQ(GoValueAt({0x48, 0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05}, kRax, Flow::kSyscall),
            "{arg:8(%rsp)}");
  // sub $0x18,%rsp; mov 0x20(%rsp),%eax; syscall   (a frame of its own first)
  EXPECT_EQ(
      GoValueAt({0x48, 0x83, 0xec, 0x18, 0x8b, 0x44, 0x24, 0x20, 0x0f, 0x05}, kRax, Flow::kSyscall),
      "{arg:8(%rsp)}");
  // pop %r12; push %r12; mov 0x8(%rsp),%rax; syscall   (rawVforkSyscall keeps its return
  // address in R12 around the call)
  EXPECT_EQ(GoValueAt({0x41, 0x5c, 0x41, 0x54, 0x48, 0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05}, kRax,
                      Flow::kSyscall),
            "{arg:8(%rsp)}");
}

// syscall.Syscall: the number (RAX) is spilled to its frame around runtime.entersyscall and
// reloaded for the call to RawSyscall6.
TEST(RegisterDataflowStack, SpilledArgumentSurvivesACall) {
  // sub $0x68,%rsp; mov %rax,0x40(%rsp); call; mov 0x40(%rsp),%rax; syscall
  std::vector<uint8_t> reload = {0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40, 0xe8, 0,
                                 0,    0,    0,    0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05};
  EXPECT_EQ(GoValueAt(reload, kRax, Flow::kSyscall, /*call_writes=*/0), "{arg:rax}");
  // A callee that may write any word of the frame, or one whose argument area covers it.
  EXPECT_EQ(GoValueAt(reload, kRax, Flow::kSyscall, kCallMayWriteFrame), "top");
  EXPECT_EQ(GoValueAt(reload, kRax, Flow::kSyscall, 0x48), "top");
  EXPECT_EQ(GoValueAt(reload, kRax, Flow::kSyscall, 0x40), "{arg:rax}");
}

TEST(RegisterDataflowStack, AFrameHandedOutIsForgottenAtCalls) {
  // sub $0x68,%rsp; mov %rax,0x40(%rsp); lea 0x20(%rsp),%rdi; call; mov 0x40(%rsp),%rax;
  // syscall
  EXPECT_EQ(
      GoValueAt({0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40, 0x48, 0x8d, 0x7c, 0x24,
                 0x20, 0xe8, 0,    0,    0,    0,    0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05},
                kRax, Flow::kSyscall),
      "top");
  // The same with the address handed out after the call (still the same frame).
  EXPECT_EQ(GoValueAt({0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40, 0xe8, 0,    0,   0, 0,
                       0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05, 0x48, 0x8d, 0x7c, 0x24, 0x20},
                      kRax, Flow::kSyscall),
            "top");
  // A store through a pointer that is not the frame's: forgotten too once the frame escapes.
  // sub $0x68,%rsp; mov %rax,0x40(%rsp); lea 0x20(%rsp),%rdi; mov %rcx,(%rdx);
  // mov 0x40(%rsp),%rax; syscall
  EXPECT_EQ(GoValueAt({0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40, 0x48, 0x8d, 0x7c,
                       0x24, 0x20, 0x48, 0x89, 0x0a, 0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05},
                      kRax, Flow::kSyscall),
            "top");
}

TEST(RegisterDataflowStack, StoresThroughTheFramePointer) {
  // sub $0x68,%rsp; mov %rax,0x40(%rsp); lea 0x60(%rsp),%rbp; mov %rcx,0x0(%rbp);
  // mov 0x40(%rsp),%rax; syscall: the store lands elsewhere in the frame.
  std::vector<uint8_t> code = {0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40,
                               0x48, 0x8d, 0x6c, 0x24, 0x60, 0x48, 0x89, 0x4d, 0x00,
                               0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05};
  EXPECT_EQ(GoValueAt(code, kRax, Flow::kSyscall), "{arg:rax}");
  // The same after and $-16,%rbp: where %rbp points is no longer known.
  code.insert(code.begin() + 14, {0x48, 0x83, 0xe5, 0xf0});
  EXPECT_EQ(GoValueAt(code, kRax, Flow::kSyscall), "top");
}

TEST(RegisterDataflowStack, GoCallsClobberEveryRegisterButTheStackAndFramePointers) {
  // mov $39,%ebx; call; mov %ebx,%eax; syscall   (RBX is Go's second result register)
  EXPECT_EQ(GoValueAt({0xbb, 39, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x89, 0xd8, 0x0f, 0x05}, kRax,
                      Flow::kSyscall),
            "top");
}

TEST(RegisterDataflowStack, StoresOverlappingASlotForgetIt) {
  // sub $0x68,%rsp; mov %rax,0x40(%rsp); movups %xmm15,0x38(%rsp); mov 0x40(%rsp),%rax;
  // syscall
  EXPECT_EQ(GoValueAt({0x48, 0x83, 0xec, 0x68, 0x48, 0x89, 0x44, 0x24, 0x40, 0x44, 0x0f,
                       0x11, 0x7c, 0x24, 0x38, 0x48, 0x8b, 0x44, 0x24, 0x40, 0x0f, 0x05},
                      kRax, Flow::kSyscall),
            "top");
  // A 4-byte store of a constant read back as 4 bytes: movl $0xca,0x8(%rsp) at entry.
  EXPECT_EQ(GoValueAt({0xc7, 0x44, 0x24, 0x08, 0xca, 0, 0, 0, 0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05},
                      kRax, Flow::kSyscall),
            "{202}");
}

}  // namespace
}  // namespace sysfence
