// Register data flow (see register_dataflow.h): a classic worklist over basic blocks with the
// ValueSet lattice, whose height (bottom, up to four atoms, top) bounds the iterations.
#include "analysis/register_dataflow.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <utility>

namespace sysfence {
namespace {

const FrameModel kDefaultFrame;

uint64_t Truncate(uint64_t value, int width) {
  return width >= 64 ? value : value & ((uint64_t{1} << width) - 1);
}

// Result of writing `value` (already computed at full width) into the low `width` bits.
uint64_t Merge(uint64_t old_value, uint64_t value, int width) {
  if (width >= 64) return value;
  if (width == 32) return value & 0xffffffffu;
  uint64_t mask = (uint64_t{1} << width) - 1;
  return (old_value & ~mask) | (value & mask);
}

// A copy at 32 bits keeps arguments and addresses (syscall numbers fit), truncates constants.
ValueSet CopyWithWidth(const ValueSet& value, int width) {
  if (width >= 64 || value.IsTop() || value.IsBottom()) return value;
  if (width < 32) return ValueSet::Top();
  ValueSet result = ValueSet::Bottom();
  for (int i = 0; i < value.size(); ++i) {
    Atom a = value.atom(i);
    result.Insert(a.kind() == Atom::kConstant ? Atom::Constant(Truncate(a.payload(), 32)) : a);
  }
  return result;
}

template <typename Op>
ValueSet ArithmeticOnConstants(const ValueSet& old_value, int width, Op op) {
  return old_value.MapConstants([&](uint64_t c) { return Merge(c, op(c), width); });
}

// value + immediate for constants, addresses in the object and stack addresses.
ValueSet AddToAtoms(const ValueSet& value, uint64_t immediate, int width) {
  if (value.IsTop() || value.IsBottom()) return ValueSet::Top();
  ValueSet result = ValueSet::Bottom();
  for (int i = 0; i < value.size() && !result.IsTop(); ++i) {
    Atom a = value.atom(i);
    if (a.kind() == Atom::kConstant) {
      result.Insert(Atom::Constant(Truncate(a.payload() + immediate, width)));
    } else if (a.IsLocalAddress() && width == 64) {
      result.Insert(Atom::Address(a.payload() + immediate));
    } else if (a.kind() == Atom::kStack && width == 64) {
      result.Insert(Atom::Stack(a.stack_offset() + static_cast<int64_t>(immediate)));
    } else {
      return ValueSet::Top();
    }
  }
  return result;
}

// The stack offset a value holds, when it is exactly one stack address.
std::optional<int64_t> StackOffset(const ValueSet& value) {
  if (value.size() != 1 || value.atom(0).kind() != Atom::kStack) return std::nullopt;
  return value.atom(0).stack_offset();
}

// Whether a pointer holding `value` may point into the frame: a stack address, or the
// caller's %rsp or %rbp.
bool MayPointIntoFrame(const ValueSet& value) {
  if (value.IsTop()) return false;
  for (int i = 0; i < value.size(); ++i) {
    Atom a = value.atom(i);
    if (a.kind() == Atom::kStack) return true;
    if (a.kind() == Atom::kArgument && (a.payload() == kRsp || a.payload() == kRbp)) return true;
  }
  return false;
}

// The value of the slot a load of `bytes` bytes at `offset` reads, or top.
ValueSet LoadSlot(const StackSlots& stack, int64_t offset, int bytes) {
  if (const StackSlot* slot = stack.Find(offset, bytes)) return slot->value;
  if (bytes == 4) {
    if (const StackSlot* slot = stack.Find(offset, 8)) return CopyWithWidth(slot->value, 32);
  }
  return ValueSet::Top();
}

// What the instruction does to the tracked stack words: stores, pushes, calls and system
// calls that may write the frame. Runs on the state before the instruction.
void ApplyToStack(const Instruction& insn, RegisterState& state, const FrameModel& frame) {
  auto& regs = state.regs;
  StackSlots& stack = state.stack;
  std::optional<int64_t> sp = StackOffset(regs[kRsp]);
  if (insn.base_use == MemoryUse::kWrite && insn.base < kRegisterCount) {
    std::optional<int64_t> at = StackOffset(regs[insn.base]);
    if (at && !insn.base_indexed) {
      int64_t address = *at + insn.displacement;
      int bytes = insn.base_size;
      if (insn.store == StoreSource::kRegister && insn.store_register < kRegisterCount &&
          (bytes == 4 || bytes == 8)) {
        stack.Store(address, bytes, CopyWithWidth(regs[insn.store_register], bytes * 8));
      } else if (insn.store == StoreSource::kImmediate && (bytes == 4 || bytes == 8)) {
        stack.Store(address, bytes, ValueSet::Constant(Truncate(insn.immediate, bytes * 8)));
      } else {
        stack.Forget(address, bytes > 0 ? bytes : 512);
      }
    } else if (at || insn.base == kRsp || insn.base == kRbp || MayPointIntoFrame(regs[insn.base]) ||
               frame.frame_escapes) {
      // Through %rsp or %rbp no longer known (or a frame pointer of unknown offset), any
      // word of the frame may be written.
      stack.Clear();
    }
  }
  if (insn.hidden_memory_write) stack.Clear();
  if (insn.stack_op == StackOp::kPush) {
    if (!sp) {
      stack.Clear();
    } else if (insn.store == StoreSource::kRegister && insn.store_register < kRegisterCount) {
      stack.Store(*sp - 8, 8, regs[insn.store_register]);
    } else if (insn.store == StoreSource::kImmediate) {
      stack.Store(*sp - 8, 8, ValueSet::Constant(insn.immediate));
    } else {
      stack.Forget(*sp - 8, 8);
    }
  }
  bool call = insn.flow == Flow::kCall || insn.flow == Flow::kIndirectCall;
  if (call || insn.flow == Flow::kSyscall) {
    // The callee (or the kernel) may write through any pointer it is given.
    bool pointer_passed = frame.frame_escapes;
    for (int r = 0; r < kRegisterCount && !pointer_passed; ++r) {
      if (r != kRsp && r != kRbp) pointer_passed = MayPointIntoFrame(regs[static_cast<size_t>(r)]);
    }
    int64_t written = call && frame.call_writes ? frame.call_writes(insn)
                      : call                    ? kCallMayWriteFrame
                                                : 0;
    if (written == kCallKeepsFrame) {
      if (sp) stack.ForgetBelow(*sp);
    } else if (pointer_passed || !sp || written < 0) {
      stack.Clear();
    } else {
      stack.ForgetBelow(*sp);  // the return address and the callee's frame
      stack.Forget(*sp, written);
    }
  }
}

}  // namespace

bool FrameEscapes(std::span<const Instruction> instructions) {
  for (const Instruction& insn : instructions) {
    if (insn.exposes_frame) return true;
  }
  return false;
}

void ApplyInstruction(const Instruction& insn, const MemoryReader& read_memory,
                      RegisterState& state, const FrameModel* frame) {
  if (frame == nullptr) frame = &kDefaultFrame;
  auto& regs = state.regs;
  if (frame->track_stack) ApplyToStack(insn, state, *frame);
  if (insn.op != RegisterOp::kNone && insn.dst < kRegisterCount) {
    ValueSet& dst = regs[insn.dst];
    const ValueSet* src = insn.src < kRegisterCount ? &regs[insn.src] : nullptr;
    ValueSet result = ValueSet::Top();
    switch (insn.op) {
      case RegisterOp::kMoveImmediate: {
        if (insn.width >= 32) {
          result = ValueSet::Constant(Truncate(insn.immediate, insn.width));
        } else if (dst.AllConstants()) {
          result =
              dst.MapConstants([&](uint64_t c) { return Merge(c, insn.immediate, insn.width); });
        }
        break;
      }
      case RegisterOp::kMoveRegister:
        if (src != nullptr) result = CopyWithWidth(*src, insn.width);
        break;
      case RegisterOp::kZero:
        result = ValueSet::Constant(0);
        break;
      case RegisterOp::kLoadAddress:
        result = insn.width == 64 ? ValueSet::Address(insn.memory) : ValueSet::Top();
        break;
      case RegisterOp::kAddToRegister:
        if (src != nullptr) result = AddToAtoms(*src, insn.immediate, insn.width);
        break;
      case RegisterOp::kLoadMemory:
        result = read_memory ? read_memory(insn.memory, insn.memory_width) : ValueSet::Top();
        if (insn.width < 32) result = ValueSet::Top();
        break;
      case RegisterOp::kAddImmediate:
        result = StackOffset(dst) ? AddToAtoms(dst, insn.immediate, insn.width)
                                  : ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) {
                                      return c + insn.immediate;
                                    });
        break;
      case RegisterOp::kLoadBased:
        if (std::optional<int64_t> at = insn.base < kRegisterCount && !insn.base_indexed
                                            ? StackOffset(regs[insn.base])
                                            : std::nullopt) {
          result = CopyWithWidth(LoadSlot(state.stack, *at + insn.displacement, insn.memory_width),
                                 insn.width);
        }
        break;
      case RegisterOp::kPop:
        if (std::optional<int64_t> at = StackOffset(regs[kRsp]))
          result = LoadSlot(state.stack, *at, 8);
        break;
      case RegisterOp::kAndImmediate:
        result =
            ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c & insn.immediate; });
        break;
      case RegisterOp::kOrImmediate:
        result =
            ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c | insn.immediate; });
        break;
      case RegisterOp::kXorImmediate:
        result =
            ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c ^ insn.immediate; });
        break;
      case RegisterOp::kConditionalMove:
        result = dst;
        if (src != nullptr) result.Join(CopyWithWidth(*src, insn.width));
        break;
      case RegisterOp::kExchange:
        if (src != nullptr) {
          ValueSet old_src = *src;
          regs[insn.src] = CopyWithWidth(dst, insn.width);
          result = CopyWithWidth(old_src, insn.width);
        }
        break;
      case RegisterOp::kNone:
        break;
    }
    dst = result;
  }
  for (unsigned m = insn.clobbered; m != 0; m &= m - 1) {
    regs[static_cast<size_t>(std::countr_zero(m))].SetTop();
  }
  if (insn.stack_op != StackOp::kNone) {
    regs[kRsp] = AddToAtoms(regs[kRsp], insn.stack_op == StackOp::kPush ? uint64_t(-8) : 8, 64);
  }
  if (insn.flow == Flow::kNext) return;
  uint16_t killed = 0;
  switch (insn.flow) {
    case Flow::kCall:
    case Flow::kIndirectCall:
      killed = frame->call_clobbers;
      break;
    case Flow::kSyscall:
      killed = (1u << kRax) | (1u << kRcx) | (1u << kR11);
      break;
    case Flow::kInt80:
    case Flow::kSysenter:
      killed = (1u << kRax);
      break;
    default:
      break;
  }
  for (unsigned m = killed; m != 0; m &= m - 1) {
    regs[static_cast<size_t>(std::countr_zero(m))].SetTop();
  }
}

