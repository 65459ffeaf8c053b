// One decoded x86-64 instruction reduced to what the analysis needs: its control flow (call,
// jump, return, syscall), the memory it addresses rip-relatively (or absolutely), and its
// effect on general purpose registers as one of a few modelled operations (move constant,
// copy register, load address, ...) plus a mask of registers it clobbers otherwise.
// InstructionDecoder wraps Zydis 4 (ZydisDecoderDecodeFull) and produces these.
//
//   InstructionDecoder decoder;
//   Instruction insn;
//   if (decoder.Decode(bytes, address, insn)) ... insn.length, insn.flow, insn.op ...
//
// Each thread keeps a memo of the instructions it decoded (decode_memo.h): most instructions
// of a program are copies of a few thousand, and a copy costs a lookup instead of a decode.
#ifndef SYSFENCE_ANALYSIS_INSTRUCTION_H_
#define SYSFENCE_ANALYSIS_INSTRUCTION_H_

#include <Zydis/Zydis.h>

#include <cstdint>

#include "analysis/decode_memo.h"
#include "analysis/value_set.h"
#include "elf/byte_view.h"

namespace sysfence {

// How control leaves the instruction.
enum class Flow : uint8_t {
  kNext,             // falls through
  kCall,             // direct call (target)
  kIndirectCall,     // call through a register or memory (memory: see Instruction::memory)
  kJump,             // direct unconditional jump (target)
  kConditionalJump,  // direct conditional jump (target), falls through otherwise
  kIndirectJump,     // jump through a register or memory
  kReturn,
  kStop,      // ud2, hlt, int3: never falls through
  kSyscall,   // `syscall` (x86-64 numbers)
  kInt80,     // `int 0x80` (i386 numbers)
  kSysenter,  // `sysenter` (i386 numbers)
};

// The register effect the data flow models precisely; everything else is kClobber.
enum class RegisterOp : uint8_t {
  kNone,
  kMoveImmediate,    // dst = imm
  kMoveRegister,     // dst = src
  kZero,             // xor/sub dst,dst
  kLoadAddress,      // lea dst, [memory]        (memory = absolute address)
  kAddToRegister,    // lea dst, [src + imm]     (no index)
  kLoadMemory,       // mov dst, [memory]        (memory = absolute address)
  kAddImmediate,     // dst += imm
  kAndImmediate,     // dst &= imm
  kOrImmediate,      // dst |= imm
  kXorImmediate,     // dst ^= imm
  kConditionalMove,  // dst = dst or src
  kExchange,         // swap dst, src
  kLoadBased,        // mov dst, [base + displacement]   (a stack slot when base holds one)
  kPop,              // pop dst
};

// How an instruction moves %rsp itself, besides calls and returns.
enum class StackOp : uint8_t { kNone, kPush, kPop };

// What a store to memory writes.
enum class StoreSource : uint8_t { kNone, kRegister, kImmediate };

// How an instruction uses its rip-relative (or absolute) memory operand.
enum class MemoryUse : uint8_t { kNone, kAddress, kRead, kWrite, kCallThrough, kJumpThrough };

struct Instruction {
  uint64_t address = 0;
  uint64_t target = 0;              // direct branch target
  uint64_t immediate = 0;           // modelled immediate (sign-extended to 64 bits)
  uint64_t memory = 0;              // absolute address of a rip-relative/absolute memory operand
  uint64_t absolute_immediate = 0;  // an immediate that may be an address (non-PIE code)
  uint16_t clobbered = 0;           // registers written in ways not modelled (bit per Register)
  uint8_t length = 0;
  Flow flow = Flow::kNext;
  RegisterOp op = RegisterOp::kNone;
  MemoryUse memory_use = MemoryUse::kNone;
  uint8_t dst = 0xff;            // Register or kNoRegister
  uint8_t call_register = 0xff;  // the register an indirect call or jump goes through
  uint8_t src = 0xff;
  uint8_t width = 0;            // operand width in bits of dst (8, 16, 32, 64)
  uint8_t memory_width = 0;     // bytes read by kLoadMemory
  uint16_t memory_size = 0;     // bytes the memory operand covers
  bool memory_indexed = false;  // the memory operand also has an index register
  bool padding = false;         // a nop or int3: alignment filler between code
  bool noreturn = false;        // a call to a function that never returns
  // A memory operand addressed through a register (base + displacement, maybe an index),
  // which may be the stack: how it is used (kAddress for lea, kWrite when written at all).
  MemoryUse base_use = MemoryUse::kNone;
  uint8_t base = 0xff;  // Register
  bool base_indexed = false;
  uint16_t base_size = 0;  // bytes the operand covers
  int32_t displacement = 0;
  // A mov (or push) of a register or an immediate to memory: what is stored.
  StoreSource store = StoreSource::kNone;
  uint8_t store_register = 0xff;
  StackOp stack_op = StackOp::kNone;
  // Writes memory through an implicit operand other than the stack (rep stos, movs, ...).
  bool hidden_memory_write = false;
  // Copies %rsp, or an address computed from %rsp or %rbp, anywhere but into %rsp or %rbp
  // (or stores %rsp): the function's frame may then be written through other pointers.
  bool exposes_frame = false;

