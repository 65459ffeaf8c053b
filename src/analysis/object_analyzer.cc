// The per-object pass (see object_analyzer.h), in the order Run() performs it:
//   1. function partition (FDEs, symbols, known starts) and data regions;
//   2. decode every function; note where other code enters a function in its middle;
//   3. find PLT stubs and the import each forwards to;
//   4. per function: jump tables, register data flow, then record calls, references and
//      syscall sites from the states the data flow computed;
//   5. pointers in data (relocations; absolute words in non-PIE executables) per region;
//   6. roots: entry, init/fini, IFUNC resolvers, TLS images, copy relocations.
#include "analysis/object_analyzer.h"

#include <elf.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "analysis/data_regions.h"
#include "analysis/function_partition.h"
#include "analysis/instruction.h"
#include "analysis/register_dataflow.h"
#include "elf/eh_frame.h"

namespace sysfence {

NamedCallee FindNamedCallee(std::string_view name) {
  if (name == "dlopen" || name == "__libc_dlopen_mode" || name == "__dlopen") {
    return {kRdi, NameKind::kLibrary};
  }
  if (name == "dlmopen" || name == "__dlmopen") return {kRsi, NameKind::kLibrary};
  if (name == "pam_start" || name == "pam_start_confdir") return {kRdi, NameKind::kPamService};
  if (name == "dlsym" || name == "dlvsym") return {kRsi, NameKind::kSymbol};
  return {};
}

namespace {

constexpr size_t kMaxJumpTableEntries = 4096;

// dlsym's handle: RTLD_DEFAULT (0) and RTLD_NEXT (-1) name scopes; anything else is a
// handle dlopen returned, which may be any loaded object.
SymbolScope SymbolScopeOf(const ValueSet& handle) {
  if (handle.IsTop() || handle.IsBottom() || handle.size() != 1) return SymbolScope::kAnyObject;
  Atom a = handle.atom(0);
  if (a.kind() != Atom::kConstant) return SymbolScope::kAnyObject;
  if (a.payload() == 0) return SymbolScope::kGlobal;
  if (a.payload() == Atom::kPayloadMask) return SymbolScope::kNext;  // -1, masked
  return SymbolScope::kAnyObject;
}

// Imported functions that never return to their caller.
bool IsNoReturnImport(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "exit", "_exit", "_Exit", "quick_exit", "abort", "__stack_chk_fail", "__assert_fail",
      "__assert_perror_fail", "__assert", "__libc_fatal", "err", "errx", "verr", "verrx",
      "__fortify_fail", "__chk_fail", "pthread_exit", "longjmp", "_longjmp", "siglongjmp",
      "__longjmp_chk", "__cxa_throw", "__cxa_rethrow", "__cxa_bad_cast", "__cxa_bad_typeid",
      "__cxa_throw_bad_array_new_length", "__cxa_call_unexpected", "_Unwind_Resume",
      "_ZSt9terminatev"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}
constexpr size_t kJumpTableLookBack = 48;

class ObjectAnalyzer {
 public:
  explicit ObjectAnalyzer(const ElfFile& elf) : elf_(elf), non_pie_(elf.type() == ET_EXEC) {}

  Result<ObjectSummary> Run();

 private:
  // Relocations by slot address.
  const ElfRelocation* RelocationAt(uint64_t slot) const {
    auto it = std::lower_bound(relocations_.begin(), relocations_.end(), slot,
                               [](const ElfRelocation* r, uint64_t a) { return r->offset < a; });
    return it != relocations_.end() && (*it)->offset == slot ? *it : nullptr;
  }
  bool IsGot(uint64_t address) const {
    const ElfSection* section = elf_.SectionAt(address);
    return section != nullptr && (section->name == ".got" || section->name == ".got.plt");
  }
  bool IsCode(uint64_t address) const {
    for (const ElfSection* s : code_sections_) {
      if (s->Contains(address)) return true;
    }
    return false;
  }
  // A reference to a local address: a function when it is code, a region when it is data.
  std::optional<Reference> LocalReference(uint64_t address) const;
  std::vector<uint64_t> KnownCodeStarts() const;
  void CollectAnchors();
  // Walks the instructions of a function; `decode(window, address)` returns the length of
  // the instruction there, 0 when it does not decode.
  template <typename Decode>
  void WalkFunction(uint32_t index, Decode&& decode);
  // Fills instructions_ with the function's instructions.
  void DecodeFunction(uint32_t index);
  void FindOutsideEntries();
  void FindPltStubs();
  // Functions that never return: no ret, no indirect jump, and every way out is a jump to
  // another function that never returns (glibc's __libc_fatal, or imports such as abort).
  void ComputeReturns();
  std::vector<JumpTable> FindJumpTables(uint32_t function, bool& unresolved) const;
  void AnalyzeFunction(uint32_t function);
  // Records what a load of `size` bytes at `address` yields; `through` for calls and jumps
  // through memory. True when the loaded value is known (a relocation or a stored address).
  static bool IsJumpTableJump(const std::vector<JumpTable>& tables, size_t instruction);
  bool LoadValues(uint32_t function, const Instruction& insn, uint64_t address, uint64_t size,
                  bool through, uint8_t flags, const RegisterState& state);
  ValueSet ReadMemory(uint64_t address, int bytes) const;
  void RecordCall(uint32_t function, const Instruction& insn, uint64_t target, uint8_t flags,
                  const RegisterState& state);
  void RecordCallTo(const Instruction& insn, TargetKind kind, uint32_t target, uint8_t flags,
                    const RegisterState& state, uint32_t caller);
  void RecordReference(Reference reference);
  uint32_t StoreAtoms(const ValueSet& value);
  void CollectDataPointers();
  void CollectRoots();
  std::string_view FunctionName(uint32_t index) const { return summary_.NameOf(summary_.functions[index]); }

