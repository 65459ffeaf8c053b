// The per-object pass (see object_analyzer.h), in the order Run() performs it:
//   1. function partition (FDEs, symbols, known starts) and data regions;
//   2. decode every function; note where other code enters a function in its middle;
//   3. find PLT stubs and the import each forwards to;
//   4. per function: jump tables, register data flow, then record calls, references and
//      syscall sites from the states the data flow computed;
//   5. pointers in data (relocations; absolute words in non-PIE executables) per region;
//   6. roots: entry, init/fini, IFUNC resolvers, TLS images, copy relocations.
// One file per pass: this one drives them and holds the decoding (1, 2, 3) and what the
// passes record; object_returns.cc finds the functions that never return (before 4),
// object_jump_tables.cc the switch tables (4), object_functions.cc analyses one function (4),
// object_data.cc the pointers in data and the roots (5, 6). The class they share is in
// object_analyzer_impl.h.
#include "analysis/object_analyzer.h"

#include <elf.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <thread>
#include <unordered_map>

#include "analysis/data_regions.h"
#include "analysis/function_partition.h"
#include "analysis/go_abi.h"
#include "analysis/go_variables.h"
#include "analysis/instruction.h"
#include "analysis/object_analyzer_impl.h"
#include "analysis/register_dataflow.h"
#include "elf/eh_frame.h"
#include "elf/go_binary.h"

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

}  // namespace

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
      if (s.IsDefined() &&
          (s.type == STT_FUNC || s.type == STT_NOTYPE || s.type == STT_GNU_IFUNC) &&
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
  bool go = (f.flags & kFunctionGo) != 0;  // only Go's data flow tracks the stack
  // The sketch pass's shapes, while this walk takes the same steps.
  const InstructionShape* shape = nullptr;
  const InstructionShape* shapes_end = nullptr;
  if (walk_shapes_ && index + 1 < walk_shapes_->begin.size()) {
    shape = walk_shapes_->shapes.data() + walk_shapes_->begin[index];
    shapes_end = walk_shapes_->shapes.data() + walk_shapes_->begin[index + 1];
  }
  WalkFunction(index, [&](ByteView window, uint64_t address) -> uint8_t {
    InstructionDecoder::ShapeHint hint;
    bool hinted = shape != nullptr && shape < shapes_end && shape->length != 0;
    if (hinted) {
      hint.shape = shape[0];
      // Far enough ahead for the entry to arrive before its lookup.
      constexpr int kAhead = 2;
      if (shapes_end - shape > kAhead) {
        hint.ahead = shape[kAhead];
        for (int i = 0; i < kAhead; ++i) hint.ahead_offset += shape[i].length;
      }
    }
    Instruction& insn = instructions_.emplace_back();
    bool decoded = decoder_.Decode(window, address, insn, go, hinted ? &hint : nullptr);
    uint8_t length = decoded ? insn.length : 0;
    if (!decoded) instructions_.pop_back();
    if (shape != nullptr) {
      // A step the sketch did not take: the rest of the walk differs, decode without hints.
      shape = shape < shapes_end && shape->length == length ? shape + 1 : nullptr;
    }
    return length;
  });
  // Drop an instruction the walk abandoned when it resynchronised at a symbol (rare: compact
  // in place only then).
  auto overlaps_next = [&](size_t i) {
    return i + 1 < instructions_.size() &&
           instructions_[i].address + instructions_[i].length > instructions_[i + 1].address;
  };
  size_t kept = 0;
  for (size_t i = 0; i < instructions_.size(); ++i) {
    if (overlaps_next(i)) continue;
    if (kept != i) instructions_[kept] = instructions_[i];
    ++kept;
  }
  instructions_.resize(kept);
}

