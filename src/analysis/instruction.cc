// Reduces Zydis' full decoding to an Instruction (see instruction.h). The mapping is
// deliberately small: a handful of moves and arithmetic forms are modelled because syscall
// numbers and wrapper arguments travel through them; any other write to a register makes it
// unknown, which is always safe.
#include "analysis/instruction.h"

#include <array>

#include "analysis/decode_memo.h"

namespace sysfence {
namespace {

// Hardware number of the 64-bit register enclosing `reg`, or kNoRegister.
// (A table built once: this runs for every operand of every instruction.)
uint8_t GprIndex(ZydisRegister reg) {
  static const std::array<uint8_t, ZYDIS_REGISTER_MAX_VALUE + 1> kIndex = [] {
    std::array<uint8_t, ZYDIS_REGISTER_MAX_VALUE + 1> index;
    for (int r = 0; r <= ZYDIS_REGISTER_MAX_VALUE; ++r) {
      ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64,
                                                            static_cast<ZydisRegister>(r));
      index[static_cast<size_t>(r)] = full >= ZYDIS_REGISTER_RAX && full <= ZYDIS_REGISTER_R15
                                          ? static_cast<uint8_t>(full - ZYDIS_REGISTER_RAX)
                                          : uint8_t{kNoRegister};
    }
    return index;
  }();
  return reg >= 0 && reg <= ZYDIS_REGISTER_MAX_VALUE ? kIndex[static_cast<size_t>(reg)]
                                                     : uint8_t{kNoRegister};
}

uint8_t RegisterWidth(ZydisRegister reg) {
  return static_cast<uint8_t>(ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, reg));
}

bool IsRegister(const ZydisDecodedOperand& op) {
  return op.type == ZYDIS_OPERAND_TYPE_REGISTER && GprIndex(op.reg.value) != kNoRegister;
}

bool IsImmediate(const ZydisDecodedOperand& op) { return op.type == ZYDIS_OPERAND_TYPE_IMMEDIATE; }

uint64_t ImmediateValue(const ZydisDecodedOperand& op) {
  return op.imm.is_signed ? static_cast<uint64_t>(op.imm.value.s) : op.imm.value.u;
}

// A memory operand whose address is known statically: rip-relative, or absolute (no base).
bool StaticAddress(const ZydisDecodedInstruction& insn, const ZydisDecodedOperand& op,
                   uint64_t address, uint64_t& out, bool& indexed) {
  if (op.type != ZYDIS_OPERAND_TYPE_MEMORY) return false;
  if (op.mem.segment == ZYDIS_REGISTER_FS || op.mem.segment == ZYDIS_REGISTER_GS) return false;
  if (op.mem.base == ZYDIS_REGISTER_RIP) {
    ZyanU64 result = 0;
    if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&insn, &op, address, &result))) return false;
    out = result;
    indexed = false;
    return true;
  }
  if (op.mem.base == ZYDIS_REGISTER_NONE && op.mem.disp.has_displacement) {
    out = static_cast<uint64_t>(op.mem.disp.value);
    indexed = op.mem.index != ZYDIS_REGISTER_NONE;
    return true;
  }
  return false;
}

}  // namespace

