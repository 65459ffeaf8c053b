// The abstract values of the register data flow: what a register may hold at a point, as a
// small set of atoms (a constant, the value an argument register had when the function was
// entered, or an address inside the object), or "unknown" (top). Syscall numbers are found by
// asking what %eax holds at a `syscall`; wrappers are functions where the answer is an
// argument of their own.
//
//   ValueSet v = ValueSet::Constant(202);
//   v.Join(ValueSet::Argument(kRdi));   // {202, arg:rdi}
//   v.Join(ValueSet::Top());            // unknown
#ifndef SYSFENCE_ANALYSIS_VALUE_SET_H_
#define SYSFENCE_ANALYSIS_VALUE_SET_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sysfence {

// x86-64 general purpose registers by hardware number.
enum Register : uint8_t {
  kRax = 0,
  kRcx,
  kRdx,
  kRbx,
  kRsp,
  kRbp,
  kRsi,
  kRdi,
  kR8,
  kR9,
  kR10,
  kR11,
  kR12,
  kR13,
  kR14,
  kR15,
  kRegisterCount,
  kNoRegister = 0xff,
};
// A pseudo-register: the first word of the caller's stack arguments, at 8(%rsp) when the
// function is entered. Go's assembly functions (ABI0) take their arguments there.
inline constexpr int kStackArgument0 = kRegisterCount;
// "rax" ... "r15", and "8(%rsp)" for kStackArgument0.
const char* RegisterName(int reg);

// One possible value: kind in the top two bits, payload in the rest. A stack address (an
// offset from %rsp at the function's entry) exists only inside one function's data flow and
// is never recorded in a summary.
class Atom {
 public:
  enum Kind : uint8_t { kConstant = 0, kArgument = 1, kAddress = 2, kStack = 3 };
  static constexpr uint64_t kPayloadMask = (uint64_t{1} << 62) - 1;
  static constexpr uint64_t kImportBit = uint64_t{1} << 61;

  static Atom Constant(uint64_t value) { return Atom((value & kPayloadMask)); }
  static Atom Argument(int reg) {
    return Atom((uint64_t{kArgument} << 62) | static_cast<uint64_t>(reg));
  }
  static Atom Address(uint64_t vaddr) {
    return Atom((uint64_t{kAddress} << 62) | (vaddr & kPayloadMask));
  }
  // The address of dynamic symbol `symbol`, as a GOT load yields it (an address in some other
  // object, or an interposed one): an address atom with a marker bit.
  static Atom ImportAddress(uint32_t symbol) {
    return Atom((uint64_t{kAddress} << 62) | kImportBit | symbol);
  }
  static Atom Stack(int64_t offset) {
    return Atom((uint64_t{kStack} << 62) | (static_cast<uint64_t>(offset) & kPayloadMask));
  }
  int64_t stack_offset() const {  // sign-extended from 62 bits
    return static_cast<int64_t>(payload() << 2) >> 2;
  }
  bool IsImportAddress() const { return kind() == kAddress && (bits_ & kImportBit) != 0; }
  bool IsLocalAddress() const { return kind() == kAddress && (bits_ & kImportBit) == 0; }
  static Atom FromBits(uint64_t bits) { return Atom(bits); }

  Kind kind() const { return static_cast<Kind>(bits_ >> 62); }
  uint64_t payload() const { return bits_ & kPayloadMask; }
  uint64_t bits() const { return bits_; }
  bool operator==(const Atom&) const = default;
  bool operator<(const Atom& other) const { return bits_ < other.bits_; }
  std::string ToString() const;

 private:
  explicit Atom(uint64_t bits) : bits_(bits) {}
  uint64_t bits_;
};

// A set of at most kMaxAtoms atoms, or top (any value), or bottom (no path reaches here yet).
class ValueSet {
 public:
  static constexpr int kMaxAtoms = 4;

  static ValueSet Bottom() { return ValueSet(0); }
  static ValueSet Top() { return ValueSet(kTopCount); }
  static ValueSet Of(Atom atom) {
    ValueSet v(1);
    v.atoms_[0] = atom;
    return v;
  }
  static ValueSet Constant(uint64_t value) { return Of(Atom::Constant(value)); }
  static ValueSet Argument(int reg) { return Of(Atom::Argument(reg)); }
  static ValueSet Address(uint64_t vaddr) { return Of(Atom::Address(vaddr)); }

