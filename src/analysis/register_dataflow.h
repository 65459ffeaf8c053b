// Forward data flow over the registers of one function: which values (constants, the
// function's own arguments, addresses in the object) each general purpose register may hold
// before each instruction. Blocks are split at branch targets; jump tables found by the
// caller add edges; blocks entered from outside the function (or never reached from its
// start) begin with every register unknown, so a value is only claimed when every path that
// can reach the instruction agrees with it.
//
//   DataflowInput input{.instructions = insns, .start = f.start, .end = f.end};
//   RunDataflow(input, reader, [&](size_t i, const RegisterState& before) { ... });
#ifndef SYSFENCE_ANALYSIS_REGISTER_DATAFLOW_H_
#define SYSFENCE_ANALYSIS_REGISTER_DATAFLOW_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "analysis/instruction.h"
#include "analysis/value_set.h"

namespace sysfence {

// The registers a call clobbers under the System V ABI.
inline constexpr uint16_t kSysVCallerSaved = (1u << kRax) | (1u << kRcx) | (1u << kRdx) |
                                             (1u << kRsi) | (1u << kRdi) | (1u << kR8) |
                                             (1u << kR9) | (1u << kR10) | (1u << kR11);

struct JumpTable {
  size_t instruction = 0;         // index of the indirect jump
  std::vector<uint64_t> targets;  // addresses inside the function
};

// How calls and the stack frame behave. The default is the System V ABI of C code with the
// stack not tracked; Go code (go_abi.h) clobbers every register but %rsp and %rbp at a call,
// and passes arguments on the stack, so its frame words are tracked.
struct FrameModel {
  uint16_t call_clobbers = kSysVCallerSaved;
  bool track_stack = false;
  // The function hands out addresses in its frame (Instruction::exposes_frame): any call and
  // any store through a pointer may change any of its words.
  bool frame_escapes = false;
  // Bytes of the caller's outgoing argument area (from 0(%rsp) up) the target of a call may
  // write; kCallMayWriteFrame when any word of the frame may change; kCallKeepsFrame when
  // the call changes no word of it, whatever pointers into it it is given.
  std::function<int64_t(const Instruction&)> call_writes;
};
inline constexpr int64_t kCallMayWriteFrame = -1;
inline constexpr int64_t kCallKeepsFrame = -2;

struct DataflowInput {
  std::span<const Instruction> instructions;  // in address order
  uint64_t start = 0;
  uint64_t end = 0;
  std::vector<uint64_t> outside_entries;  // addresses jumped or called into from elsewhere
  std::vector<JumpTable> jump_tables;
  bool every_block_unknown = false;   // an indirect jump with unknown targets
  const FrameModel* frame = nullptr;  // null: FrameModel{}
  // Per instruction, whether the visit reads the state before it; empty: everywhere.
  // Elsewhere the visit may get an all-unknown state instead: the final pass does not run a
  // block again past its last instruction that needs one.
  std::span<const char> needs_state;
};

// What a load of `bytes` bytes from `address` yields (a constant from read-only data, the
// address a relocation stores), or top.
using MemoryReader = std::function<ValueSet(uint64_t address, int bytes)>;

// Calls `visit` once for every instruction, in address order, with the state before it (where
// input.needs_state asks for it).
void RunDataflow(const DataflowInput& input, const MemoryReader& read_memory,
                 const std::function<void(size_t, const RegisterState&)>& visit);

// Applies one instruction to `state` (exposed for tests); `frame` null: FrameModel{}.
void ApplyInstruction(const Instruction& insn, const MemoryReader& read_memory,
                      RegisterState& state, const FrameModel* frame = nullptr);

// Whether any of `instructions` hands out an address in the frame.
bool FrameEscapes(std::span<const Instruction> instructions);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_REGISTER_DATAFLOW_H_