  const ElfFile& elf_;
  bool non_pie_;
  ObjectSummary summary_;
  std::vector<const ElfSection*> code_sections_;
  std::vector<const ElfRelocation*> relocations_;
  InstructionDecoder decoder_;
  std::vector<uint64_t> anchors_;            // symbol addresses in code, sorted
  std::vector<uint64_t> decode_start_;       // per function: offset of its first instruction
  std::vector<Personality> personalities_;   // from .eh_frame
  std::vector<Instruction> instructions_;    // of the function being analysed
  std::vector<std::vector<uint64_t>> outside_entries_;            // per function
  std::vector<uint32_t> plt_import_;                               // per function, or kNoIndex
  // Per function: can it return to its caller (see ComputeReturns)?
  std::vector<uint8_t> returns_;
  std::vector<std::vector<uint32_t>> return_depends_;  // returns if any of these returns
  // Deduplicates references within the function or region being recorded.
  std::vector<Reference> pending_references_;
};

std::optional<Reference> ObjectAnalyzer::LocalReference(uint64_t address) const {
  if (IsCode(address)) {
    uint32_t f = summary_.FunctionAt(address);
    if (f != kNoIndex) return Reference{ReferenceKind::kFunction, f};
    return std::nullopt;
  }
  uint32_t r = summary_.RegionAt(address);
  if (r != kNoIndex) return Reference{ReferenceKind::kRegion, r};
  return std::nullopt;
}

std::vector<uint64_t> ObjectAnalyzer::KnownCodeStarts() const {
  std::vector<uint64_t> starts;
  if (elf_.entry() != 0) starts.push_back(elf_.entry());
  const ElfDynamicInfo& d = elf_.dynamic();
  if (d.init) starts.push_back(*d.init);
  if (d.fini) starts.push_back(*d.fini);
  for (const ElfRelocation& r : elf_.relocations()) {
    if ((r.type == R_X86_64_RELATIVE || r.type == R_X86_64_IRELATIVE) &&
        IsCode(static_cast<uint64_t>(r.addend))) {
      starts.push_back(static_cast<uint64_t>(r.addend));
    }
  }
  return starts;
}

void ObjectAnalyzer::CollectAnchors() {
  // Symbols inside a function are instruction boundaries: decoding restarts there when the
  // previous instruction would straddle one (glibc starts the FDE of __restore_rt a byte
  // early, in the middle of the padding before it).
  for (const auto* table : {&elf_.symbols(), &elf_.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (s.IsDefined() && (s.type == STT_FUNC || s.type == STT_NOTYPE || s.type == STT_GNU_IFUNC) &&
          IsCode(s.value)) {
        anchors_.push_back(s.value);
      }
    }
  }
  std::sort(anchors_.begin(), anchors_.end());
  anchors_.erase(std::unique(anchors_.begin(), anchors_.end()), anchors_.end());
}

template <typename Decode>
void ObjectAnalyzer::WalkFunction(uint32_t index, Decode&& decode) {
  FunctionSummary& function = summary_.functions[index];
  std::optional<ByteView> bytes = elf_.ReadVirtual(function.start, function.end - function.start);
  if (!bytes) return;
  // An instruction may run past the piece's end when the file has the bytes: decode from a
  // view that extends up to 15 bytes further when it can.
  std::optional<ByteView> extended =
      elf_.ReadVirtual(function.start, function.end - function.start + 15);
  ByteView code = extended ? *extended : *bytes;
  auto anchor = std::upper_bound(anchors_.begin(), anchors_.end(), function.start);
  uint64_t offset = index < decode_start_.size() ? decode_start_[index] : 0;
  while (offset < bytes->size()) {
    uint64_t address = function.start + offset;
    while (anchor != anchors_.end() && *anchor <= address) ++anchor;
    ByteView window = *code.From(offset);
    uint8_t length = decode(window, address);
    if (length == 0) {
      function.flags |= kFunctionDecodeError;
      ++offset;
      continue;
    }
    if (anchor != anchors_.end() && *anchor < function.end && *anchor < address + length) {
      offset = *anchor - function.start;  // resynchronise at the symbol
      continue;
    }
    offset += length;
  }
}

void ObjectAnalyzer::DecodeFunction(uint32_t index) {
  instructions_.clear();
  const FunctionSummary& f = summary_.functions[index];
  instructions_.reserve((f.end - f.start) / 3 + 4);
  WalkFunction(index, [&](ByteView window, uint64_t address) -> uint8_t {
    Instruction insn;
    if (!decoder_.Decode(window, address, insn)) return 0;
    instructions_.push_back(insn);
    return insn.length;
  });
  // Drop an instruction the walk abandoned when it resynchronised at a symbol.
  std::vector<Instruction> kept;
  for (size_t i = 0; i < instructions_.size(); ++i) {
    if (i + 1 < instructions_.size() &&
        instructions_[i].address + instructions_[i].length > instructions_[i + 1].address) {
      continue;
    }
    kept.push_back(instructions_[i]);
  }
  if (kept.size() != instructions_.size()) instructions_.swap(kept);
}

void ObjectAnalyzer::FindOutsideEntries() {
  outside_entries_.resize(summary_.functions.size());
  auto note = [&](uint64_t address, uint32_t from) {
    uint32_t f = summary_.FunctionAt(address);
    if (f == kNoIndex || f == from || summary_.functions[f].start == address) return;
    outside_entries_[f].push_back(address);
  };
  // A cheap pass over all code: branch targets and lea addresses, no operand decoding; and
  // what ComputeReturns needs.
  returns_.assign(summary_.functions.size(), 0);
  return_depends_.assign(summary_.functions.size(), {});
  decode_start_.assign(summary_.functions.size(), 0);
  uint64_t padding_end = 0;  // end of the last piece's last instruction, when it was padding
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    const FunctionSummary& function = summary_.functions[f];
    // Padding of the previous piece that runs into this one: the piece's first instruction
    // starts after it (glibc starts the FDE of __restore_rt one byte early, inside a nop;
    // symbols, when present, say the same through anchors_).
    if (padding_end > function.start && padding_end < function.end) {
      decode_start_[f] = padding_end - function.start;
    }
    padding_end = 0;
    Flow last = Flow::kReturn;
    WalkFunction(f, [&](ByteView window, uint64_t address) -> uint8_t {
      InstructionSketch sketch;
      if (!decoder_.Sketch(window, address, sketch)) return 0;
      padding_end = sketch.padding ? address + sketch.length : 0;
      if (sketch.code_target != 0 && IsCode(sketch.code_target)) note(sketch.code_target, f);
      bool outside = sketch.code_target < function.start || sketch.code_target >= function.end;
      if (sketch.flow == Flow::kReturn || sketch.flow == Flow::kIndirectJump) returns_[f] = 1;
      if ((sketch.flow == Flow::kJump || sketch.flow == Flow::kConditionalJump) && outside) {
        uint32_t target = summary_.FunctionAt(sketch.code_target);
        if (target != kNoIndex) return_depends_[f].push_back(target);
      }
      if (!sketch.padding) last = sketch.flow;  // padding after the last instruction never runs
      return sketch.length;
    });
    bool falls_off = last != Flow::kJump && last != Flow::kIndirectJump &&
                     last != Flow::kReturn && last != Flow::kStop;
    if (falls_off && !(function.flags & kFunctionFromFde) && f + 1 < summary_.functions.size()) {
      return_depends_[f].push_back(f + 1);
    }
  }
  for (const auto* table : {&elf_.symbols(), &elf_.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (s.IsDefined() && IsCode(s.value)) note(s.value, kNoIndex);
    }
  }
  for (const ElfRelocation& r : elf_.relocations()) {
    if (r.type == R_X86_64_RELATIVE && IsCode(static_cast<uint64_t>(r.addend))) {
      note(static_cast<uint64_t>(r.addend), kNoIndex);
    }
  }
  for (auto& entries : outside_entries_) {
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  }
}

void ObjectAnalyzer::ComputeReturns() {
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    if (summary_.functions[f].flags & kFunctionPltStub) {
      returns_[f] = plt_import_[f] == kNoIndex ||
                    !IsNoReturnImport(elf_.dynamic_symbols()[plt_import_[f]].name);
    }
  }
  // Greatest fixpoint: start from "never returns", mark what can return, propagate.
  std::vector<std::vector<uint32_t>> dependents(summary_.functions.size());
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    for (uint32_t g : return_depends_[f]) dependents[g].push_back(f);
  }
  std::vector<uint32_t> work;
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    if (returns_[f]) work.push_back(f);
  }
  while (!work.empty()) {
    uint32_t g = work.back();
    work.pop_back();
    for (uint32_t f : dependents[g]) {
      if (!returns_[f]) {
        returns_[f] = 1;
        work.push_back(f);
      }
    }
  }
  return_depends_.clear();
}

