// The user-space BPF evaluator: it runs every instruction form seccomp allows the way the
// kernel does, and refuses exactly what the kernel's checker refuses (cross-checked by loading
// the same programs into the kernel in a child process).
#include "seccomp/bpf_evaluator.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "seccomp/bpf_program.h"

namespace sysfence {
namespace {

sock_filter Stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}

seccomp_data Call(int nr, uint64_t arg0 = 0) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = AUDIT_ARCH_X86_64;
  data.args[0] = arg0;
  return data;
}

uint32_t Evaluate(const BpfProgram& program, const seccomp_data& data) {
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
  EXPECT_TRUE(evaluator.ok()) << (evaluator.ok() ? "" : evaluator.error().message());
  if (!evaluator.ok()) return 0xdeadbeef;
  return evaluator->Evaluate(data).value;
}

// Returns 0 when the kernel accepts `program` as a seccomp filter, else the errno.
int KernelVerdict(const BpfProgram& program) {
  pid_t pid = fork();
  if (pid == 0) {
    sock_fprog prog{static_cast<unsigned short>(program.size()),
                    const_cast<sock_filter*>(program.data())};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    _exit(rc == 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(BpfEvaluator, LoadsNrArchAndArgumentHalves) {
  seccomp_data data = Call(59, 0x1122334455667788ULL);
  auto load_and_return = [](uint32_t offset) {
    return BpfProgram{Stmt(BPF_LD | BPF_W | BPF_ABS, offset), Stmt(BPF_RET | BPF_A, 0)};
  };
  EXPECT_EQ(Evaluate(load_and_return(offsetof(seccomp_data, nr)), data), 59u);
  EXPECT_EQ(Evaluate(load_and_return(offsetof(seccomp_data, arch)), data), AUDIT_ARCH_X86_64);
  EXPECT_EQ(Evaluate(load_and_return(offsetof(seccomp_data, args)), data), 0x55667788u);
  EXPECT_EQ(Evaluate(load_and_return(offsetof(seccomp_data, args) + 4), data), 0x11223344u);
  EXPECT_EQ(Evaluate({Stmt(BPF_LD | BPF_W | BPF_LEN, 0), Stmt(BPF_RET | BPF_A, 0)}, data), 64u);
  EXPECT_EQ(Evaluate({Stmt(BPF_LDX | BPF_W | BPF_LEN, 0), Stmt(BPF_MISC | BPF_TXA, 0),
                      Stmt(BPF_RET | BPF_A, 0)},
                     data),
            64u);
}

TEST(BpfEvaluator, ArithmeticIsThirtyTwoBitAndWraps) {
  auto alu = [](uint32_t a, uint16_t op, uint32_t k) {
    return Evaluate(
        {Stmt(BPF_LD | BPF_IMM, a), Stmt(BPF_ALU | op | BPF_K, k), Stmt(BPF_RET | BPF_A, 0)},
        Call(0));
  };
  EXPECT_EQ(alu(0xffffffff, BPF_ADD, 2), 1u);
  EXPECT_EQ(alu(1, BPF_SUB, 2), 0xffffffffu);
  EXPECT_EQ(alu(0x10000, BPF_MUL, 0x10000), 0u);
  EXPECT_EQ(alu(100, BPF_DIV, 7), 14u);
  EXPECT_EQ(alu(0xf0f0, BPF_AND, 0xff00), 0xf000u);
  EXPECT_EQ(alu(0xf0f0, BPF_OR, 0x0f00), 0xfff0u);
  EXPECT_EQ(alu(0xff, BPF_XOR, 0x0f), 0xf0u);
  EXPECT_EQ(alu(1, BPF_LSH, 31), 0x80000000u);
  EXPECT_EQ(alu(0x80000000, BPF_RSH, 31), 1u);
  EXPECT_EQ(
      Evaluate({Stmt(BPF_LD | BPF_IMM, 5), Stmt(BPF_ALU | BPF_NEG, 0), Stmt(BPF_RET | BPF_A, 0)},
               Call(0)),
      0xfffffffbu);
  // With X as the operand.
  EXPECT_EQ(Evaluate({Stmt(BPF_LDX | BPF_IMM, 3), Stmt(BPF_LD | BPF_IMM, 10),
                      Stmt(BPF_ALU | BPF_SUB | BPF_X, 0), Stmt(BPF_RET | BPF_A, 0)},
                     Call(0)),
            7u);
}

TEST(BpfEvaluator, DivisionByZeroInXReturnsZeroFromTheProgram) {
  EXPECT_EQ(Evaluate({Stmt(BPF_LDX | BPF_IMM, 0), Stmt(BPF_LD | BPF_IMM, 10),
                      Stmt(BPF_ALU | BPF_DIV | BPF_X, 0), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)},
                     Call(0)),
            0u);
}

TEST(BpfEvaluator, ConditionalJumpsCompareUnsigned) {
  auto jump = [](uint16_t op, uint32_t a, uint32_t k) {
    return Evaluate({Stmt(BPF_LD | BPF_IMM, a), Jump(BPF_JMP | op | BPF_K, k, 0, 1),
                     Stmt(BPF_RET | BPF_K, 1), Stmt(BPF_RET | BPF_K, 2)},
                    Call(0));
  };
  EXPECT_EQ(jump(BPF_JEQ, 5, 5), 1u);
  EXPECT_EQ(jump(BPF_JEQ, 5, 6), 2u);
  EXPECT_EQ(jump(BPF_JGT, 0xffffffff, 1), 1u);  // unsigned: -1 > 1
  EXPECT_EQ(jump(BPF_JGT, 1, 1), 2u);
  EXPECT_EQ(jump(BPF_JGE, 1, 1), 1u);
  EXPECT_EQ(jump(BPF_JSET, 0x12, 0x02), 1u);
  EXPECT_EQ(jump(BPF_JSET, 0x12, 0x01), 2u);
  EXPECT_EQ(Evaluate({Stmt(BPF_LDX | BPF_IMM, 7), Stmt(BPF_LD | BPF_IMM, 7),
                      Jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0), Stmt(BPF_RET | BPF_K, 1),
                      Stmt(BPF_RET | BPF_K, 2)},
                     Call(0)),
            2u);
  EXPECT_EQ(
      Evaluate({Stmt(BPF_JMP | BPF_JA, 1), Stmt(BPF_RET | BPF_K, 1), Stmt(BPF_RET | BPF_K, 2)},
               Call(0)),
      2u);
}

TEST(BpfEvaluator, ScratchMemoryAndRegisterMoves) {
  EXPECT_EQ(
      Evaluate({Stmt(BPF_LD | BPF_IMM, 42), Stmt(BPF_ST, 15), Stmt(BPF_LD | BPF_IMM, 0),
                Stmt(BPF_LDX | BPF_MEM, 15), Stmt(BPF_MISC | BPF_TXA, 0), Stmt(BPF_RET | BPF_A, 0)},
               Call(0)),
      42u);
  EXPECT_EQ(Evaluate({Stmt(BPF_LDX | BPF_IMM, 9), Stmt(BPF_STX, 0), Stmt(BPF_LD | BPF_MEM, 0),
                      Stmt(BPF_MISC | BPF_TAX, 0), Stmt(BPF_RET | BPF_A, 0)},
                     Call(0)),
            9u);
}

TEST(BpfEvaluator, CountsInstructionsAndNoticesArgumentLoads) {
  BpfProgram program{
      Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args)), Stmt(BPF_RET | BPF_A, 0)};
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
  ASSERT_TRUE(evaluator.ok());
  BpfEvaluator::Verdict write = evaluator->Evaluate(Call(1));
  EXPECT_EQ(write.instructions, 3);
  EXPECT_FALSE(write.read_arguments);
  BpfEvaluator::Verdict read = evaluator->Evaluate(Call(0, 77));
  EXPECT_EQ(read.value, 77u);
  EXPECT_EQ(read.instructions, 4);  // ld, jeq (not taken), ld, ret
  EXPECT_TRUE(read.read_arguments);
}