  bool IsTop() const { return count_ == kTopCount; }
  bool IsBottom() const { return count_ == 0; }
  // Makes this bottom, or top, without rewriting the atoms (which only count below size()).
  void SetBottom() { count_ = 0; }
  void SetTop() { count_ = kTopCount; }
  int size() const { return IsTop() ? 0 : count_; }
  Atom atom(int i) const { return atoms_[static_cast<size_t>(i)]; }
  bool AllConstants() const;

  // Set union; more than kMaxAtoms atoms, or top on either side, gives top.
  // Returns true when this set changed.
  bool Join(const ValueSet& other) {
    if (IsTop() || other.IsBottom()) return false;
    if (other.IsTop()) {
      count_ = kTopCount;
      return true;
    }
    return JoinAtoms(other);
  }
  bool Insert(Atom atom);

  // Applies `op` to every constant; a non-constant atom makes the result top.
  template <typename Op>
  ValueSet MapConstants(Op op) const {
    if (IsTop() || IsBottom()) return *this;
    ValueSet result = Bottom();
    for (int i = 0; i < count_; ++i) {
      if (atoms_[static_cast<size_t>(i)].kind() != Atom::kConstant) return Top();
      result.Insert(Atom::Constant(op(atoms_[static_cast<size_t>(i)].payload())));
    }
    return result;
  }

  bool operator==(const ValueSet& other) const;
  std::string ToString() const;

 private:
  static constexpr uint8_t kTopCount = 0xff;
  explicit ValueSet(uint8_t count) : count_(count) {}
  bool JoinAtoms(const ValueSet& other);  // Join when neither side is top

  uint8_t count_;
  std::array<Atom, kMaxAtoms> atoms_{Atom::Constant(0), Atom::Constant(0), Atom::Constant(0),
                                     Atom::Constant(0)};
};

// A word of the function's own stack frame (or of its caller's argument area) whose value
// the data flow knows: `width` bytes (4 or 8) at `offset` from %rsp at the function's entry.
struct StackSlot {
  int32_t offset = 0;
  uint8_t width = 0;
  ValueSet value = ValueSet::Top();
};

// The stack slots a state knows, at most kCapacity (forgetting one is always safe); in the
// order they were written, so the oldest goes first when room is needed. Empty (and
// allocation-free to copy) for code whose stack is not tracked.
class StackSlots {
 public:
  static constexpr size_t kCapacity = 24;

  size_t size() const { return slots_.size(); }
  const StackSlot& operator[](size_t i) const { return slots_[i]; }
  // The slot of exactly this offset and width, or null.
  const StackSlot* Find(int64_t offset, int width) const;
  // Forgets every slot overlapping [offset, offset + bytes).
  void Forget(int64_t offset, int64_t bytes);
  // Forgets every slot below `offset`.
  void ForgetBelow(int64_t offset);
  void Clear() { slots_.clear(); }
  // Stores `value` in `width` bytes at `offset` (forgetting what it overlaps).
  void Store(int64_t offset, int width, const ValueSet& value);
  // Keeps the slots both sides know, with their values joined; true when this changed.
  bool Join(const StackSlots& other);

 private:
  std::vector<StackSlot> slots_;
};

// The register file of the data flow.
struct RegisterState {
  std::array<ValueSet, kRegisterCount> regs{
      ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(),
      ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(),
      ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(),
      ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom(), ValueSet::Bottom()};

  // Known words of the stack, when %rsp is tracked (a Stack atom).
  StackSlots stack;

  // Every register holds what it held at function entry (Argument(reg)); %rsp is top.
  static RegisterState AtEntry();
  // The same with the stack tracked: %rsp is Stack(0), and 8(%rsp) holds kStackArgument0.
  static RegisterState AtEntryWithStack();
  static RegisterState AllTop();
  // No path reaches here yet (every reached state has %rsp unknown, never bottom).
  bool IsBottom() const { return regs[kRsp].IsBottom(); }
  // Back to the default state (every register bottom, no stack word known), keeping the
  // stack's storage for reuse.
  void SetBottom() {
    for (ValueSet& v : regs) v.SetBottom();
    stack.Clear();
  }
  bool Join(const RegisterState& other);
  // The value of a register, or of kStackArgument0 as the callee of a call (`jump` false:
  // the word at 0(%rsp), which the call's return address pushes to 8(%rsp)) or of a tail
  // jump (`jump` true: the word at 8(%rsp)) sees it.
  ValueSet ArgumentValue(int reg, bool jump) const;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_VALUE_SET_H_
