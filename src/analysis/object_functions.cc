// Step 4 of the object pass for one function: its jump tables, the register data flow where
// values matter, and from the states it computes, the calls, jumps out, syscall sites and
// references the function makes (see object_analyzer.cc for the whole pass).
#include <elf.h>

#include <cctype>

#include "analysis/go_abi.h"
#include "analysis/object_analyzer_impl.h"

namespace sysfence {

namespace {

// "libgcc_s.so.1", "libidn2.so.0", "libfoo.so": what a dlopen name looks like.
bool LooksLikeLibraryName(std::string_view text) {
  if (text.size() < 6 || text.size() > 64 || text.substr(0, 3) != "lib") return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '+' &&
        c != '.') {
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

}  // namespace

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
  bool go = (function.flags & kFunctionGo) != 0;
  MemoryReader reader = [this, go](uint64_t address, int bytes) {
    return ReadMemory(address, bytes, go);
  };
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
        for (int k = 0; k < target.size(); ++k)
          tail_call &= target.atom(k).kind() != Atom::kConstant;
      }
      if (!tail_call) input.every_block_unknown = true;
    });
    if (input.every_block_unknown) function.flags |= kFunctionUnresolvedJump;
  }
  auto inside = [&](uint64_t a) { return a >= function.start && a < function.end; };
  FrameModel go_frame;
  if (function.flags & kFunctionGo) {
    NormalizeGoPrologue(instructions_);
    go_frame = GoFrameModel(input.instructions,
                            [this](const Instruction& insn) { return GoCallWrites(insn); });
    input.frame = &go_frame;
  }

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
  // Register values matter only where something leaves the function: calls and jumps out
  // (their arguments), indirect ones (their targets), syscalls, and the last instruction when
  // control falls into the next piece. Everything else VisitInstruction looks at is the
  // instruction alone. Leaf code without any of them (most hand-written crypto and string
  // routines) is only scanned for the addresses it uses.
  bool needs_values = falls_into_next || unresolved_jump;
  needs_state_.assign(input.instructions.size(), 0);
  for (size_t i = 0; i < input.instructions.size(); ++i) {
    const Instruction& insn = input.instructions[i];
    switch (insn.flow) {
      case Flow::kCall:
      case Flow::kIndirectCall:
      case Flow::kIndirectJump:
      case Flow::kSyscall:
      case Flow::kInt80:
      case Flow::kSysenter:
        needs_state_[i] = 1;
        break;
      case Flow::kJump:
      case Flow::kConditionalJump:
        needs_state_[i] = !inside(insn.target);
        break;
      default:
        break;
    }
    if (insn.memory_use == MemoryUse::kCallThrough || insn.memory_use == MemoryUse::kJumpThrough) {
      needs_state_[i] = 1;
    }
    needs_values |= needs_state_[i] != 0;
  }
  if (falls_into_next && last_real < needs_state_.size()) needs_state_[last_real] = 1;
  input.needs_state = needs_state_;
  FunctionVisit at{index, function, input, reader, last_real, falls_into_next};
  auto visit = [&](size_t i, const RegisterState& state) { VisitInstruction(at, i, state); };
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

void ObjectAnalyzer::VisitInstruction(const FunctionVisit& at, size_t i,
                                      const RegisterState& state) {
  const uint32_t index = at.index;
  FunctionSummary& function = at.function;
  const DataflowInput& input = at.input;
  auto inside = [&](uint64_t a) { return a >= function.start && a < function.end; };
  const Instruction& insn = input.instructions[i];
  bool unresolved_through = false;
  // Memory operands. An address (lea) gives the code the whole region it points into; a
  // load gives it only the bytes loaded: the values relocations put there (GOT slots,
  // function pointers in tables) or, in non-PIE code, addresses stored there.
  if (insn.memory_use == MemoryUse::kAddress) {
    if (const ElfSection* section = elf_.SectionAt(insn.memory);
        section != nullptr && !section->IsWritable() && !section->IsExecutable()) {
      std::optional<std::string_view> text = ShortString(insn.memory);
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
      site.kind = insn.flow == Flow::kSyscall ? SiteKind::kSyscall
                  : insn.flow == Flow::kInt80 ? SiteKind::kInt80
                                              : SiteKind::kSysenter;
      const ValueSet& number = state.regs[kRax];
      site.number.unknown = number.IsTop() || number.IsBottom();
      site.number.count = static_cast<uint16_t>(number.size());
      site.number.begin = StoreAtoms(number);
      for (int a = 0; a < kSiteArguments; ++a) {
        // Constants and the function's own arguments only: an address is no flag or
        // request the rules could name (and a stack address is never stored).
        const ValueSet& value = state.regs[kSiteArgumentRegisters[a]];
        bool known = !value.IsTop() && !value.IsBottom();
        for (int k = 0; k < value.size(); ++k) {
          known &=
              value.atom(k).kind() == Atom::kConstant || value.atom(k).kind() == Atom::kArgument;
        }
        ValueRef& ref = site.arguments[a];
        ref.unknown = !known;
        ref.count = known ? static_cast<uint16_t>(value.size()) : 0;
        ref.begin = known ? StoreAtoms(value) : static_cast<uint32_t>(summary_.atoms.size());
      }
      summary_.sites.push_back(site);
      break;
    }
    default:
      break;
  }
  // Control running off the end of a piece goes on into the next piece: code without CFI
  // after an FDE (glibc's clone issues its syscall there), or code after code without CFI.
  // Compilers never fall from one FDE into the next, and padding is never executed.
  if (i == at.last_real && at.falls_into_next && !insn.noreturn &&
      (insn.flow == Flow::kNext || insn.flow == Flow::kCall ||
       insn.flow == Flow::kConditionalJump || insn.flow == Flow::kSyscall ||
       insn.flow == Flow::kIndirectCall)) {
    RegisterState after = state;
    ApplyInstruction(insn, at.reader, after, input.frame);
    RecordCall(index, insn, function.end, kCallIsJump | kCallFallThrough, after);
  }
}

std::optional<std::string_view> ObjectAnalyzer::ShortString(uint64_t address) const {
  std::optional<ByteView> bytes = elf_.ReadVirtualUpTo(address, 65);
  return bytes ? bytes->CString(0) : std::nullopt;
}

}  // namespace sysfence