void ObjectAnalyzer::FindPltStubs() {
  plt_import_.assign(summary_.functions.size(), kNoIndex);
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    FunctionSummary& function = summary_.functions[f];
    if (!(function.flags & kFunctionPltStub)) continue;
    DecodeFunction(f);
    for (const Instruction& insn : instructions_) {
      if (insn.flow == Flow::kNext && insn.op == RegisterOp::kNone &&
          insn.memory_use == MemoryUse::kNone && insn.length == 4) {
        continue;  // endbr64
      }
      if (insn.flow == Flow::kIndirectJump && insn.memory_use == MemoryUse::kJumpThrough) {
        const ElfRelocation* r = RelocationAt(insn.memory);
        if (r != nullptr && r->symbol != 0 &&
            (r->type == R_X86_64_JUMP_SLOT || r->type == R_X86_64_GLOB_DAT || r->type == R_X86_64_64)) {
          plt_import_[f] = r->symbol;
          std::string name(elf_.dynamic_symbols()[r->symbol].name);
          function.name = static_cast<uint32_t>(summary_.strings.size());
          summary_.strings += name + "@plt";
          summary_.strings.push_back('\0');
        }
      }
      break;
    }
  }
}

std::vector<JumpTable> ObjectAnalyzer::FindJumpTables(uint32_t function, bool& unresolved) const {
  std::vector<JumpTable> tables;
  const FunctionSummary& f = summary_.functions[function];
  uint32_t first = 0, last = static_cast<uint32_t>(instructions_.size());
  auto inside = [&](uint64_t a) { return a >= f.start && a < f.end; };
  for (uint32_t i = first; i < last; ++i) {
    const Instruction& insn = instructions_[i];
    if (insn.flow != Flow::kIndirectJump) continue;
    JumpTable table;
    table.instruction = i - first;
    if (insn.memory_use == MemoryUse::kJumpThrough && insn.memory_indexed) {
      // Absolute table of 8-byte addresses (non-PIE code).
      for (size_t k = 0; k < kMaxJumpTableEntries; ++k) {
        std::optional<ByteView> entry = elf_.ReadVirtual(insn.memory + 8 * k, 8);
        if (!entry) break;
        uint64_t target = *entry->Read<uint64_t>(0);
        if (!inside(target)) break;
        table.targets.push_back(target);
      }
    } else if (insn.memory_use == MemoryUse::kNone) {
      // PIC table: lea TABLE(%rip) earlier in the function, 4-byte entries relative to it.
      for (uint32_t j = i; j > first && i - j < kJumpTableLookBack; --j) {
        const Instruction& prior = instructions_[j - 1];
        if (prior.op != RegisterOp::kLoadAddress) continue;
        const ElfSection* section = elf_.SectionAt(prior.memory);
        if (section == nullptr || section->IsExecutable() || section->IsWritable()) continue;
        for (size_t k = 0; k < kMaxJumpTableEntries; ++k) {
          std::optional<ByteView> entry = elf_.ReadVirtual(prior.memory + 4 * k, 4);
          if (!entry) break;
          uint64_t target = prior.memory + static_cast<uint64_t>(static_cast<int64_t>(*entry->Read<int32_t>(0)));
          if (!inside(target)) break;
          table.targets.push_back(target);
        }
        break;
      }
    }
    if (table.targets.empty()) {
      unresolved = true;
    } else {
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

ValueSet ObjectAnalyzer::ReadMemory(uint64_t address, int bytes) const {
  if (const ElfRelocation* r = RelocationAt(address)) {
    if (r->type == R_X86_64_RELATIVE && bytes == 8) {
      return ValueSet::Address(static_cast<uint64_t>(r->addend));
    }
    if (r->symbol != 0 && bytes == 8 &&
        (r->type == R_X86_64_GLOB_DAT || r->type == R_X86_64_JUMP_SLOT || r->type == R_X86_64_64)) {
      return ValueSet::Of(Atom::ImportAddress(r->symbol));
    }
    return ValueSet::Top();
  }
  const ElfSection* section = elf_.SectionAt(address);
  if (section == nullptr || section->IsWritable() || !section->HasFileBytes()) return ValueSet::Top();
  std::optional<ByteView> data = elf_.ReadVirtual(address, static_cast<uint64_t>(bytes));
  if (!data) return ValueSet::Top();
  switch (bytes) {
    case 4: return ValueSet::Constant(*data->Read<uint32_t>(0));
    case 8: return ValueSet::Constant(*data->Read<uint64_t>(0));
    default: return ValueSet::Top();
  }
}

uint32_t ObjectAnalyzer::StoreAtoms(const ValueSet& value) {
  uint32_t begin = static_cast<uint32_t>(summary_.atoms.size());
  for (int i = 0; i < value.size(); ++i) summary_.atoms.push_back(value.atom(i).bits());
  return begin;
}

void ObjectAnalyzer::RecordReference(Reference reference) {
  if (std::find(pending_references_.begin(), pending_references_.end(), reference) ==
      pending_references_.end()) {
    pending_references_.push_back(reference);
  }
}

void ObjectAnalyzer::RecordCallTo(const Instruction& insn, TargetKind kind, uint32_t target,
                                  uint8_t flags, const RegisterState& state, uint32_t caller) {
  CallSite call;
  call.address = insn.address;
  call.target = target;
  call.target_kind = kind;
  call.flags = flags;
  call.arguments_begin = static_cast<uint32_t>(summary_.arguments.size());
  for (int slot = 0; slot < static_cast<int>(std::size(kTrackedArgumentRegisters)); ++slot) {
    const ValueSet& value = state.regs[static_cast<size_t>(kTrackedArgumentRegisters[slot])];
    if (value.IsTop() || value.IsBottom()) continue;
    bool has_address = false;
    for (int i = 0; i < value.size(); ++i) {
      Atom a = value.atom(i);
      has_address |= a.kind() == Atom::kAddress;
      // A code address handed to another object, or to code not known statically, escapes.
      if (a.IsLocalAddress() && (kind == TargetKind::kImport || kind == TargetKind::kIndirect) &&
          IsCode(a.payload())) {
        uint32_t f = summary_.FunctionAt(a.payload());
        if (f != kNoIndex) summary_.escaping_functions.push_back(f);
      }
    }
    if (has_address) continue;
    summary_.arguments.push_back({static_cast<uint8_t>(slot), static_cast<uint8_t>(value.size()),
                                  StoreAtoms(value)});
  }
  call.arguments_count = static_cast<uint32_t>(summary_.arguments.size()) - call.arguments_begin;
  uint32_t call_index = static_cast<uint32_t>(summary_.calls.size());
  summary_.calls.push_back(call);

  // dlopen-like callee: record the library names it may be given.
  std::string_view callee_name;
  if (kind == TargetKind::kImport) {
    callee_name = elf_.dynamic_symbols()[target].name;
  } else if (kind == TargetKind::kFunction) {
    callee_name = FunctionName(target);
  }
  NamedCallee callee = FindNamedCallee(callee_name);
  if (callee.name_register < 0) return;
  DlopenCall dlopen;
  dlopen.function = caller;
  dlopen.call_site = call_index;
  dlopen.kind = callee.kind;
  const ValueSet& name = state.regs[static_cast<size_t>(callee.name_register)];
  if (name.IsTop() || name.IsBottom()) {
    dlopen.unknown_name = true;
  } else {
    for (int i = 0; i < name.size(); ++i) {
      Atom a = name.atom(i);
      std::optional<std::string_view> text;
      if (a.IsLocalAddress() || (non_pie_ && a.kind() == Atom::kConstant)) {
        text = elf_.ReadVirtualString(a.payload());
      }
      if (text && !text->empty()) {
        dlopen.names.emplace_back(*text);
      } else if (!(a.kind() == Atom::kConstant && a.payload() == 0)) {  // dlopen(NULL)
        dlopen.unknown_name = true;
      }
    }
  }
  if (callee.kind == NameKind::kSymbol) dlopen.scope = SymbolScopeOf(state.regs[kRdi]);
  summary_.dlopen_calls.push_back(std::move(dlopen));
}

void ObjectAnalyzer::RecordCall(uint32_t function, const Instruction& insn, uint64_t target,
                                uint8_t flags, const RegisterState& state) {
  if (!IsCode(target)) return;
  uint32_t callee = summary_.FunctionAt(target);
  if (callee == kNoIndex) return;
  if (summary_.functions[callee].start != target) flags |= kCallMidFunction;
  if (plt_import_[callee] != kNoIndex && !(flags & kCallMidFunction)) {
    RecordCallTo(insn, TargetKind::kImport, plt_import_[callee], flags, state, function);
  } else {
    RecordCallTo(insn, TargetKind::kFunction, callee, flags, state, function);
  }
}

// "libgcc_s.so.1", "libidn2.so.0", "libfoo.so": what a dlopen name looks like.
bool LooksLikeLibraryName(std::string_view text) {
  if (text.size() < 6 || text.size() > 64 || text.substr(0, 3) != "lib") return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '+' && c != '.') {
      return false;
    }
  }
  size_t so = text.find(".so");
  if (so == std::string_view::npos) return false;
  std::string_view version = text.substr(so + 3);
  return version.empty() ||
         (version[0] == '.' && std::all_of(version.begin() + 1, version.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
          }));
}