  friend bool operator==(const Instruction&, const Instruction&) = default;
};

enum class DataAccess : uint8_t { kRead, kWrite, kOther };

// What the cheap pre-scan (no operand decoding) learns about an instruction.
struct InstructionSketch {
  uint64_t code_target = 0;  // relative branch target or rip-relative lea address, else 0
  // The rip-relative memory operand's address (0: none) and what the instruction does with
  // it: only reads it (a load, compare or test), writes data_size bytes there (a store or
  // read-modify-write), or anything else, which may hand the address out (lea).
  uint64_t data_address = 0;
  uint64_t immediate = 0;  // a 32- or 64-bit immediate (an address in non-PIE code?)
  uint8_t length = 0;
  bool padding = false;       // nop or int3
  Flow flow = Flow::kNext;    // control flow only (no syscall kinds)
  bool load_address = false;  // code_target comes from a lea (it may point into data)
  DataAccess data_access = DataAccess::kOther;
  uint8_t data_size = 0;  // bytes a kWrite may write there (at most 16)
  // Its length and relative field: a later Decode of the same bytes needs no guess.
  InstructionShape shape;

  friend bool operator==(const InstructionSketch&, const InstructionSketch&) = default;
};

// Whether a decoder answers from (and fills) its thread's memo of decoded instructions (see
// decode_memo.h). The answers are the same either way; kFresh is for checking that.
enum class DecodeMemory : uint8_t { kRemember, kFresh };

class InstructionDecoder {
 public:
  explicit InstructionDecoder(DecodeMemory memory = DecodeMemory::kRemember);
  // Decodes the instruction at the start of `bytes`, located at `address`. False when the
  // bytes are not a valid instruction.
  // `frame_details`: also describe register-based memory operands and stores (base_use,
  // store, exposes_frame, ...), which only a data flow tracking the stack needs.
  // `hint`: the shape a Sketch of these bytes found, and of an instruction further on, whose
  // lookup can then start early.
  struct ShapeHint {
    InstructionShape shape;
    InstructionShape ahead;
    uint32_t ahead_offset = 0;  // from these bytes
  };
  bool Decode(ByteView bytes, uint64_t address, Instruction& out, bool frame_details = true,
              const ShapeHint* hint = nullptr) const;
  // Length and direct code target only, without decoding operands (about twice as fast).
  bool Sketch(ByteView bytes, uint64_t address, InstructionSketch& out) const;

  // How often this thread's decoders looked an instruction up in the memo, and found it.
  struct MemoCounts {
    uint64_t lookups = 0;
    uint64_t hits = 0;
  };
  static MemoCounts ThreadMemoCounts();

 private:
  ZydisDecoder decoder_;
  ZydisDecoder minimal_decoder_;  // ZYDIS_DECODER_MODE_MINIMAL: length, mnemonic, raw fields
  DecodeMemory memory_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_INSTRUCTION_H_
