// Classic BPF for seccomp, checked like the kernel checks it and interpreted like the kernel
// runs it (see bpf_evaluator.h). The checker is one pass over the program because classic BPF
// only jumps forward: the scratch-memory rule ("no load before a store on every path") is a
// forward data-flow of "which words are written" bitmasks, met at each jump target.
#include "seccomp/bpf_evaluator.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstring>

#include "seccomp/bpf_program.h"

namespace sysfence {
namespace {

constexpr uint32_t kMemoryWords = BPF_MEMWORDS;  // 16 scratch words

Error Reject(size_t pc, const sock_filter& in, std::string_view why) {
  return MakeError("BPF instruction {} ({}): {}", pc, DisassembleBpfInstruction(in), why);
}

// The opcodes seccomp_check_filter lets through (after bpf_check_classic): loads from
// seccomp_data, immediates, scratch memory, 32-bit ALU without modulo, forward jumps, returns.
bool IsSeccompOpcode(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K:
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_K:
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
    case BPF_JMP | BPF_JA:
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
      return true;
    default:
      return false;
  }
}

// Checks one instruction on its own: operands in range and jump targets inside the program.
Status CheckInstruction(std::span<const sock_filter> program, size_t pc) {
  const sock_filter& in = program[pc];
  if (!IsSeccompOpcode(in.code)) return Reject(pc, in, "opcode not allowed in seccomp filters");
  size_t remaining = program.size() - pc - 1;  // instructions after this one
  switch (in.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (in.k >= sizeof(seccomp_data) || in.k % 4 != 0) {
        return Reject(pc, in, "load outside struct seccomp_data or not 32-bit aligned");
      }
      break;
    case BPF_ALU | BPF_DIV | BPF_K:
      if (in.k == 0) return Reject(pc, in, "division by zero");
      break;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_K:
      if (in.k >= 32) return Reject(pc, in, "shift by 32 or more");
      break;
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
      if (in.k >= kMemoryWords) return Reject(pc, in, "scratch memory index out of range");
      break;
    case BPF_JMP | BPF_JA:
      if (in.k >= remaining) return Reject(pc, in, "jump past the end");
      break;
    default:
      if (BPF_CLASS(in.code) == BPF_JMP && (in.jt >= remaining || in.jf >= remaining)) {
        return Reject(pc, in, "jump past the end");
      }
      break;
  }
  return Ok{};
}

// The kernel's check_load_and_stores: a scratch word may only be loaded when every path to the
// load has stored it.
Status CheckScratchMemory(std::span<const sock_filter> program) {
  constexpr uint16_t kAll = 0xffff;
  std::vector<uint16_t> valid_at(program.size(), kAll);  // met over incoming jumps
  uint16_t valid = 0;                                    // on the fall-through path
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    valid &= valid_at[pc];
    switch (in.code) {
      case BPF_ST:
      case BPF_STX:
        valid |= static_cast<uint16_t>(1u << in.k);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if (!(valid & (1u << in.k))) return Reject(pc, in, "scratch memory read before written");
        break;
      case BPF_JMP | BPF_JA:
        valid_at[pc + 1 + in.k] &= valid;
        valid = kAll;  // nothing falls through
        break;
      case BPF_RET | BPF_K:
      case BPF_RET | BPF_A:
        valid = kAll;
        break;
      default:
        if (BPF_CLASS(in.code) == BPF_JMP) {
          valid_at[pc + 1 + in.jt] &= valid;
          valid_at[pc + 1 + in.jf] &= valid;
          valid = kAll;
        }
        break;
    }
  }
  return Ok{};
}

uint32_t LoadWord(const seccomp_data& data, uint32_t offset) {
  uint32_t word = 0;
  std::memcpy(&word, reinterpret_cast<const char*>(&data) + offset, sizeof word);
  return word;
}

uint32_t Alu(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case BPF_ADD:
      return a + operand;
    case BPF_SUB:
      return a - operand;
    case BPF_MUL:
      return a * operand;
    case BPF_DIV:
      return a / operand;  // operand != 0: checked by the caller
    case BPF_AND:
      return a & operand;
    case BPF_OR:
      return a | operand;
    case BPF_XOR:
      return a ^ operand;
    // Shifts by X use the low five bits, as the x86 instructions the JIT emits do.
    case BPF_LSH:
      return a << (operand & 31);
    case BPF_RSH:
      return a >> (operand & 31);
    case BPF_NEG:
      return 0u - a;
    default:
      return a;
  }
}

bool JumpTaken(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case BPF_JEQ:
      return a == operand;
    case BPF_JGT:
      return a > operand;
    case BPF_JGE:
      return a >= operand;
    case BPF_JSET:
      return (a & operand) != 0;
    default:
      return false;
  }
}

}  // namespace

Result<BpfEvaluator> BpfEvaluator::Create(std::span<const sock_filter> program) {
  if (program.empty() || program.size() > kMaxBpfInstructions) {
    return MakeError("a BPF program has 1 to {} instructions, not {}", kMaxBpfInstructions,
                     program.size());
  }
  for (size_t pc = 0; pc < program.size(); ++pc) {
    Status status = CheckInstruction(program, pc);
    if (!status.ok()) return status.error();
  }
  if (BPF_CLASS(program.back().code) != BPF_RET) {
    return MakeError("the last BPF instruction ({}) is not a return",
                     DisassembleBpfInstruction(program.back()));
  }
  Status memory = CheckScratchMemory(program);
  if (!memory.ok()) return memory.error();
  return BpfEvaluator(std::vector<sock_filter>(program.begin(), program.end()));
}

BpfEvaluator::Verdict BpfEvaluator::Evaluate(const seccomp_data& data) const {
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t memory[kMemoryWords] = {};
  Verdict verdict;
  // Jumps only go forward, so the loop ends within size() steps; Create() made sure a return
  // ends every path.
  for (size_t pc = 0; pc < program_.size(); ++pc) {
    const sock_filter& in = program_[pc];
    ++verdict.instructions;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            a = LoadWord(data, in.k);
            if (in.k >= offsetof(seccomp_data, instruction_pointer)) verdict.read_arguments = true;
            break;
          case BPF_LEN:
            a = sizeof(seccomp_data);
            break;
          case BPF_IMM:
            a = in.k;
            break;
          case BPF_MEM:
            a = memory[in.k];
            break;
        }
        break;
      case BPF_LDX:
        switch (BPF_MODE(in.code)) {
          case BPF_LEN:
            x = sizeof(seccomp_data);
            break;
          case BPF_IMM:
            x = in.k;
            break;
          case BPF_MEM:
            x = memory[in.k];
            break;
        }
        break;
      case BPF_ST:
        memory[in.k] = a;
        break;
      case BPF_STX:
        memory[in.k] = x;
        break;
      case BPF_ALU: {
        uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
        // Classic BPF returns 0 from the whole program on division by a zero X.
        if (BPF_OP(in.code) == BPF_DIV && operand == 0) {
          verdict.value = 0;
          return verdict;
        }
        a = Alu(BPF_OP(in.code), a, operand);
        break;
      }
      case BPF_JMP:
        if (BPF_OP(in.code) == BPF_JA) {
          pc += in.k;
        } else {
          uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
          pc += JumpTaken(BPF_OP(in.code), a, operand) ? in.jt : in.jf;
        }
        break;
      case BPF_RET:
        verdict.value = BPF_RVAL(in.code) == BPF_A ? a : in.k;
        return verdict;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
    }
  }
  return verdict;  // unreachable for a checked program
}

}  // namespace sysfence