InstructionDecoder::InstructionDecoder(DecodeMemory memory) : memory_(memory) {
  ZydisDecoderInit(&decoder_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisDecoderInit(&minimal_decoder_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisDecoderEnableMode(&minimal_decoder_, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);
}

namespace {

// Minimal decoding has no instruction categories: conditional branches by mnemonic.
bool IsConditionalBranch(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_JB:
    case ZYDIS_MNEMONIC_JBE:
    case ZYDIS_MNEMONIC_JCXZ:
    case ZYDIS_MNEMONIC_JECXZ:
    case ZYDIS_MNEMONIC_JRCXZ:
    case ZYDIS_MNEMONIC_JL:
    case ZYDIS_MNEMONIC_JLE:
    case ZYDIS_MNEMONIC_JNB:
    case ZYDIS_MNEMONIC_JNBE:
    case ZYDIS_MNEMONIC_JNL:
    case ZYDIS_MNEMONIC_JNLE:
    case ZYDIS_MNEMONIC_JNO:
    case ZYDIS_MNEMONIC_JNP:
    case ZYDIS_MNEMONIC_JNS:
    case ZYDIS_MNEMONIC_JNZ:
    case ZYDIS_MNEMONIC_JO:
    case ZYDIS_MNEMONIC_JP:
    case ZYDIS_MNEMONIC_JS:
    case ZYDIS_MNEMONIC_JZ:
    case ZYDIS_MNEMONIC_LOOP:
    case ZYDIS_MNEMONIC_LOOPE:
    case ZYDIS_MNEMONIC_LOOPNE:
    case ZYDIS_MNEMONIC_JKNZD:
    case ZYDIS_MNEMONIC_JKZD:
      return true;
    default:
      return false;
  }
}

// Control flow by mnemonic; `relative` says the branch target is an immediate.
Flow ClassifyFlow(ZydisMnemonic mnemonic, bool relative) {
  switch (mnemonic) {
    case ZYDIS_MNEMONIC_CALL:
      return relative ? Flow::kCall : Flow::kIndirectCall;
    case ZYDIS_MNEMONIC_JMP:
      return relative ? Flow::kJump : Flow::kIndirectJump;
    case ZYDIS_MNEMONIC_RET:
    case ZYDIS_MNEMONIC_IRET:
    case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_IRETQ:
    case ZYDIS_MNEMONIC_SYSRET:
    case ZYDIS_MNEMONIC_SYSEXIT:
      return Flow::kReturn;
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_HLT:
    case ZYDIS_MNEMONIC_INT3:
      return Flow::kStop;
    case ZYDIS_MNEMONIC_SYSCALL:
      return Flow::kSyscall;
    case ZYDIS_MNEMONIC_SYSENTER:
      return Flow::kSysenter;
    default:
      return IsConditionalBranch(mnemonic) ? Flow::kConditionalJump : Flow::kNext;
  }
}

bool IsFrameRegister(uint8_t reg) { return reg == kRsp || reg == kRbp; }

// Fills the register-based memory operand, what a store writes, and whether the
// instruction hands out an address in the frame (see Instruction::exposes_frame).
void DescribeFrameAccess(const ZydisDecodedInstruction& insn, const ZydisDecodedOperand* ops,
                         Instruction& out) {
  bool memory_destination = false;
  for (uint8_t i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (op.type != ZYDIS_OPERAND_TYPE_MEMORY) continue;
    bool written = (op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
    uint8_t base = GprIndex(op.mem.base);
    if (op.visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
      // push, pop, call and ret move the stack themselves; anything else (stos, movs)
      // writes wherever its registers point.
      if (written && base != kRsp) out.hidden_memory_write = true;
      continue;
    }
    if (out.base_use != MemoryUse::kNone || base == kNoRegister ||
        op.mem.segment == ZYDIS_REGISTER_FS || op.mem.segment == ZYDIS_REGISTER_GS) {
      continue;
    }
    out.base = base;
    out.base_indexed = op.mem.index != ZYDIS_REGISTER_NONE;
    out.base_size = static_cast<uint16_t>(op.size / 8);
    out.displacement = static_cast<int32_t>(op.mem.disp.value);
    out.base_use = op.mem.type == ZYDIS_MEMOP_TYPE_AGEN ? MemoryUse::kAddress
                   : written                            ? MemoryUse::kWrite
                                                        : MemoryUse::kRead;
    memory_destination = i == 0 && written;
  }
  const ZydisDecodedOperand& op0 = ops[0];
  const ZydisDecodedOperand& op1 = ops[1];
  bool is_mov = insn.mnemonic == ZYDIS_MNEMONIC_MOV;
  if ((is_mov && memory_destination && insn.operand_count_visible == 2) ||
      insn.mnemonic == ZYDIS_MNEMONIC_PUSH) {
    const ZydisDecodedOperand& source = is_mov ? op1 : op0;
    if (IsRegister(source)) {
      out.store = StoreSource::kRegister;
      out.store_register = GprIndex(source.reg.value);
    } else if (IsImmediate(source)) {
      out.store = StoreSource::kImmediate;
      out.immediate = ImmediateValue(source);
    }
  }
  // Does %rsp or %rbp, or an address computed from them, go anywhere but %rsp and %rbp?
  bool reads_frame = false;
  bool reads_rsp = false;
  for (uint8_t i = 0; i < insn.operand_count_visible; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (op.type == ZYDIS_OPERAND_TYPE_REGISTER && (op.actions & ZYDIS_OPERAND_ACTION_MASK_READ) &&
        IsFrameRegister(GprIndex(op.reg.value))) {
      reads_frame = true;
      reads_rsp |= GprIndex(op.reg.value) == kRsp;
    }
  }
  if (insn.mnemonic == ZYDIS_MNEMONIC_LEA && IsFrameRegister(GprIndex(op1.mem.base))) {
    reads_frame = true;
  }
  if (!reads_frame || insn.mnemonic == ZYDIS_MNEMONIC_CMP || insn.mnemonic == ZYDIS_MNEMONIC_TEST) {
    return;
  }
  bool writes_only_frame_registers = insn.mnemonic != ZYDIS_MNEMONIC_PUSH;
  for (uint8_t i = 0; i < insn.operand_count_visible; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (!(op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
    writes_only_frame_registers &= IsRegister(op) && IsFrameRegister(GprIndex(op.reg.value));
  }
  if (writes_only_frame_registers) return;  // sub $N,%rsp; lea N(%rsp),%rbp; mov %rsp,%rbp
  // Saving the frame pointer (mov %rbp,N(%rsp); push %rbp) chains frames; nothing writes
  // through the saved copies.
  if (!reads_rsp && (insn.mnemonic == ZYDIS_MNEMONIC_PUSH || (is_mov && memory_destination))) {
    return;
  }
  out.exposes_frame = true;
}

// Which fields of a decoded value are `next + field` (see InstructionShape): a memo hit
// rebuilds them for its own address and field.
constexpr uint8_t kTargetRelative = 1;  // Instruction::target, InstructionSketch::code_target
constexpr uint8_t kMemoryRelative = 2;  // Instruction::memory, InstructionSketch::data_address

bool IsRipRelative(const ZydisDecodedInstruction& insn) {
  return (insn.attributes & ZYDIS_ATTRIB_HAS_MODRM) && insn.raw.modrm.mod == 0 &&
         insn.raw.modrm.rm == 5;
}

InstructionShape ShapeOf(const ZydisDecodedInstruction& insn) {
  InstructionShape shape{insn.length, 0, 0};
  for (const auto& imm : insn.raw.imm) {
    if (imm.is_relative && imm.size != 0) {
      shape.field_offset = imm.offset;
      shape.field_size = static_cast<uint8_t>(imm.size / 8);
      return shape;
    }
  }
  if (IsRipRelative(insn) && insn.raw.disp.size != 0) {
    shape.field_offset = insn.raw.disp.offset;
    shape.field_size = static_cast<uint8_t>(insn.raw.disp.size / 8);
  }
  return shape;
}

// This thread's memos (decode_memo.h). A cache of a pure function: what it holds never
// changes an answer, so it outlives the objects and analyses that fill it.
struct DecodeMemos {
  ShapePredictor shapes;
  DecodeMemo<Instruction> instructions{15};
  DecodeMemo<InstructionSketch> sketches{15};
  InstructionDecoder::MemoCounts counts;
};

DecodeMemos& ThreadMemos() {
  thread_local DecodeMemos memos;
  return memos;
}

// Remembers `value`, decoded at `address` from `bytes`, unless a field that depends on the
// address is not `next + field` (then every copy is decoded afresh).
template <typename Value>
void Remember(DecodeMemos& memos, DecodeMemo<Value>& memo, ByteView bytes, uint64_t address,
              const ZydisDecodedInstruction& insn, uint8_t tag, uint8_t flags, uint64_t target,
              uint64_t memory, const Value& value) {
  InstructionShape shape = ShapeOf(insn);
  uint64_t relative = shape.Relative(bytes.data(), address);
  if ((flags & kTargetRelative) && target != relative) return;
  if ((flags & kMemoryRelative) && memory != relative) return;
  if ((flags & kTargetRelative) && (flags & kMemoryRelative) && target != memory) return;
  memo.Insert(bytes.data(), shape, tag, flags, value);
  memos.shapes.Learn(bytes.data(), shape);
}

// The sketch of a decoded instruction; returns which of its fields are relative.
uint8_t SketchOf(const ZydisDecodedInstruction& insn, uint64_t address, InstructionSketch& out) {
  uint8_t flags = 0;
  out.length = insn.length;
  out.shape = ShapeOf(insn);
  out.code_target = 0;
  out.load_address = false;
  out.flow = Flow::kNext;
  out.padding = insn.mnemonic == ZYDIS_MNEMONIC_NOP || insn.mnemonic == ZYDIS_MNEMONIC_INT3;
  bool relative = (insn.attributes & ZYDIS_ATTRIB_IS_RELATIVE) && insn.raw.imm[0].is_relative;
  out.flow = ClassifyFlow(insn.mnemonic, relative);
  if (out.flow == Flow::kSyscall || out.flow == Flow::kSysenter) out.flow = Flow::kNext;
  uint64_t next = address + insn.length;
  bool rip_relative = IsRipRelative(insn);
  out.data_address = 0;
  out.immediate = 0;
  if (relative) {
    out.code_target = next + static_cast<uint64_t>(insn.raw.imm[0].value.s);
    flags |= kTargetRelative;
  } else if (insn.mnemonic == ZYDIS_MNEMONIC_LEA && rip_relative) {
    out.code_target = next + static_cast<uint64_t>(insn.raw.disp.value);
    out.load_address = true;
    flags |= kTargetRelative;
  } else if (insn.raw.imm[0].size >= 32) {
    out.immediate = insn.raw.imm[0].value.u;
  }
  if (rip_relative) {
    out.data_address = next + static_cast<uint64_t>(insn.raw.disp.value);
    flags |= kMemoryRelative;
    out.data_size = insn.operand_width >= 8 && insn.operand_width <= 64
                        ? static_cast<uint8_t>(insn.operand_width / 8)
                        : 8;
    switch (insn.mnemonic) {
      case ZYDIS_MNEMONIC_MOV:  // 8a/8b load; 88/89/c6/c7 store
        out.data_access =
            insn.opcode == 0x8a || insn.opcode == 0x8b ? DataAccess::kRead : DataAccess::kWrite;
        break;
      case ZYDIS_MNEMONIC_MOVZX:
      case ZYDIS_MNEMONIC_MOVSX:
      case ZYDIS_MNEMONIC_MOVSXD:
      case ZYDIS_MNEMONIC_CMP:
      case ZYDIS_MNEMONIC_TEST:
        out.data_access = DataAccess::kRead;
        break;
      case ZYDIS_MNEMONIC_ADD:
      case ZYDIS_MNEMONIC_SUB:
      case ZYDIS_MNEMONIC_AND:
      case ZYDIS_MNEMONIC_OR:
      case ZYDIS_MNEMONIC_XOR:
      case ZYDIS_MNEMONIC_INC:
      case ZYDIS_MNEMONIC_DEC:
      case ZYDIS_MNEMONIC_NEG:
      case ZYDIS_MNEMONIC_NOT:
      case ZYDIS_MNEMONIC_XCHG:
      case ZYDIS_MNEMONIC_XADD:
      case ZYDIS_MNEMONIC_CMPXCHG:
        out.data_access = DataAccess::kWrite;  // or a read: counting it as a write is safe
        break;
      case ZYDIS_MNEMONIC_MOVUPS:
      case ZYDIS_MNEMONIC_MOVAPS:
      case ZYDIS_MNEMONIC_MOVDQU:
        out.data_access = DataAccess::kWrite;
        out.data_size = 16;
        break;
      case ZYDIS_MNEMONIC_MOVQ:
      case ZYDIS_MNEMONIC_MOVSD:
        out.data_access = DataAccess::kWrite;
        out.data_size = 8;
        break;
      case ZYDIS_MNEMONIC_MOVD:
      case ZYDIS_MNEMONIC_MOVSS:
        out.data_access = DataAccess::kWrite;
        out.data_size = 4;
        break;
      default:
        out.data_access = DataAccess::kOther;  // lea, or something not modelled
        break;
    }
  }
  return flags;
}

// The Instruction of a fully decoded one; returns which of its fields are relative.
uint8_t Describe(const ZydisDecodedInstruction& insn, const ZydisDecodedOperand* ops,
                 uint64_t address, bool frame_details, Instruction& out) {
  uint8_t flags = 0;
  out = Instruction{};
  out.address = address;
  out.length = insn.length;
  out.padding = insn.meta.category == ZYDIS_CATEGORY_NOP ||
                insn.meta.category == ZYDIS_CATEGORY_WIDENOP ||
                insn.mnemonic == ZYDIS_MNEMONIC_INT3;

  // Every register written, whatever the instruction; modelled ops take theirs back out.
  for (uint8_t i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (IsRegister(op) && (op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) {
      out.clobbered |= static_cast<uint16_t>(1u << GprIndex(op.reg.value));
    }
  }
  // The statically known memory operand, if any.
  for (uint8_t i = 0; i < insn.operand_count_visible; ++i) {
    uint64_t where = 0;
    bool indexed = false;
    if (!StaticAddress(insn, ops[i], address, where, indexed)) continue;
    out.memory = where;
    if (ops[i].mem.base == ZYDIS_REGISTER_RIP) flags |= kMemoryRelative;
    out.memory_indexed = indexed;
    out.memory_size = static_cast<uint16_t>(ops[i].size / 8);
    if (ops[i].mem.type == ZYDIS_MEMOP_TYPE_AGEN) {
      out.memory_use = MemoryUse::kAddress;
    } else if (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) {
      out.memory_use = MemoryUse::kWrite;
    } else {
      out.memory_use = MemoryUse::kRead;
    }
    break;
  }

  if (frame_details) DescribeFrameAccess(insn, ops, out);

  const ZydisDecodedOperand& op0 = ops[0];
  const ZydisDecodedOperand& op1 = ops[1];
  auto direct_target = [&]() {
    ZyanU64 result = 0;
    ZydisCalcAbsoluteAddress(&insn, &op0, address, &result);
    return static_cast<uint64_t>(result);
  };

  out.flow = ClassifyFlow(insn.mnemonic, IsImmediate(op0));
  switch (out.flow) {
    case Flow::kCall:
    case Flow::kJump:
    case Flow::kConditionalJump:
      out.target = direct_target();
      flags |= kTargetRelative;
      break;
    case Flow::kIndirectCall:
    case Flow::kIndirectJump:
      if (out.memory_use == MemoryUse::kRead) {
        out.memory_use =
            out.flow == Flow::kIndirectCall ? MemoryUse::kCallThrough : MemoryUse::kJumpThrough;
      }
      if (IsRegister(op0)) out.call_register = GprIndex(op0.reg.value);
      break;
    default:
      break;
  }
  if (out.flow == Flow::kCall || out.flow == Flow::kIndirectCall) {
    out.clobbered &= static_cast<uint16_t>(~(1u << kRsp));
  }
  if (insn.mnemonic == ZYDIS_MNEMONIC_INT && IsImmediate(op0) && ImmediateValue(op0) == 0x80) {
    out.flow = Flow::kInt80;
  }
  if (out.flow != Flow::kNext) return flags;

  if (insn.mnemonic == ZYDIS_MNEMONIC_PUSH || insn.mnemonic == ZYDIS_MNEMONIC_POP) {
    // The data flow moves %rsp itself (by 8: the 16-bit forms do not occur in 64-bit code).
    out.stack_op = insn.mnemonic == ZYDIS_MNEMONIC_PUSH ? StackOp::kPush : StackOp::kPop;
    out.clobbered &= static_cast<uint16_t>(~(1u << kRsp));
    if (out.stack_op == StackOp::kPop && IsRegister(op0) && GprIndex(op0.reg.value) != kRsp &&
        RegisterWidth(op0.reg.value) == 64) {
      out.op = RegisterOp::kPop;
      out.dst = GprIndex(op0.reg.value);
      out.width = 64;
      out.clobbered &= static_cast<uint16_t>(~(1u << out.dst));
    }
  }

  // Register operations the data flow models.
  if (!IsRegister(op0) || !(op0.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) {
    if ((insn.mnemonic == ZYDIS_MNEMONIC_MOV || insn.mnemonic == ZYDIS_MNEMONIC_PUSH) &&
        IsImmediate(insn.mnemonic == ZYDIS_MNEMONIC_PUSH ? op0 : op1)) {
      out.absolute_immediate = ImmediateValue(insn.mnemonic == ZYDIS_MNEMONIC_PUSH ? op0 : op1);
    }
    return flags;
  }
  uint8_t dst = GprIndex(op0.reg.value);
  uint8_t width = RegisterWidth(op0.reg.value);
  auto model = [&](RegisterOp op) {
    out.op = op;
    out.dst = dst;
    out.width = width;
    out.clobbered &= static_cast<uint16_t>(~(1u << dst));
  };
  bool two_registers = insn.operand_count_visible >= 2 && IsRegister(op1);
  switch (insn.mnemonic) {
    case ZYDIS_MNEMONIC_MOV:
      if (IsImmediate(op1)) {
        model(RegisterOp::kMoveImmediate);
        out.immediate = ImmediateValue(op1);
        out.absolute_immediate = out.immediate;
      } else if (two_registers) {
        model(RegisterOp::kMoveRegister);
        out.src = GprIndex(op1.reg.value);
      } else if (out.memory_use == MemoryUse::kRead && !out.memory_indexed) {
        model(RegisterOp::kLoadMemory);
        out.memory_width = static_cast<uint8_t>(width / 8);
      } else if (out.base_use == MemoryUse::kRead && !out.base_indexed && width >= 32) {
        model(RegisterOp::kLoadBased);
        out.memory_width = static_cast<uint8_t>(width / 8);
      }
      break;
    case ZYDIS_MNEMONIC_MOVSXD:
    case ZYDIS_MNEMONIC_MOVZX:
    case ZYDIS_MNEMONIC_MOVSX:
      if (two_registers) {
        model(RegisterOp::kMoveRegister);
        out.src = GprIndex(op1.reg.value);
        width = std::min(width, RegisterWidth(op1.reg.value));
        out.width = width;
      }
      break;
    case ZYDIS_MNEMONIC_LEA:
      if (out.memory_use == MemoryUse::kAddress && !out.memory_indexed) {
        model(RegisterOp::kLoadAddress);
      } else if (op1.type == ZYDIS_OPERAND_TYPE_MEMORY && op1.mem.index == ZYDIS_REGISTER_NONE &&
                 GprIndex(op1.mem.base) != kNoRegister) {
        model(RegisterOp::kAddToRegister);
        out.src = GprIndex(op1.mem.base);
        out.immediate = static_cast<uint64_t>(op1.mem.disp.value);
      }
      break;
    case ZYDIS_MNEMONIC_XOR:
    case ZYDIS_MNEMONIC_SUB:
      if (two_registers && GprIndex(op1.reg.value) == dst && RegisterWidth(op1.reg.value) >= 32) {
        model(RegisterOp::kZero);
        break;
      }
      if (IsImmediate(op1)) {
        if (insn.mnemonic == ZYDIS_MNEMONIC_XOR) {
          model(RegisterOp::kXorImmediate);
          out.immediate = ImmediateValue(op1);
        } else {
          model(RegisterOp::kAddImmediate);
          out.immediate = static_cast<uint64_t>(-static_cast<int64_t>(ImmediateValue(op1)));
        }
      }
      break;
    case ZYDIS_MNEMONIC_ADD:
    case ZYDIS_MNEMONIC_AND:
    case ZYDIS_MNEMONIC_OR:
      if (IsImmediate(op1)) {
        model(insn.mnemonic == ZYDIS_MNEMONIC_ADD   ? RegisterOp::kAddImmediate
              : insn.mnemonic == ZYDIS_MNEMONIC_AND ? RegisterOp::kAndImmediate
                                                    : RegisterOp::kOrImmediate);
        out.immediate = ImmediateValue(op1);
      }
      break;
    case ZYDIS_MNEMONIC_CMOVB:
    case ZYDIS_MNEMONIC_CMOVBE:
    case ZYDIS_MNEMONIC_CMOVL:
    case ZYDIS_MNEMONIC_CMOVLE:
    case ZYDIS_MNEMONIC_CMOVNB:
    case ZYDIS_MNEMONIC_CMOVNBE:
    case ZYDIS_MNEMONIC_CMOVNL:
    case ZYDIS_MNEMONIC_CMOVNLE:
    case ZYDIS_MNEMONIC_CMOVNO:
    case ZYDIS_MNEMONIC_CMOVNP:
    case ZYDIS_MNEMONIC_CMOVNS:
    case ZYDIS_MNEMONIC_CMOVNZ:
    case ZYDIS_MNEMONIC_CMOVO:
    case ZYDIS_MNEMONIC_CMOVP:
    case ZYDIS_MNEMONIC_CMOVS:
    case ZYDIS_MNEMONIC_CMOVZ:
      if (two_registers) {
        model(RegisterOp::kConditionalMove);
        out.src = GprIndex(op1.reg.value);
      }
      break;
    case ZYDIS_MNEMONIC_XCHG:
      if (two_registers && width >= 32) {
        model(RegisterOp::kExchange);
        out.src = GprIndex(op1.reg.value);
        out.clobbered &= static_cast<uint16_t>(~(1u << out.src));
      }
      break;
    default:
      break;
  }
  return flags;
}

}  // namespace

InstructionDecoder::MemoCounts InstructionDecoder::ThreadMemoCounts() {
  return ThreadMemos().counts;
}

bool InstructionDecoder::Sketch(ByteView bytes, uint64_t address, InstructionSketch& out) const {
  DecodeMemos* memos =
      memory_ == DecodeMemory::kRemember && bytes.size() >= kMemoWindow ? &ThreadMemos() : nullptr;
  if (memos != nullptr) {
    ++memos->counts.lookups;
    if (const auto* hit = memos->sketches.Find(bytes.data(), memos->shapes, 0)) {
      ++memos->counts.hits;
      if (bytes.size() >= hit->shape.length + kMemoWindow) {
        const uint8_t* next = bytes.data() + hit->shape.length;
        memos->sketches.Prefetch(next, memos->shapes.Guess(next)[0], 0);
      }
      out = hit->value;
      uint64_t relative = hit->shape.Relative(bytes.data(), address);
      if (hit->flags & kTargetRelative) out.code_target = relative;
      if (hit->flags & kMemoryRelative) out.data_address = relative;
      return true;
    }
  }
  ZydisDecodedInstruction insn;
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&minimal_decoder_, nullptr, bytes.data(),
                                                  bytes.size(), &insn))) {
    return false;
  }
  uint8_t flags = SketchOf(insn, address, out);
  if (memos != nullptr) {
    Remember(*memos, memos->sketches, bytes, address, insn, 0, flags, out.code_target,
             out.data_address, out);
  }
  return true;
}

bool InstructionDecoder::Decode(ByteView bytes, uint64_t address, Instruction& out,
                                bool frame_details, const ShapeHint* hint) const {
  DecodeMemos* memos =
      memory_ == DecodeMemory::kRemember && bytes.size() >= kMemoWindow ? &ThreadMemos() : nullptr;
  uint8_t tag = frame_details ? 1 : 0;
  if (memos != nullptr) {
    ++memos->counts.lookups;
    if (hint != nullptr && hint->ahead.length != 0 &&
        bytes.size() >= hint->ahead_offset + kMemoWindow) {
      memos->instructions.Prefetch(bytes.data() + hint->ahead_offset, hint->ahead, tag);
    }
    const auto* hit = hint != nullptr
                          ? memos->instructions.FindShaped(bytes.data(), hint->shape, tag)
                          : memos->instructions.Find(bytes.data(), memos->shapes, tag);
    if (hit != nullptr) {
      ++memos->counts.hits;
      if (hint == nullptr && bytes.size() >= hit->shape.length + kMemoWindow) {
        const uint8_t* next = bytes.data() + hit->shape.length;
        memos->instructions.Prefetch(next, memos->shapes.Guess(next)[0], tag);
      }
      out = hit->value;
      out.address = address;
      uint64_t relative = hit->shape.Relative(bytes.data(), address);
      if (hit->flags & kTargetRelative) out.target = relative;
      if (hit->flags & kMemoryRelative) out.memory = relative;
      return true;
    }
  }
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder_, bytes.data(), bytes.size(), &insn, ops))) {
    return false;
  }
  uint8_t flags = Describe(insn, ops, address, frame_details, out);
  if (memos != nullptr) {
    Remember(*memos, memos->instructions, bytes, address, insn, tag, flags, out.target, out.memory,
             out);
  }
  return true;
}

}  // namespace sysfence
