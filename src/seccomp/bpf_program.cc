// Byte form and disassembly of classic BPF programs (see bpf_program.h).
#include "seccomp/bpf_program.h"

#include <fmt/format.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstring>

namespace sysfence {
namespace {

// The name of a 32-bit word of struct seccomp_data at byte `offset` (x86-64 is little-endian,
// so the low half of a 64-bit field comes first).
std::string SeccompDataWordName(uint32_t offset) {
  if (offset == offsetof(seccomp_data, nr)) return "nr";
  if (offset == offsetof(seccomp_data, arch)) return "arch";
  if (offset == offsetof(seccomp_data, instruction_pointer)) return "ip.lo";
  if (offset == offsetof(seccomp_data, instruction_pointer) + 4) return "ip.hi";
  uint32_t args = offsetof(seccomp_data, args);
  if (offset >= args && offset < sizeof(seccomp_data) && offset % 4 == 0) {
    uint32_t index = (offset - args) / 8;
    return fmt::format("args[{}].{}", index, (offset - args) % 8 == 0 ? "lo" : "hi");
  }
  return fmt::format("{}", offset);
}

std::string_view AluName(uint16_t op) {
  switch (op) {
    case BPF_ADD:
      return "add";
    case BPF_SUB:
      return "sub";
    case BPF_MUL:
      return "mul";
    case BPF_DIV:
      return "div";
    case BPF_MOD:
      return "mod";
    case BPF_OR:
      return "or";
    case BPF_AND:
      return "and";
    case BPF_XOR:
      return "xor";
    case BPF_LSH:
      return "lsh";
    case BPF_RSH:
      return "rsh";
    case BPF_NEG:
      return "neg";
    default:
      return "alu?";
  }
}

std::string_view JumpName(uint16_t op) {
  switch (op) {
    case BPF_JEQ:
      return "jeq";
    case BPF_JGT:
      return "jgt";
    case BPF_JGE:
      return "jge";
    case BPF_JSET:
      return "jset";
    default:
      return "j?";
  }
}

}  // namespace

std::string BpfProgramToBytes(std::span<const sock_filter> program) {
  std::string bytes(program.size() * sizeof(sock_filter), '\0');
  if (!program.empty()) std::memcpy(bytes.data(), program.data(), bytes.size());
  return bytes;
}

Result<BpfProgram> BpfProgramFromBytes(std::string_view bytes, std::string_view source) {
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    return MakeError("{}: {} bytes is not a whole number of BPF instructions (8 bytes each)",
                     source, bytes.size());
  }
  size_t count = bytes.size() / sizeof(sock_filter);
  if (count > kMaxBpfInstructions) {
    return MakeError("{}: {} instructions is more than the kernel accepts ({})", source, count,
                     kMaxBpfInstructions);
  }
  BpfProgram program(count);
  std::memcpy(program.data(), bytes.data(), bytes.size());
  return program;
}

std::string DisassembleBpfInstruction(const sock_filter& in) {
  uint16_t code = in.code;
  switch (BPF_CLASS(code)) {
    case BPF_LD:
    case BPF_LDX: {
      std::string_view op = BPF_CLASS(code) == BPF_LD ? "ld" : "ldx";
      switch (BPF_MODE(code)) {
        case BPF_ABS:
          return fmt::format("{} [{}]", op, SeccompDataWordName(in.k));
        case BPF_IMM:
          return fmt::format("{} #{:#x}", op, in.k);
        case BPF_MEM:
          return fmt::format("{} M[{}]", op, in.k);
        case BPF_LEN:
          return fmt::format("{} #len", op);
        default:
          return fmt::format("{} ?{:#x}", op, code);
      }
    }
    case BPF_ST:
      return fmt::format("st M[{}]", in.k);
    case BPF_STX:
      return fmt::format("stx M[{}]", in.k);
    case BPF_ALU:
      if (BPF_OP(code) == BPF_NEG) return "neg";
      return BPF_SRC(code) == BPF_X ? fmt::format("{} x", AluName(BPF_OP(code)))
                                    : fmt::format("{} #{:#x}", AluName(BPF_OP(code)), in.k);
    case BPF_JMP:
      if (BPF_OP(code) == BPF_JA) return fmt::format("ja +{}", in.k);
      return BPF_SRC(code) == BPF_X
                 ? fmt::format("{} x, {}, {}", JumpName(BPF_OP(code)), in.jt, in.jf)
                 : fmt::format("{} #{:#x}, {}, {}", JumpName(BPF_OP(code)), in.k, in.jt, in.jf);
    case BPF_RET:
      return BPF_RVAL(code) == BPF_A ? std::string("ret a") : fmt::format("ret #{:#x}", in.k);
    case BPF_MISC:
      return BPF_MISCOP(code) == BPF_TAX ? "tax" : BPF_MISCOP(code) == BPF_TXA ? "txa" : "misc?";
  }
  return fmt::format("?{:#x}", code);
}

std::string DisassembleBpf(std::span<const sock_filter> program) {
  std::string text;
  for (size_t i = 0; i < program.size(); ++i) {
    text += fmt::format("{:04}: {}\n", i, DisassembleBpfInstruction(program[i]));
  }
  return text;
}

}  // namespace sysfence