bool ObjectAnalyzer::IsJumpTableJump(const std::vector<JumpTable>& tables, size_t instruction) {
  for (const JumpTable& t : tables) {
    if (t.instruction == instruction) return true;
  }
  return false;
}

bool ObjectAnalyzer::LoadValues(uint32_t function, const Instruction& insn, uint64_t address,
                                uint64_t size, bool through, uint8_t flags,
                                const RegisterState& state) {
  bool resolved = false;
  // Relocated words overlapping [address, address + size).
  uint64_t first = address >= 7 ? address - 7 : 0;
  auto it = std::lower_bound(relocations_.begin(), relocations_.end(), first,
                             [](const ElfRelocation* r, uint64_t a) { return r->offset < a; });
  for (; it != relocations_.end() && (*it)->offset < address + size; ++it) {
    const ElfRelocation& r = **it;
    switch (r.type) {
      case R_X86_64_GLOB_DAT:
      case R_X86_64_JUMP_SLOT:
      case R_X86_64_64:
        if (r.symbol != 0) {
          if (through) {
            RecordCallTo(insn, TargetKind::kImport, r.symbol, flags, state, function);
          } else {
            RecordReference({ReferenceKind::kImportAddress, r.symbol});
          }
          resolved = true;
          break;
        }
        [[fallthrough]];
      case R_X86_64_RELATIVE: {
        uint64_t value = static_cast<uint64_t>(r.addend);
        if (through) {
          RecordCall(function, insn, value, flags, state);
        } else if (auto ref = LocalReference(value)) {
          RecordReference(*ref);
        }
        resolved = true;
        break;
      }
      case R_X86_64_IRELATIVE: {
        uint32_t resolver = summary_.FunctionAt(static_cast<uint64_t>(r.addend));
        if (resolver != kNoIndex) {
          if (through) {
            RecordCallTo(insn, TargetKind::kIfunc, resolver, flags, state, function);
          } else {
            RecordReference({ReferenceKind::kIfunc, resolver});
          }
        }
        resolved = true;
        break;
      }
      default:
        break;
    }
  }
  if (non_pie_ && !resolved) {
    // Addresses the static linker stored: aligned words inside the loaded bytes.
    for (uint64_t at = (address + 7) & ~uint64_t{7}; at + 8 <= address + std::max<uint64_t>(size, 8);
         at += 8) {
      std::optional<ByteView> word = elf_.ReadVirtual(at, 8);
      if (!word) break;
      uint64_t value = *word->Read<uint64_t>(0);
      if (value < 0x1000) continue;
      if (through && IsCode(value)) {
        RecordCall(function, insn, value, flags, state);
        resolved = true;
      } else if (!through) {
        if (auto ref = LocalReference(value)) RecordReference(*ref);
      }
    }
  }
  return resolved;
}

