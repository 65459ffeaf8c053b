// ValueSet lattice operations (see value_set.h).
#include "analysis/value_set.h"

#include <fmt/format.h>

namespace sysfence {

const char* RegisterName(int reg) {
  static const char* const kNames[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  return reg >= 0 && reg < kRegisterCount ? kNames[reg] : "?";
}

std::string Atom::ToString() const {
  switch (kind()) {
    case kConstant: return fmt::format("{}", payload());
    case kArgument: return fmt::format("arg:{}", RegisterName(static_cast<int>(payload())));
    case kAddress:
      if (IsImportAddress()) return fmt::format("import:{}", payload() & ~kImportBit);
      return fmt::format("addr:{:#x}", payload());
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

bool ValueSet::Join(const ValueSet& other) {
  if (IsTop() || other.IsBottom()) return false;
  if (other.IsTop()) {
    count_ = kTopCount;
    return true;
  }
  bool changed = false;
  for (int i = 0; i < other.count_ && !IsTop(); ++i) changed |= Insert(other.atoms_[static_cast<size_t>(i)]);
  return changed;
}

bool ValueSet::operator==(const ValueSet& other) const {
  if (count_ != other.count_) return false;
  if (IsTop()) return true;
  for (int i = 0; i < count_; ++i) {
    bool found = false;
    for (int j = 0; j < count_ && !found; ++j) found = atoms_[static_cast<size_t>(i)] == other.atoms_[static_cast<size_t>(j)];
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
  for (int r = 0; r < kRegisterCount; ++r) state.regs[static_cast<size_t>(r)] = ValueSet::Argument(r);
  state.regs[kRsp] = ValueSet::Top();
  return state;
}

RegisterState RegisterState::AllTop() {
  RegisterState state;
  for (ValueSet& v : state.regs) v = ValueSet::Top();
  return state;
}

bool RegisterState::Join(const RegisterState& other) {
  bool changed = false;
  for (size_t r = 0; r < regs.size(); ++r) changed |= regs[r].Join(other.regs[r]);
  return changed;
}

}  // namespace sysfence
