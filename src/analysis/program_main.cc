// Finding main (see program_main.h): glibc's _start sets %rdi to main (`lea main(%rip),%rdi`
// in PIE code, `mov $main,%rdi` otherwise) and calls __libc_start_main, directly in a static
// program, through the GOT or the PLT in a dynamic one.
#include "analysis/program_main.h"

#include <elf.h>

#include "analysis/instruction.h"
#include "analysis/value_set.h"

namespace sysfence {
namespace {

bool IsFunctionStart(const ObjectSummary& summary, uint64_t address) {
  uint32_t f = summary.FunctionAt(address);
  return f != kNoIndex && summary.functions[f].start == address;
}

bool ImportsLibcStartMain(const ElfFile& elf) {
  for (const ElfSymbol& s : elf.dynamic_symbols()) {
    if (!s.IsDefined() && s.name == "__libc_start_main") return true;
  }
  return false;
}

}  // namespace

Result<uint64_t> FindMainAddress(const ElfFile& elf, const ObjectSummary& summary) {
  for (const auto* table : {&elf.symbols(), &elf.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (s.IsDefined() && s.IsFunction() && s.name == "main" &&
          IsFunctionStart(summary, s.value)) {
        return s.value;
      }
    }
  }
  if (summary.entry_function == kNoIndex) {
    return MakeError("cannot find main: no symbol 'main' and no entry point");
  }
  // A dynamic program must import __libc_start_main for _start's first call to be it; a
  // static one carries it (stripped or not, the call is direct).
  bool is_static = elf.interpreter().empty();
  if (!is_static && !ImportsLibcStartMain(elf)) {
    return MakeError(
        "cannot find main: no symbol 'main' and the program does not call "
        "__libc_start_main");
  }
  const FunctionSummary& entry = summary.functions[summary.entry_function];
  InstructionDecoder decoder;
  std::optional<uint64_t> rdi;
  for (uint64_t address = elf.entry(); address < entry.end;) {
    std::optional<ByteView> bytes =
        elf.ReadVirtual(address, std::min<uint64_t>(15, entry.end - address));
    Instruction insn;
    if (!bytes || !decoder.Decode(*bytes, address, insn)) break;
    if (insn.flow == Flow::kCall || insn.flow == Flow::kIndirectCall) {
      if (rdi && IsFunctionStart(summary, *rdi)) return *rdi;
      break;
    }
    if (insn.flow != Flow::kNext) break;
    if (insn.dst == kRdi && insn.op == RegisterOp::kLoadAddress) {
      rdi = insn.memory;
    } else if (insn.dst == kRdi && insn.op == RegisterOp::kMoveImmediate) {
      rdi = insn.immediate;
    } else if (insn.dst == kRdi || (insn.clobbered & (1u << kRdi))) {
      rdi.reset();
    }
    address += insn.length;
  }
  return MakeError(
      "cannot find main: no symbol 'main', and the entry point at {:#x} does not "
      "pass a function's address to __libc_start_main the way glibc's _start does",
      elf.entry());
}

}  // namespace sysfence