void ObjectAnalyzer::AnalyzeFunction(uint32_t index) {
  DecodeFunction(index);
  FunctionSummary& function = summary_.functions[index];
  for (Instruction& insn : instructions_) {
    if (insn.flow == Flow::kCall) {
      uint32_t callee = summary_.FunctionAt(insn.target);
      insn.noreturn = callee != kNoIndex && summary_.functions[callee].start == insn.target &&
                      !returns_[callee];
    } else if (insn.flow == Flow::kIndirectCall && insn.memory_use == MemoryUse::kCallThrough) {
      const ElfRelocation* r = RelocationAt(insn.memory);
      insn.noreturn = r != nullptr && r->symbol != 0 &&
                      IsNoReturnImport(elf_.dynamic_symbols()[r->symbol].name);
    }
  }
  // Bytes without CFI that do not even decode are data placed in the code section (tables
  // in hand-written assembly): whatever they "contain" never runs.
  if ((function.flags & kFunctionDecodeError) && !(function.flags & kFunctionFromFde) &&
      !(function.flags & kFunctionPltStub)) {
    instructions_.clear();
  }
  uint32_t first = 0, last = static_cast<uint32_t>(instructions_.size());
  function.calls_begin = static_cast<uint32_t>(summary_.calls.size());
  function.sites_begin = static_cast<uint32_t>(summary_.sites.size());
  pending_references_.clear();

  DataflowInput input;
  input.instructions = std::span<const Instruction>(instructions_.data() + first, last - first);
  input.start = function.start;
  input.end = function.end;
  input.outside_entries = outside_entries_[index];
  bool unresolved_jump = false;
  input.jump_tables = FindJumpTables(index, unresolved_jump);
  MemoryReader reader = [this](uint64_t address, int bytes) { return ReadMemory(address, bytes); };
  if (unresolved_jump) {
    // An indirect jump without a table is either a tail call through a pointer (its target
    // register holds a function's address, an import's, or an argument) or a switch whose
    // table was not found, which may land on any instruction: then every block starts
    // unknown.
    function.flags |= kFunctionIndirectCall;
    RunDataflow(input, reader, [&](size_t i, const RegisterState& state) {
      const Instruction& insn = input.instructions[i];
      if (insn.flow != Flow::kIndirectJump || IsJumpTableJump(input.jump_tables, i) ||
          insn.memory_use != MemoryUse::kNone) {
        return;
      }
      bool tail_call = insn.call_register < kRegisterCount;
      if (tail_call) {
        const ValueSet& target = state.regs[insn.call_register];
        tail_call = target.size() > 0;
        for (int k = 0; k < target.size(); ++k) tail_call &= target.atom(k).kind() != Atom::kConstant;
      }
      if (!tail_call) input.every_block_unknown = true;
    });
    if (input.every_block_unknown) function.flags |= kFunctionUnresolvedJump;
  }
  auto inside = [&](uint64_t a) { return a >= function.start && a < function.end; };

  bool falls_into_next = false;
  size_t last_real = 0;  // the last instruction that is not padding
  if (index + 1 < summary_.functions.size() && !(function.flags & kFunctionPltStub)) {
    const FunctionSummary& next = summary_.functions[index + 1];
    bool all_padding = true;
    for (uint32_t i = first; i < last && all_padding; ++i) all_padding = instructions_[i].padding;
    for (uint32_t i = first; i < last; ++i) {
      if (!instructions_[i].padding) last_real = i;
    }
    falls_into_next = next.start == function.end && !all_padding &&
                      (!(function.flags & kFunctionFromFde) || !(next.flags & kFunctionFromFde));
  }
  auto visit = [&](size_t i, const RegisterState& state) {
    const Instruction& insn = input.instructions[i];
    bool unresolved_through = false;
    // Memory operands. An address (lea) gives the code the whole region it points into; a
    // load gives it only the bytes loaded: the values relocations put there (GOT slots,
    // function pointers in tables) or, in non-PIE code, addresses stored there.
    if (insn.memory_use == MemoryUse::kAddress) {
      if (const ElfSection* section = elf_.SectionAt(insn.memory);
          section != nullptr && !section->IsWritable() && !section->IsExecutable()) {
        std::optional<std::string_view> text = elf_.ReadVirtualString(insn.memory);
        if (text && LooksLikeLibraryName(*text)) {
          bool known = false;
          for (const LibraryString& l : summary_.library_strings) {
            known |= l.function == index && l.name == *text;
          }
          if (!known) summary_.library_strings.push_back({index, std::string(*text)});
        }
      }
      if (IsGot(insn.memory)) {
        // A TLS descriptor in the GOT (lea x@tlsgd(%rip) for __tls_get_addr) holds no code
        // address. Otherwise this is the GOT's own address (large code model): every slot
        // may be loaded.
        const ElfRelocation* r = RelocationAt(insn.memory);
        bool tls = r != nullptr && (r->type == R_X86_64_DTPMOD64 || r->type == R_X86_64_DTPOFF64 ||
                                    r->type == R_X86_64_TPOFF64 || r->type == R_X86_64_TLSDESC);
        const ElfSection* got = elf_.SectionAt(insn.memory);
        if (!tls) LoadValues(index, insn, got->address, got->size, false, 0, state);
      } else if (auto ref = LocalReference(insn.memory)) {
        RecordReference(*ref);
      }
    } else if (insn.memory_use == MemoryUse::kRead || insn.memory_use == MemoryUse::kCallThrough ||
               insn.memory_use == MemoryUse::kJumpThrough) {
      bool through = insn.memory_use != MemoryUse::kRead;
      uint8_t flags = insn.memory_use == MemoryUse::kJumpThrough ? kCallIsJump : 0;
      bool resolved = false;
      if (insn.memory_indexed) {
        // table[i]: any element may be loaded.
        if (auto ref = LocalReference(insn.memory); ref && ref->kind == ReferenceKind::kRegion) {
          RecordReference(*ref);
        }
      } else {
        uint64_t size = std::max<uint64_t>(insn.memory_size, through ? 8 : 1);
        resolved = LoadValues(index, insn, insn.memory, size, through, flags, state);
      }
      if (through && !resolved) {
        function.flags |= kFunctionIndirectCall;
        unresolved_through = true;
      }
    }
    if (non_pie_ && insn.absolute_immediate >= 0x1000) {
      if (auto ref = LocalReference(insn.absolute_immediate)) RecordReference(*ref);
    }
    switch (insn.flow) {
      case Flow::kCall:
        RecordCall(index, insn, insn.target, 0, state);
        break;
      case Flow::kJump:
      case Flow::kConditionalJump:
        if (!inside(insn.target)) RecordCall(index, insn, insn.target, kCallIsJump, state);
        break;
      case Flow::kIndirectCall:
      case Flow::kIndirectJump:
        // Through a register, or through memory LoadValues could not resolve (it set the
        // flag then). Jump tables were resolved before the data flow.
        if ((insn.memory_use == MemoryUse::kNone && !IsJumpTableJump(input.jump_tables, i)) ||
            unresolved_through) {
          function.flags |= kFunctionIndirectCall;
          uint8_t flags = insn.flow == Flow::kIndirectJump ? kCallIsJump : 0;
          if (insn.call_register < kRegisterCount) {
            const ValueSet& target = state.regs[insn.call_register];
            bool imports = target.size() > 0;
            for (int k = 0; k < target.size(); ++k) imports &= target.atom(k).IsImportAddress();
            if (imports) flags |= kCallTargetIsImport;
          }
          RecordCallTo(insn, TargetKind::kIndirect, kNoIndex, flags, state, index);
        }
        break;
      case Flow::kSyscall:
      case Flow::kInt80:
      case Flow::kSysenter: {
        SyscallSite site;
        site.address = insn.address;
        site.kind = insn.flow == Flow::kSyscall  ? SiteKind::kSyscall
                    : insn.flow == Flow::kInt80 ? SiteKind::kInt80
                                                : SiteKind::kSysenter;
        const ValueSet& number = state.regs[kRax];
        site.number.unknown = number.IsTop() || number.IsBottom();
        site.number.count = static_cast<uint16_t>(number.size());
        site.number.begin = StoreAtoms(number);
        summary_.sites.push_back(site);
        break;
      }
      default:
        break;
    }
    // Control running off the end of a piece goes on into the next piece: code without CFI
    // after an FDE (glibc's clone issues its syscall there), or code after code without CFI.
    // Compilers never fall from one FDE into the next, and padding is never executed.
    if (i == last_real && falls_into_next && !insn.noreturn &&
        (insn.flow == Flow::kNext || insn.flow == Flow::kCall || insn.flow == Flow::kConditionalJump ||
         insn.flow == Flow::kSyscall || insn.flow == Flow::kIndirectCall)) {
      RegisterState after = state;
      ApplyInstruction(insn, reader, after);
      RecordCall(index, insn, function.end, kCallIsJump | kCallFallThrough, after);
    }
  };
  // Register values matter only where something leaves the function (calls, jumps out,
  // syscalls). Leaf code without any of them (most hand-written crypto and string routines)
  // is only scanned for the addresses it uses.
  bool needs_values = falls_into_next || unresolved_jump;
  for (const Instruction& insn : instructions_) {
    switch (insn.flow) {
      case Flow::kCall:
      case Flow::kIndirectCall:
      case Flow::kIndirectJump:
      case Flow::kSyscall:
      case Flow::kInt80:
      case Flow::kSysenter:
        needs_values = true;
        break;
      case Flow::kJump:
      case Flow::kConditionalJump:
        needs_values |= !inside(insn.target);
        break;
      default:
        break;
    }
    if (insn.memory_use == MemoryUse::kCallThrough || insn.memory_use == MemoryUse::kJumpThrough) {
      needs_values = true;
    }
    if (needs_values) break;
  }
  if (needs_values) {
    RunDataflow(input, reader, visit);
  } else {
    RegisterState unknown = RegisterState::AllTop();
    for (size_t i = 0; i < instructions_.size(); ++i) visit(i, unknown);
  }
  function.calls_count = static_cast<uint32_t>(summary_.calls.size()) - function.calls_begin;
  function.sites_count = static_cast<uint32_t>(summary_.sites.size()) - function.sites_begin;
  function.references_begin = static_cast<uint32_t>(summary_.references.size());
  function.references_count = static_cast<uint32_t>(pending_references_.size());
  summary_.references.insert(summary_.references.end(), pending_references_.begin(),
                             pending_references_.end());
}

