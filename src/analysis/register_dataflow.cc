// Register data flow (see register_dataflow.h): a classic worklist over basic blocks with the
// ValueSet lattice, whose height (bottom, up to four atoms, top) bounds the iterations.
#include "analysis/register_dataflow.h"

#include <algorithm>
#include <deque>

namespace sysfence {
namespace {

constexpr uint16_t kCallerSaved = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                                  (1u << kRdi) | (1u << kR8) | (1u << kR9) | (1u << kR10) |
                                  (1u << kR11);

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

}  // namespace

void ApplyInstruction(const Instruction& insn, const MemoryReader& read_memory,
                      RegisterState& state) {
  auto& regs = state.regs;
  if (insn.op != RegisterOp::kNone && insn.dst < kRegisterCount) {
    ValueSet& dst = regs[insn.dst];
    const ValueSet* src = insn.src < kRegisterCount ? &regs[insn.src] : nullptr;
    ValueSet result = ValueSet::Top();
    switch (insn.op) {
      case RegisterOp::kMoveImmediate: {
        if (insn.width >= 32) {
          result = ValueSet::Constant(Truncate(insn.immediate, insn.width));
        } else if (dst.AllConstants()) {
          result = dst.MapConstants([&](uint64_t c) { return Merge(c, insn.immediate, insn.width); });
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
        if (src != nullptr && !src->IsTop() && !src->IsBottom()) {
          result = ValueSet::Bottom();
          for (int i = 0; i < src->size() && !result.IsTop(); ++i) {
            Atom a = src->atom(i);
            if (a.kind() == Atom::kConstant) {
              result.Insert(Atom::Constant(Truncate(a.payload() + insn.immediate, insn.width)));
            } else if (a.IsLocalAddress() && insn.width == 64) {
              result.Insert(Atom::Address(a.payload() + insn.immediate));
            } else {
              result = ValueSet::Top();
            }
          }
        }
        break;
      case RegisterOp::kLoadMemory:
        result = read_memory ? read_memory(insn.memory, insn.memory_width) : ValueSet::Top();
        if (insn.width < 32) result = ValueSet::Top();
        break;
      case RegisterOp::kAddImmediate:
        result = ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c + insn.immediate; });
        break;
      case RegisterOp::kAndImmediate:
        result = ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c & insn.immediate; });
        break;
      case RegisterOp::kOrImmediate:
        result = ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c | insn.immediate; });
        break;
      case RegisterOp::kXorImmediate:
        result = ArithmeticOnConstants(dst, insn.width, [&](uint64_t c) { return c ^ insn.immediate; });
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
  if (insn.clobbered != 0) {
    for (int r = 0; r < kRegisterCount; ++r) {
      if (insn.clobbered & (1u << r)) regs[static_cast<size_t>(r)] = ValueSet::Top();
    }
  }
  if (insn.flow == Flow::kNext) return;
  uint16_t killed = 0;
  switch (insn.flow) {
    case Flow::kCall:
    case Flow::kIndirectCall: killed = kCallerSaved; break;
    case Flow::kSyscall: killed = (1u << kRax) | (1u << kRcx) | (1u << kR11); break;
    case Flow::kInt80:
    case Flow::kSysenter: killed = (1u << kRax); break;
    default: break;
  }
  for (int r = 0; r < kRegisterCount; ++r) {
    if (killed & (1u << r)) regs[static_cast<size_t>(r)] = ValueSet::Top();
  }
}

void RunDataflow(const DataflowInput& input, const MemoryReader& read_memory,
                 const std::function<void(size_t, const RegisterState&)>& visit) {
  std::span<const Instruction> insns = input.instructions;
  if (insns.empty()) return;
  auto index_of = [&](uint64_t address) -> std::optional<size_t> {
    auto it = std::lower_bound(insns.begin(), insns.end(), address,
                               [](const Instruction& i, uint64_t a) { return i.address < a; });
    if (it == insns.end() || it->address != address) return std::nullopt;
    return static_cast<size_t>(it - insns.begin());
  };
  auto inside = [&](uint64_t address) { return address >= input.start && address < input.end; };

  // Leaders: the first instruction, branch targets, instructions after control transfers.
  std::vector<char> leader(insns.size(), 0);
  std::vector<char> entered_from_outside(insns.size(), 0);
  leader[0] = 1;
  for (size_t i = 0; i < insns.size(); ++i) {
    const Instruction& insn = insns[i];
    bool ends_block = insn.flow == Flow::kJump || insn.flow == Flow::kConditionalJump ||
                      insn.flow == Flow::kIndirectJump || insn.flow == Flow::kReturn ||
                      insn.flow == Flow::kStop || insn.noreturn;
    if (ends_block && i + 1 < insns.size()) leader[i + 1] = 1;
    if ((insn.flow == Flow::kJump || insn.flow == Flow::kConditionalJump) && inside(insn.target)) {
      if (auto t = index_of(insn.target)) leader[*t] = 1;
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

  std::vector<size_t> block_start;
  std::vector<size_t> block_of(insns.size());
  for (size_t i = 0; i < insns.size(); ++i) {
    if (leader[i]) block_start.push_back(i);
    block_of[i] = block_start.size() - 1;
  }
  size_t blocks = block_start.size();
  auto block_end = [&](size_t b) { return b + 1 < blocks ? block_start[b + 1] : insns.size(); };

  std::vector<std::vector<size_t>> table_targets(blocks);
  for (const JumpTable& table : input.jump_tables) {
    for (uint64_t target : table.targets) {
      if (auto t = index_of(target)) table_targets[block_of[table.instruction]].push_back(block_of[*t]);
    }
  }

  std::vector<RegisterState> in(blocks);
  std::deque<size_t> work;
  std::vector<char> queued(blocks, 0);
  auto enqueue = [&](size_t b) {
    if (!queued[b]) {
      queued[b] = 1;
      work.push_back(b);
    }
  };
  in[0] = RegisterState::AtEntry();
  enqueue(0);
  for (size_t b = 0; b < blocks; ++b) {
    if (input.every_block_unknown || entered_from_outside[block_start[b]]) {
      in[b].Join(RegisterState::AllTop());
      enqueue(b);
    }
  }

  auto run = [&]() {
    while (!work.empty()) {
      size_t b = work.front();
      work.pop_front();
      queued[b] = 0;
      RegisterState state = in[b];
      size_t last = block_end(b) - 1;
      for (size_t i = block_start[b]; i <= last; ++i) ApplyInstruction(insns[i], read_memory, state);
      const Instruction& tail = insns[last];
      auto flow_to = [&](size_t target_block) {
        if (in[target_block].Join(state)) enqueue(target_block);
      };
      bool falls_through = tail.flow != Flow::kJump && tail.flow != Flow::kIndirectJump &&
                           tail.flow != Flow::kReturn && tail.flow != Flow::kStop && !tail.noreturn;
      if (falls_through && b + 1 < blocks) flow_to(b + 1);
      if ((tail.flow == Flow::kJump || tail.flow == Flow::kConditionalJump) && inside(tail.target)) {
        if (auto t = index_of(tail.target)) flow_to(block_of[*t]);
      }
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

  for (size_t b = 0; b < blocks; ++b) {
    RegisterState state = in[b];
    for (size_t i = block_start[b]; i < block_end(b); ++i) {
      visit(i, state);
      ApplyInstruction(insns[i], read_memory, state);
    }
  }
}

}  // namespace sysfence