namespace {

// The per-function vectors of RunDataflow, kept from one call to the next on a thread: a
// large function's block states would otherwise be fresh pages (and zeroed) every time.
struct DataflowBuffers {
  std::vector<char> leader;
  std::vector<char> entered_from_outside;
  std::vector<size_t> block_start;
  std::vector<size_t> block_of;
  std::vector<std::vector<size_t>> table_targets;
  std::vector<RegisterState> in;
  std::vector<std::pair<size_t, size_t>> jumps;
  std::vector<size_t> jump_block;  // per block: where its last instruction jumps, or kNoBlock
  std::vector<char> queued;
  RegisterState state;
  bool busy = false;
};

void RunDataflowWith(DataflowBuffers& buffers, const DataflowInput& input,
                     const MemoryReader& read_memory,
                     const std::function<void(size_t, const RegisterState&)>& visit) {
  std::span<const Instruction> insns = input.instructions;
  auto index_of = [&](uint64_t address) -> std::optional<size_t> {
    auto it = std::lower_bound(insns.begin(), insns.end(), address,
                               [](const Instruction& i, uint64_t a) { return i.address < a; });
    if (it == insns.end() || it->address != address) return std::nullopt;
    return static_cast<size_t>(it - insns.begin());
  };
  auto inside = [&](uint64_t address) { return address >= input.start && address < input.end; };

  // Leaders: the first instruction, branch targets, instructions after control transfers.
  std::vector<char>& leader = buffers.leader;
  std::vector<char>& entered_from_outside = buffers.entered_from_outside;
  leader.assign(insns.size(), 0);
  entered_from_outside.assign(insns.size(), 0);
  leader[0] = 1;
  // Direct jumps inside the function, as (jump, target) instruction indexes. A jump ends its
  // block, so it is that block's last instruction.
  std::vector<std::pair<size_t, size_t>>& jumps = buffers.jumps;
  jumps.clear();
  for (size_t i = 0; i < insns.size(); ++i) {
    const Instruction& insn = insns[i];
    bool ends_block = insn.flow == Flow::kJump || insn.flow == Flow::kConditionalJump ||
                      insn.flow == Flow::kIndirectJump || insn.flow == Flow::kReturn ||
                      insn.flow == Flow::kStop || insn.noreturn;
    if (ends_block && i + 1 < insns.size()) leader[i + 1] = 1;
    if ((insn.flow == Flow::kJump || insn.flow == Flow::kConditionalJump) && inside(insn.target)) {
      if (auto t = index_of(insn.target)) {
        leader[*t] = 1;
        jumps.emplace_back(i, *t);
      }
    }
  }
  for (const JumpTable& table : input.jump_tables) {
    for (uint64_t target : table.targets) {
      if (auto t = index_of(target)) leader[*t] = 1;
    }
  }
  for (uint64_t address : input.outside_entries) {
    if (auto t = index_of(address)) leader[*t] = entered_from_outside[*t] = 1;
  }

  std::vector<size_t>& block_start = buffers.block_start;
  std::vector<size_t>& block_of = buffers.block_of;
  block_start.clear();
  block_of.resize(insns.size());
  for (size_t i = 0; i < insns.size(); ++i) {
    if (leader[i]) block_start.push_back(i);
    block_of[i] = block_start.size() - 1;
  }
  size_t blocks = block_start.size();
  auto block_end = [&](size_t b) { return b + 1 < blocks ? block_start[b + 1] : insns.size(); };
  constexpr size_t kNoBlock = static_cast<size_t>(-1);
  std::vector<size_t>& jump_block = buffers.jump_block;
  jump_block.assign(blocks, kNoBlock);
  for (const auto& [jump, target] : jumps) jump_block[block_of[jump]] = block_of[target];

  std::vector<std::vector<size_t>>& table_targets = buffers.table_targets;
  if (table_targets.size() < blocks) table_targets.resize(blocks);
  for (size_t b = 0; b < blocks; ++b) table_targets[b].clear();
  for (const JumpTable& table : input.jump_tables) {
    for (uint64_t target : table.targets) {
      if (auto t = index_of(target))
        table_targets[block_of[table.instruction]].push_back(block_of[*t]);
    }
  }

  std::vector<RegisterState>& in = buffers.in;
  if (in.size() < blocks) in.resize(blocks);
  for (size_t b = 0; b < blocks; ++b) in[b].SetBottom();
  // The work list runs in address order, round after round: a block then mostly runs after
  // the blocks that flow into it, and only a loop's back edges call for another round.
  std::vector<char>& queued = buffers.queued;
  queued.assign(blocks, 0);
  size_t pending = 0, cursor = 0;
  auto enqueue = [&](size_t b) {
    if (!queued[b]) {
      queued[b] = 1;
      ++pending;
    }
  };
  const FrameModel* frame = input.frame;
  in[0] = frame != nullptr && frame->track_stack ? RegisterState::AtEntryWithStack()
                                                 : RegisterState::AtEntry();
  enqueue(0);
  for (size_t b = 0; b < blocks; ++b) {
    if (input.every_block_unknown || entered_from_outside[block_start[b]]) {
      in[b].Join(RegisterState::AllTop());
      enqueue(b);
    }
  }

  RegisterState& state = buffers.state;
  auto run = [&]() {
    while (pending > 0) {
      while (!queued[cursor]) cursor = cursor + 1 == blocks ? 0 : cursor + 1;
      size_t b = cursor;
      queued[b] = 0;
      --pending;
      state = in[b];
      size_t last = block_end(b) - 1;
      for (size_t i = block_start[b]; i <= last; ++i) {
        ApplyInstruction(insns[i], read_memory, state, frame);
      }
      const Instruction& tail = insns[last];
      auto flow_to = [&](size_t target_block) {
        if (in[target_block].Join(state)) enqueue(target_block);
      };
      bool falls_through = tail.flow != Flow::kJump && tail.flow != Flow::kIndirectJump &&
                           tail.flow != Flow::kReturn && tail.flow != Flow::kStop && !tail.noreturn;
      if (falls_through && b + 1 < blocks) flow_to(b + 1);
      if (jump_block[b] != kNoBlock) flow_to(jump_block[b]);
      for (size_t t : table_targets[b]) flow_to(t);
    }
  };
  run();
  // Blocks no modelled path reaches (landing pads, unresolved jump targets) start unknown;
  // alignment padding between blocks is never executed and stays out of the flow.
  bool seeded = false;
  for (size_t b = 0; b < blocks; ++b) {
    bool padding = true;
    for (size_t i = block_start[b]; i < block_end(b) && padding; ++i) padding = insns[i].padding;
    if (in[b].IsBottom() && !padding) {
      in[b] = RegisterState::AllTop();
      enqueue(b);
      seeded = true;
    }
  }
  if (seeded) run();

  // The final pass runs each block only up to its last instruction that needs the state.
  static const RegisterState kUnknown = RegisterState::AllTop();
  std::span<const char> needs = input.needs_state;
  bool every = needs.size() != insns.size();
  for (size_t b = 0; b < blocks; ++b) {
    size_t begin = block_start[b], end = block_end(b);
    size_t needed_end = every ? end : begin;  // one past the last instruction needing it
    for (size_t i = begin; i < end && !every; ++i) {
      if (needs[i]) needed_end = i + 1;
    }
    if (needed_end > begin) state = in[b];
    for (size_t i = begin; i < end; ++i) {
      if (i >= needed_end) {
        visit(i, kUnknown);
        continue;
      }
      visit(i, state);
      if (i + 1 < needed_end) ApplyInstruction(insns[i], read_memory, state, frame);
    }
  }
}

}  // namespace

void RunDataflow(const DataflowInput& input, const MemoryReader& read_memory,
                 const std::function<void(size_t, const RegisterState&)>& visit) {
  if (input.instructions.empty()) return;
  thread_local DataflowBuffers buffers;
  if (buffers.busy) {  // called again from a visit: this call gets its own
    DataflowBuffers own;
    own.busy = true;
    RunDataflowWith(own, input, read_memory, visit);
    return;
  }
  struct Claim {
    bool& busy;
    explicit Claim(bool& b) : busy(b) { busy = true; }
    ~Claim() { busy = false; }
  } claim(buffers.busy);
  RunDataflowWith(buffers, input, read_memory, visit);
}

}  // namespace sysfence