void ObjectAnalyzer::CollectDataPointers() {
  std::vector<std::vector<Reference>> per_region(summary_.regions.size());
  auto add = [&](uint64_t slot, Reference ref) {
    uint32_t region = summary_.RegionAt(slot);
    if (region == kNoIndex) return;
    auto& list = per_region[region];
    if (std::find(list.begin(), list.end(), ref) == list.end()) list.push_back(ref);
  };
  for (const ElfRelocation& r : elf_.relocations()) {
    // GOT slots are followed where code loads them (LoadValues), not as data.
    if (IsGot(r.offset)) continue;
    switch (r.type) {
      case R_X86_64_RELATIVE:
        if (auto ref = LocalReference(static_cast<uint64_t>(r.addend))) add(r.offset, *ref);
        break;
      case R_X86_64_64:
      case R_X86_64_GLOB_DAT:
      case R_X86_64_JUMP_SLOT:
        if (r.symbol != 0) {
          add(r.offset, {ReferenceKind::kImportAddress, r.symbol});
        } else if (auto ref = LocalReference(static_cast<uint64_t>(r.addend))) {
          add(r.offset, *ref);
        }
        break;
      case R_X86_64_IRELATIVE: {
        uint32_t resolver = summary_.FunctionAt(static_cast<uint64_t>(r.addend));
        if (resolver != kNoIndex) add(r.offset, {ReferenceKind::kIfunc, resolver});
        break;
      }
      case R_X86_64_COPY: {
        uint32_t region = summary_.RegionAt(r.offset);
        if (region != kNoIndex && r.symbol != 0) summary_.copies.push_back({region, r.symbol});
        break;
      }
      default:
        break;
    }
  }
  if (non_pie_) {
    // No relocations: any aligned word holding an address of this object may be a pointer.
    for (const ElfSection& section : elf_.sections()) {
      if (!section.IsAllocated() || section.IsExecutable() || !section.HasFileBytes() ||
          section.type == SHT_NOTE || section.name == ".eh_frame" || section.name == ".eh_frame_hdr") {
        continue;
      }
      std::optional<ByteView> bytes = elf_.bytes().Sub(section.offset, section.size);
      if (!bytes) continue;
      uint64_t first = (section.address + 7) & ~uint64_t{7};
      for (uint64_t at = first; at + 8 <= section.address + section.size; at += 8) {
        uint64_t value = *bytes->Read<uint64_t>(at - section.address);
        if (value < 0x1000 || RelocationAt(at) != nullptr) continue;
        if (auto ref = LocalReference(value)) add(at, *ref);
      }
    }
  }
  // Function pointers stored in exported data objects escape to every object.
  for (const ElfSymbol& sym : elf_.dynamic_symbols()) {
    if (!sym.IsDefined() || !sym.IsObject() || sym.size == 0) continue;
    auto it = std::lower_bound(relocations_.begin(), relocations_.end(), sym.value,
                               [](const ElfRelocation* r, uint64_t a) { return r->offset < a; });
    for (; it != relocations_.end() && (*it)->offset < sym.value + sym.size; ++it) {
      if ((*it)->type != R_X86_64_RELATIVE) continue;
      uint32_t f = summary_.FunctionAt(static_cast<uint64_t>((*it)->addend));
      if (f != kNoIndex && IsCode(static_cast<uint64_t>((*it)->addend))) {
        summary_.escaping_functions.push_back(f);
      }
    }
  }
  std::sort(summary_.escaping_functions.begin(), summary_.escaping_functions.end());
  summary_.escaping_functions.erase(
      std::unique(summary_.escaping_functions.begin(), summary_.escaping_functions.end()),
      summary_.escaping_functions.end());
  for (size_t region = 0; region < per_region.size(); ++region) {
    DataRegion& r = summary_.regions[region];
    r.references_begin = static_cast<uint32_t>(summary_.references.size());
    r.references_count = static_cast<uint32_t>(per_region[region].size());
    summary_.references.insert(summary_.references.end(), per_region[region].begin(),
                               per_region[region].end());
  }
}

