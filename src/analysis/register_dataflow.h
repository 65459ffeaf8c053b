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

struct JumpTable {
  size_t instruction = 0;         // index of the indirect jump
  std::vector<uint64_t> targets;  // addresses inside the function
};

struct DataflowInput {
  std::span<const Instruction> instructions;  // in address order
  uint64_t start = 0;
  uint64_t end = 0;
  std::vector<uint64_t> outside_entries;  // addresses jumped or called into from elsewhere
  std::vector<JumpTable> jump_tables;
  bool every_block_unknown = false;       // an indirect jump with unknown targets
};

// What a load of `bytes` bytes from `address` yields (a constant from read-only data, the
// address a relocation stores), or top.
using MemoryReader = std::function<ValueSet(uint64_t address, int bytes)>;

// Calls `visit` once for every instruction, in address order, with the state before it.
void RunDataflow(const DataflowInput& input, const MemoryReader& read_memory,
                 const std::function<void(size_t, const RegisterState&)>& visit);

// Applies one instruction to `state` (exposed for tests).
void ApplyInstruction(const Instruction& insn, const MemoryReader& read_memory,
                      RegisterState& state);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_REGISTER_DATAFLOW_H_
