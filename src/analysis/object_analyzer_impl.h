// The per-object analyser that AnalyzeObject (object_analyzer.h) runs, shared by the files of
// its passes: object_analyzer.cc (the driver, decoding, what the passes record),
// object_returns.cc, object_jump_tables.cc, object_functions.cc and object_data.cc. Not for
// use outside them.
#ifndef SYSFENCE_ANALYSIS_OBJECT_ANALYZER_IMPL_H_
#define SYSFENCE_ANALYSIS_OBJECT_ANALYZER_IMPL_H_

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis/go_variables.h"
#include "analysis/instruction.h"
#include "analysis/object_summary.h"
#include "analysis/register_dataflow.h"
#include "base/result.h"
#include "elf/eh_frame.h"
#include "elf/elf_file.h"
#include "elf/go_binary.h"

namespace sysfence {

// Imported functions that never return to their caller (exit, abort, __stack_chk_fail...).
bool IsNoReturnImport(std::string_view name);

class ObjectAnalyzer {
 public:
  explicit ObjectAnalyzer(const ElfFile& elf) : elf_(elf), non_pie_(elf.type() == ET_EXEC) {}

  Result<ObjectSummary> Run(int threads);

 private:
  // A copy that analyses some of the functions on another thread (AnalyzeFunctions).
  ObjectAnalyzer(const ObjectAnalyzer&) = default;
  // Analyses every function: with `threads` > 1 and enough functions, the second half of the
  // code on a second thread, whose results are then appended as if analysed in order.
  void AnalyzeFunctions(int threads);
  // Moves what `helper` recorded for functions [first, end) behind this analyzer's records.
  void AdoptFunctions(ObjectAnalyzer& helper, uint32_t first, uint32_t end);
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
  // What the analysis of one instruction needs of its function (AnalyzeFunction).
  struct FunctionVisit {
    uint32_t index;
    FunctionSummary& function;
    const DataflowInput& input;
    const MemoryReader& reader;
    size_t last_real;      // the function's last instruction that is not padding
    bool falls_into_next;  // control can run on into the next function
  };
  // Records what instruction `i` does (calls, jumps out, syscall sites, references, the
  // addresses it loads) in the register state the data flow computed before it.
  void VisitInstruction(const FunctionVisit& at, size_t i, const RegisterState& state);
  // Records what a load of `size` bytes at `address` yields; `through` for calls and jumps
  // through memory. True when the loaded value is known (a relocation or a stored address).
  static bool IsJumpTableJump(const std::vector<JumpTable>& tables, size_t instruction);
  bool LoadValues(uint32_t function, const Instruction& insn, uint64_t address, uint64_t size,
                  bool through, uint8_t flags, const RegisterState& state);
  // `go`: the load is in Go code, where unwritten package variables keep their value.
  ValueSet ReadMemory(uint64_t address, int bytes, bool go = false) const;
  void RecordCall(uint32_t function, const Instruction& insn, uint64_t target, uint8_t flags,
                  const RegisterState& state);
  void RecordCallTo(const Instruction& insn, TargetKind kind, uint32_t target, uint8_t flags,
                    const RegisterState& state, uint32_t caller);
  void RecordReference(Reference reference);
  uint32_t StoreAtoms(const ValueSet& value);
  void CollectDataPointers();
  void CollectRoots();
  // The NUL-terminated string at `address` when it is at most 64 bytes long (library names;
  // Go's strings have no NUL, and looking for one far away costs).
  std::optional<std::string_view> ShortString(uint64_t address) const;
  // Go objects: argument sizes and the methods the runtime calls through its tables.
  void CollectGoFunctions();
  // Bytes of the caller's argument area the target of a call in Go code may write (its
  // arguments and results), or -1 when not known.
  int64_t GoCallWrites(const Instruction& insn) const;
  std::string_view FunctionName(uint32_t index) const {
    return summary_.NameOf(summary_.functions[index]);
  }

  const ElfFile& elf_;
  bool non_pie_;
  ObjectSummary summary_;
  std::vector<const ElfSection*> code_sections_;
  std::vector<const ElfRelocation*> relocations_;
  InstructionDecoder decoder_;
  std::vector<uint64_t> anchors_;        // symbol addresses in code, sorted
  std::vector<uint64_t> lea_addresses_;  // rip-relative lea addresses outside the code
  std::vector<uint64_t> decode_start_;   // per function: offset of its first instruction
  // The shape of every instruction the sketch pass walked (length 0 where none decoded), per
  // function from its begin: the full decode then probes its memo without guessing. Shared
  // with the helper of AnalyzeFunctions, which only reads it.
  struct WalkShapes {
    std::vector<InstructionShape> shapes;
    std::vector<uint32_t> begin;  // per function, and one past the last
  };
  std::shared_ptr<WalkShapes> walk_shapes_;
  std::vector<Personality> personalities_;  // from .eh_frame
  std::vector<Instruction> instructions_;   // of the function being analysed
  std::vector<char> needs_state_;  // per instruction: does VisitInstruction read the state?
  std::vector<std::vector<uint64_t>> outside_entries_;  // per function
  std::vector<uint32_t> plt_import_;                    // per function, or kNoIndex
  // Per function: can it return to its caller (see ComputeReturns)?
  std::vector<uint8_t> returns_;
  std::vector<std::vector<uint32_t>> return_depends_;  // returns if any of these returns
  // Deduplicates references within the function or region being recorded.
  std::vector<Reference> pending_references_;
  std::optional<GoBinary> go_;  // Go's build information and function table
  // Per function: Go's argument size (kGoArgsSizeUnknown when not known; kCallKeepsFrame
  // for the stack growth functions).
  std::vector<int32_t> go_args_;
  std::vector<uint32_t> go_never_return_;  // Go's panic functions
  GoVariableWrites go_variables_;          // which Go package variables are never written
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_OBJECT_ANALYZER_IMPL_H_