void ObjectAnalyzer::CollectRoots() {
  if (elf_.entry() != 0) summary_.entry_function = summary_.FunctionAt(elf_.entry());
  auto add = [&](std::vector<uint32_t>& list, uint64_t address) {
    uint32_t f = summary_.FunctionAt(address);
    if (f != kNoIndex) list.push_back(f);
  };
  const ElfDynamicInfo& d = elf_.dynamic();
  if (d.init) add(summary_.init_functions, *d.init);
  if (d.fini) add(summary_.fini_functions, *d.fini);
  struct FunctionArray {
    uint64_t address, size;
    bool fini;
  };
  std::vector<FunctionArray> arrays = {{d.init_array, d.init_array_size, false},
                                       {d.fini_array, d.fini_array_size, true},
                                       {d.preinit_array, d.preinit_array_size, false}};
  if (!d.present) {  // static executables: the sections themselves
    for (const ElfSection& s : elf_.sections()) {
      if (s.type == SHT_INIT_ARRAY || s.type == SHT_FINI_ARRAY || s.type == SHT_PREINIT_ARRAY) {
        arrays.push_back({s.address, s.size, s.type == SHT_FINI_ARRAY});
      }
    }
  }
  for (const FunctionArray& array : arrays) {
    std::vector<uint32_t>& list = array.fini ? summary_.fini_functions : summary_.init_functions;
    std::vector<SymbolSlot>& symbols = array.fini ? summary_.fini_symbols : summary_.init_symbols;
    uint64_t end = array.address + array.size;
    for (uint64_t slot = array.address; slot + 8 <= end && array.size < (1u << 24); slot += 8) {
      const ElfRelocation* r = RelocationAt(slot);
      if (r == nullptr) {
        std::optional<ByteView> word = elf_.ReadVirtual(slot, 8);
        if (word) add(list, *word->Read<uint64_t>(0));
        continue;
      }
      switch (r->type) {
        case R_X86_64_RELATIVE:
          add(list, static_cast<uint64_t>(r->addend));
          break;
        case R_X86_64_IRELATIVE:  // the slot holds what the resolver returns
          add(summary_.ifunc_resolvers, static_cast<uint64_t>(r->addend));
          break;
        case R_X86_64_64:
        case R_X86_64_GLOB_DAT:
        case R_X86_64_JUMP_SLOT:
          if (r->symbol == 0) {  // no symbol: the addend is the address
            add(list, static_cast<uint64_t>(r->addend));
          } else {
            symbols.push_back({r->symbol, 0, r->type == R_X86_64_64 ? r->addend : 0});
          }
          break;
        default:
          summary_.notes.push_back(fmt::format(
              "{}: relocation type {} fills the {} slot at {:#x}: the function it names is not "
              "followed",
              elf_.path(), r->type, array.fini ? "finaliser" : "initialiser", slot));
          break;
      }
    }
  }
  for (const ElfRelocation& r : elf_.relocations()) {
    if (r.type != R_X86_64_IRELATIVE) continue;
    uint32_t f = summary_.FunctionAt(static_cast<uint64_t>(r.addend));
    if (f != kNoIndex) summary_.ifunc_resolvers.push_back(f);
  }
  for (const auto* table : {&elf_.symbols(), &elf_.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (!s.IsDefined() || !s.IsIfunc()) continue;
      uint32_t f = summary_.FunctionAt(s.value);
      if (f != kNoIndex) summary_.ifunc_resolvers.push_back(f);
    }
  }
  std::sort(summary_.ifunc_resolvers.begin(), summary_.ifunc_resolvers.end());
  summary_.ifunc_resolvers.erase(
      std::unique(summary_.ifunc_resolvers.begin(), summary_.ifunc_resolvers.end()),
      summary_.ifunc_resolvers.end());
  // The unwinder calls the personality routines .eh_frame names (through a data word holding
  // the address, or directly): reachable whenever code of this object may unwind.
  for (const Personality& p : personalities_) {
    if (p.indirect) {
      uint32_t region = summary_.RegionAt(p.address);
      if (region != kNoIndex) summary_.root_regions.push_back(region);
    } else if (IsCode(p.address)) {
      uint32_t f = summary_.FunctionAt(p.address);
      if (f != kNoIndex) summary_.unwind_functions.push_back(f);
    }
  }
  for (const ElfSection& s : elf_.sections()) {
    // .tbss has no addresses of its own (it overlaps what follows it).
    if (!(s.flags & SHF_TLS) || !s.IsAllocated() || !s.HasFileBytes()) continue;
    for (uint32_t r = 0; r < summary_.regions.size(); ++r) {
      if (s.Contains(summary_.regions[r].start)) summary_.root_regions.push_back(r);
    }
  }
}

