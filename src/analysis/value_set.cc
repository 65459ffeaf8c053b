// ValueSet lattice operations (see value_set.h).
#include "analysis/value_set.h"

#include <fmt/format.h>

namespace sysfence {

const char* RegisterName(int reg) {
  static const char* const kNames[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  if (reg == kStackArgument0) return "8(%rsp)";
  return reg >= 0 && reg < kRegisterCount ? kNames[reg] : "?";
}

std::string Atom::ToString() const {
  switch (kind()) {
    case kConstant:
      return fmt::format("{}", payload());
    case kArgument:
      return fmt::format("arg:{}", RegisterName(static_cast<int>(payload())));
    case kAddress:
      if (IsImportAddress()) return fmt::format("import:{}", payload() & ~kImportBit);
      return fmt::format("addr:{:#x}", payload());
    case kStack:
      return fmt::format("stack:{}", stack_offset());
  }
  return "?";
}

bool ValueSet::AllConstants() const {
  if (IsTop() || IsBottom()) return false;
  for (int i = 0; i < count_; ++i) {
    if (atoms_[static_cast<size_t>(i)].kind() != Atom::kConstant) return false;
  }
  return true;
}

bool ValueSet::Insert(Atom atom) {
  if (IsTop()) return false;
  for (int i = 0; i < count_; ++i) {
    if (atoms_[static_cast<size_t>(i)] == atom) return false;
  }
  if (count_ == kMaxAtoms) {
    count_ = kTopCount;
    return true;
  }
  atoms_[count_++] = atom;
  return true;
}

bool ValueSet::JoinAtoms(const ValueSet& other) {
  bool changed = false;
  for (int i = 0; i < other.count_ && !IsTop(); ++i)
    changed |= Insert(other.atoms_[static_cast<size_t>(i)]);
  return changed;
}

bool ValueSet::operator==(const ValueSet& other) const {
  if (count_ != other.count_) return false;
  if (IsTop()) return true;
  for (int i = 0; i < count_; ++i) {
    bool found = false;
    for (int j = 0; j < count_ && !found; ++j)
      found = atoms_[static_cast<size_t>(i)] == other.atoms_[static_cast<size_t>(j)];
    if (!found) return false;
  }
  return true;
}

std::string ValueSet::ToString() const {
  if (IsTop()) return "top";
  if (IsBottom()) return "bottom";
  std::string text = "{";
  for (int i = 0; i < count_; ++i) {
    if (i > 0) text += ", ";
    text += atoms_[static_cast<size_t>(i)].ToString();
  }
  return text + "}";
}

RegisterState RegisterState::AtEntry() {
  RegisterState state;
  for (int r = 0; r < kRegisterCount; ++r)
    state.regs[static_cast<size_t>(r)] = ValueSet::Argument(r);
  state.regs[kRsp] = ValueSet::Top();
  return state;
}

RegisterState RegisterState::AtEntryWithStack() {
  RegisterState state = AtEntry();
  state.regs[kRsp] = ValueSet::Of(Atom::Stack(0));
  state.stack.Store(8, 8, ValueSet::Argument(kStackArgument0));
  return state;
}

RegisterState RegisterState::AllTop() {
  RegisterState state;
  for (ValueSet& v : state.regs) v = ValueSet::Top();
  return state;
}

bool RegisterState::Join(const RegisterState& other) {
  if (other.IsBottom()) return false;
  if (IsBottom()) {
    *this = other;
    return true;
  }
  bool changed = false;
  for (size_t r = 0; r < regs.size(); ++r) changed |= regs[r].Join(other.regs[r]);
  changed |= stack.Join(other.stack);
  return changed;
}

ValueSet RegisterState::ArgumentValue(int reg, bool jump) const {
  if (reg != kStackArgument0) return regs[static_cast<size_t>(reg)];
  const ValueSet& sp = regs[kRsp];
  if (sp.size() != 1 || sp.atom(0).kind() != Atom::kStack) return ValueSet::Top();
  const StackSlot* slot = stack.Find(sp.atom(0).stack_offset() + (jump ? 8 : 0), 8);
  return slot != nullptr ? slot->value : ValueSet::Top();
}

const StackSlot* StackSlots::Find(int64_t offset, int width) const {
  for (const StackSlot& slot : slots_) {
    if (slot.offset == offset && slot.width == width) return &slot;
  }
  return nullptr;
}

void StackSlots::Forget(int64_t offset, int64_t bytes) {
  std::erase_if(slots_, [&](const StackSlot& s) {
    return s.offset < offset + bytes && offset < s.offset + s.width;
  });
}

void StackSlots::ForgetBelow(int64_t offset) {
  std::erase_if(slots_, [&](const StackSlot& s) { return s.offset < offset; });
}

void StackSlots::Store(int64_t offset, int width, const ValueSet& value) {
  Forget(offset, width);
  if (value.IsTop() || value.IsBottom() || offset < INT32_MIN || offset > INT32_MAX) return;
  if (slots_.size() == kCapacity) slots_.erase(slots_.begin());
  slots_.push_back(StackSlot{static_cast<int32_t>(offset), static_cast<uint8_t>(width), value});
}

bool StackSlots::Join(const StackSlots& other) {
  size_t before = slots_.size();
  bool changed = false;
  std::erase_if(slots_, [&](StackSlot& mine) {
    const StackSlot* theirs = other.Find(mine.offset, mine.width);
    if (theirs == nullptr) return true;
    changed |= mine.value.Join(theirs->value);
    return mine.value.IsTop();
  });
  return changed || slots_.size() != before;
}

}  // namespace sysfence