void ObjectAnalyzer::FindOutsideEntries() {
  outside_entries_.resize(summary_.functions.size());
  auto note = [&](uint64_t address, uint32_t from) {
    if (from != kNoIndex && address >= summary_.functions[from].start &&
        address < summary_.functions[from].end) {
      return;  // most branches stay inside their function
    }
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
  auto walk_shapes = std::make_shared<WalkShapes>();
  walk_shapes->begin.reserve(summary_.functions.size() + 1);
  // About one instruction in four bytes of compiled code: grown from there, the vector of a
  // large program's shapes would be copied a dozen times into fresh pages.
  uint64_t code_bytes = 0;
  for (const FunctionSummary& function : summary_.functions) {
    code_bytes += function.end - function.start;
  }
  walk_shapes->shapes.reserve(code_bytes / 4 + 16);
  size_t calls = 0;  // calls and jumps out: summary_.calls is reserved for them
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    walk_shapes->begin.push_back(static_cast<uint32_t>(walk_shapes->shapes.size()));
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
      if (!decoder_.Sketch(window, address, sketch)) {
        walk_shapes->shapes.push_back({});
        return 0;
      }
      walk_shapes->shapes.push_back(sketch.shape);
      if (go_) go_variables_.Note(sketch, non_pie_);
      padding_end = sketch.padding ? address + sketch.length : 0;
      if (sketch.code_target != 0 && IsCode(sketch.code_target)) {
        note(sketch.code_target, f);
      } else if (sketch.load_address) {
        lea_addresses_.push_back(sketch.code_target);
      }
      bool outside = sketch.code_target < function.start || sketch.code_target >= function.end;
      bool jump = sketch.flow == Flow::kJump || sketch.flow == Flow::kConditionalJump;
      calls += sketch.flow == Flow::kCall || sketch.flow == Flow::kIndirectCall ||
               sketch.flow == Flow::kIndirectJump || (jump && outside);
      if (sketch.flow == Flow::kReturn || sketch.flow == Flow::kIndirectJump) returns_[f] = 1;
      if (jump && outside) {
        uint32_t target = summary_.FunctionAt(sketch.code_target);
        if (target != kNoIndex) return_depends_[f].push_back(target);
      }
      if (!sketch.padding) last = sketch.flow;  // padding after the last instruction never runs
      return sketch.length;
    });
    bool falls_off = last != Flow::kJump && last != Flow::kIndirectJump && last != Flow::kReturn &&
                     last != Flow::kStop;
    if (falls_off && !(function.flags & kFunctionFromFde) && f + 1 < summary_.functions.size()) {
      return_depends_[f].push_back(f + 1);
    }
  }
  walk_shapes->begin.push_back(static_cast<uint32_t>(walk_shapes->shapes.size()));
  walk_shapes_ = std::move(walk_shapes);
  summary_.calls.reserve(calls);
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
            (r->type == R_X86_64_JUMP_SLOT || r->type == R_X86_64_GLOB_DAT ||
             r->type == R_X86_64_64)) {
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

ValueSet ObjectAnalyzer::ReadMemory(uint64_t address, int bytes, bool go) const {
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
  if (section == nullptr || !section->HasFileBytes()) return ValueSet::Top();
  if (section->IsWritable() && !(go && go_variables_.IsUnwritten(address, bytes))) {
    return ValueSet::Top();
  }
  std::optional<ByteView> data = elf_.ReadVirtual(address, static_cast<uint64_t>(bytes));
  if (!data) return ValueSet::Top();
  switch (bytes) {
    case 4:
      return ValueSet::Constant(*data->Read<uint32_t>(0));
    case 8:
      return ValueSet::Constant(*data->Read<uint64_t>(0));
    default:
      return ValueSet::Top();
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
    ValueSet value = state.ArgumentValue(kTrackedArgumentRegisters[slot], flags & kCallIsJump);
    if (value.IsTop() || value.IsBottom()) continue;
    bool has_address = false;
    for (int i = 0; i < value.size(); ++i) {
      Atom a = value.atom(i);
      has_address |= a.kind() == Atom::kAddress || a.kind() == Atom::kStack;
      // A code address handed to another object, or to code not known statically, escapes.
      if (a.IsLocalAddress() && (kind == TargetKind::kImport || kind == TargetKind::kIndirect) &&
          IsCode(a.payload())) {
        uint32_t f = summary_.FunctionAt(a.payload());
        if (f != kNoIndex) summary_.escaping_functions.push_back(f);
      }
    }
    if (has_address) continue;
    summary_.arguments.push_back(
        {static_cast<uint8_t>(slot), static_cast<uint8_t>(value.size()), StoreAtoms(value)});
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
    for (uint64_t at = (address + 7) & ~uint64_t{7};
         at + 8 <= address + std::max<uint64_t>(size, 8); at += 8) {
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

void ObjectAnalyzer::CollectGoFunctions() {
  go_args_.assign(summary_.functions.size(), kGoArgsSizeUnknown);
  for (const GoFunction& g : go_->table.functions) {
    uint32_t f = summary_.FunctionAt(g.entry);
    if (f == kNoIndex || summary_.functions[f].start != g.entry) continue;
    go_args_[f] = KeepsCallerFrame(g.name) ? kCallKeepsFrame : g.args;
    if (IsGoMethodName(g.name)) summary_.table_called_functions.push_back(f);
    if (IsGoNoReturn(g.name)) go_never_return_.push_back(f);
  }
}

int64_t ObjectAnalyzer::GoCallWrites(const Instruction& insn) const {
  if (insn.flow != Flow::kCall || go_args_.empty()) return kCallMayWriteFrame;
  uint32_t callee = summary_.FunctionAt(insn.target);
  if (callee == kNoIndex || summary_.functions[callee].start != insn.target) {
    return kCallMayWriteFrame;
  }
  int64_t args = go_args_[callee];
  return args >= 0 || args == kCallKeepsFrame ? args : kCallMayWriteFrame;
}

void ObjectAnalyzer::AnalyzeFunctions(int threads) {
  // Below this many functions a thread costs more than it saves.
  constexpr uint32_t kFunctionsForAThread = 2000;
  uint32_t count = static_cast<uint32_t>(summary_.functions.size());
  if (threads < 2 || count < kFunctionsForAThread) {
    for (uint32_t f = 0; f < count; ++f) AnalyzeFunction(f);
    return;
  }
  // Two halves of the code bytes take about as long each.
  uint64_t total = 0;
  for (const FunctionSummary& f : summary_.functions) total += f.end - f.start;
  uint32_t middle = 0;
  for (uint64_t bytes = 0; middle < count && 2 * bytes < total; ++middle) {
    bytes += summary_.functions[middle].end - summary_.functions[middle].start;
  }
  ObjectAnalyzer helper(*this);  // nothing has been recorded yet: the copy starts empty too
  std::thread worker([&helper, middle, count] {
    for (uint32_t f = middle; f < count; ++f) helper.AnalyzeFunction(f);
  });
  for (uint32_t f = 0; f < middle; ++f) AnalyzeFunction(f);
  worker.join();
  AdoptFunctions(helper, middle, count);
}

void ObjectAnalyzer::AdoptFunctions(ObjectAnalyzer& helper, uint32_t first, uint32_t end) {
  ObjectSummary& s = summary_;
  ObjectSummary& h = helper.summary_;
  uint32_t calls = static_cast<uint32_t>(s.calls.size());
  uint32_t arguments = static_cast<uint32_t>(s.arguments.size());
  uint32_t atoms = static_cast<uint32_t>(s.atoms.size());
  uint32_t references = static_cast<uint32_t>(s.references.size());
  uint32_t sites = static_cast<uint32_t>(s.sites.size());
  for (uint32_t f = first; f < end; ++f) {
    FunctionSummary function = h.functions[f];
    function.calls_begin += calls;
    function.references_begin += references;
    function.sites_begin += sites;
    s.functions[f] = function;
  }
  for (CallSite c : h.calls) {
    c.arguments_begin += arguments;
    s.calls.push_back(c);
  }
  for (ArgumentValue a : h.arguments) {
    a.begin += atoms;
    s.arguments.push_back(a);
  }
  s.atoms.insert(s.atoms.end(), h.atoms.begin(), h.atoms.end());
  s.references.insert(s.references.end(), h.references.begin(), h.references.end());
  for (SyscallSite site : h.sites) {
    site.number.begin += atoms;
    for (ValueRef& argument : site.arguments) argument.begin += atoms;
    s.sites.push_back(site);
  }
  for (DlopenCall& d : h.dlopen_calls) {
    d.call_site += calls;
    s.dlopen_calls.push_back(std::move(d));
  }
  for (LibraryString& l : h.library_strings) s.library_strings.push_back(std::move(l));
  s.escaping_functions.insert(s.escaping_functions.end(), h.escaping_functions.begin(),
                              h.escaping_functions.end());
}

Result<ObjectSummary> ObjectAnalyzer::Run(int threads) {
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
  Result<std::optional<GoBinary>> go = ReadGoBinary(elf_);
  if (!go.ok()) {
    summary_.notes.push_back(go.error().message() + " (Go functions bounded by symbols only)");
  } else if (*go) {
    go_ = std::move(**go);
    summary_.go_version = go_->version.empty() ? "go" : go_->version;
  }
  summary_.functions = PartitionFunctions(elf_, ranges, KnownCodeStarts(), summary_.strings,
                                          go_ ? go_->table.functions : std::vector<GoFunction>{});
  summary_.IndexRanges();
  if (go_) CollectGoFunctions();
  CollectAnchors();
  FindOutsideEntries();
  summary_.regions = PartitionDataRegions(elf_, lea_addresses_);
  summary_.IndexRanges();
  lea_addresses_ = {};
  if (go_) go_variables_.Finish(elf_);
  FindPltStubs();
  ComputeReturns();
  AnalyzeFunctions(threads);
  CollectDataPointers();
  CollectRoots();
  return std::move(summary_);
}

Result<ObjectSummary> AnalyzeObject(const ElfFile& elf, int threads) {
  return ObjectAnalyzer(elf).Run(threads);
}

}  // namespace sysfence