struct BadProgram {
  const char* why;
  BpfProgram program;
};

std::vector<BadProgram> BadPrograms() {
  sock_filter ret = Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return {
      {"empty", {}},
      {"too long", BpfProgram(kMaxBpfInstructions + 1, ret)},
      {"modulo (not allowed by seccomp)", {Stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ret}},
      {"16-bit load", {Stmt(BPF_LD | BPF_H | BPF_ABS, 0), ret}},
      {"indirect load", {Stmt(BPF_LD | BPF_W | BPF_IND, 0), ret}},
      {"unaligned load", {Stmt(BPF_LD | BPF_W | BPF_ABS, 2), ret}},
      {"load past seccomp_data", {Stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret}},
      {"division by constant zero", {Stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ret}},
      {"shift by 32", {Stmt(BPF_ALU | BPF_LSH | BPF_K, 32), ret}},
      {"scratch index 16", {Stmt(BPF_ST, 16), ret}},
      {"jump past the end", {Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret}},
      {"ja past the end", {Stmt(BPF_JMP | BPF_JA, 1), ret}},
      {"no final return", {ret, Stmt(BPF_LD | BPF_IMM, 0)}},
      {"load before store on one path",
       {Stmt(BPF_LD | BPF_W | BPF_ABS, 0), Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        Stmt(BPF_ST, 3), Stmt(BPF_LDX | BPF_MEM, 3), ret}},
  };
}

TEST(BpfEvaluator, RejectsWhatTheKernelRejects) {
  for (const BadProgram& bad : BadPrograms()) {
    Result<BpfEvaluator> evaluator = BpfEvaluator::Create(bad.program);
    EXPECT_FALSE(evaluator.ok()) << bad.why;
    if (!bad.program.empty()) {
      EXPECT_EQ(KernelVerdict(bad.program), EINVAL) << bad.why;
    }
  }
}

TEST(BpfEvaluator, AcceptsWhatTheKernelAccepts) {
  BpfProgram good{Stmt(BPF_LD | BPF_W | BPF_ABS, 0),
                  Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
                  Stmt(BPF_ST, 3),
                  Stmt(BPF_JMP | BPF_JA, 1),
                  Stmt(BPF_ST, 3),
                  Stmt(BPF_LDX | BPF_MEM, 3),
                  Stmt(BPF_ALU | BPF_RSH | BPF_K, 31),
                  Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  EXPECT_TRUE(BpfEvaluator::Create(good).ok());
  EXPECT_EQ(KernelVerdict(good), 0);
}

}  // namespace
}  // namespace sysfence