Result<ObjectSummary> ObjectAnalyzer::Run() {
  for (const ElfSection& s : elf_.sections()) {
    if (s.IsAllocated() && s.IsExecutable() && s.HasFileBytes()) code_sections_.push_back(&s);
  }
  for (const ElfRelocation& r : elf_.relocations()) relocations_.push_back(&r);
  std::sort(relocations_.begin(), relocations_.end(),
            [](const ElfRelocation* a, const ElfRelocation* b) { return a->offset < b->offset; });

  Result<EhFrame> fdes = ReadEhFrame(elf_);
  std::vector<FdeRange> ranges;
  if (fdes.ok()) {
    ranges = std::move(fdes->ranges);
    personalities_ = std::move(fdes->personalities);
  } else {
    summary_.notes.push_back(fdes.error().message() + " (function bounds from symbols only)");
  }
  summary_.functions = PartitionFunctions(elf_, ranges, KnownCodeStarts(), summary_.strings);
  summary_.regions = PartitionDataRegions(elf_);
  CollectAnchors();
  FindOutsideEntries();
  FindPltStubs();
  ComputeReturns();
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) AnalyzeFunction(f);
  CollectDataPointers();
  CollectRoots();
  return std::move(summary_);
}

}  // namespace

Result<ObjectSummary> AnalyzeObject(const ElfFile& elf) { return ObjectAnalyzer(elf).Run(); }

}  // namespace sysfence
