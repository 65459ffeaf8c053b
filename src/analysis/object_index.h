// Lookups over one object that do not depend on the program loading it: its exported
// dynamic symbols by name (what the loader's lookup searches) and its call sites by target
// (who calls a function of the object, who calls an imported symbol). A shared SummaryPool
// builds one per library and every program of a scan reuses it; LinkedProgram builds one for
// an object it was given without.
//
//   ObjectIndex index(elf, summary);
//   for (const IncomingCall& c : index.CallsTo(f)) ... summary->calls[c.call] ...;
#ifndef SYSFENCE_ANALYSIS_OBJECT_INDEX_H_
#define SYSFENCE_ANALYSIS_OBJECT_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/object_summary.h"
#include "elf/elf_file.h"

namespace sysfence {

// A call site of the object: the calling function and the call's index in
// ObjectSummary::calls.
struct IncomingCall {
  uint32_t function = 0;
  uint32_t call = 0;
};

// A symbol name with its hash, computed once for a lookup that probes every object.
struct HashedName {
  explicit HashedName(std::string_view n) : name(n), hash(std::hash<std::string_view>{}(n)) {}
  std::string_view name;
  size_t hash;
  bool operator==(const HashedName& other) const { return name == other.name; }
};

class ObjectIndex {
 public:
  // `elf` and `summary` must outlive the index (they are the object's, held beside it).
  ObjectIndex(const ElfFile& elf, const ObjectSummary& summary);
  ObjectIndex(const ObjectIndex&) = delete;
  ObjectIndex& operator=(const ObjectIndex&) = delete;

  // Calls `visit(symbol)` for each defined, visible dynamic symbol (global, weak, unique)
  // named `name`, the highest symbol index first, until it returns true.
  template <typename Visit>
  void VisitExports(const HashedName& name, Visit&& visit) const {
    if (export_slots_.empty()) return;
    uint32_t tag = ExportTag(name);
    for (size_t i = name.hash & export_mask_; export_slots_[i].symbol != 0;
         i = (i + 1) & export_mask_) {
      const ExportSlot& slot = export_slots_[i];
      if (slot.tag == tag && elf_.dynamic_symbols()[slot.symbol].name == name.name &&
          visit(slot.symbol)) {
        return;
      }
    }
  }
  // False when the object surely exports no symbol of that name (a Bloom filter: a symbol
  // lookup probes every object in load order, and most probes miss).
  bool MayExport(const HashedName& name) const {
    size_t bit1 = name.hash & bloom_mask_, bit2 = (name.hash >> 32) & bloom_mask_;
    return ((bloom_[bit1 / 64] >> (bit1 % 64)) & (bloom_[bit2 / 64] >> (bit2 % 64)) & 1) != 0;
  }

  const ElfFile& elf() const { return elf_; }
  const ObjectSummary& summary() const { return summary_; }

  // FindFunctionByName (function_locator.h) through a table of the object's function names,
  // built on first use; thread-safe.
  uint32_t FunctionNamed(std::string_view name) const;

  // The function (ObjectSummary::FunctionAt) at the value of dynamic symbol `symbol`, or
  // kNoIndex: what binding to the symbol calls.
  uint32_t SymbolFunction(uint32_t symbol) const {
    return symbol < symbol_functions_.size() ? symbol_functions_[symbol] : kNoIndex;
  }

  // The calls whose target is function `function` of the object (TargetKind::kFunction),
  // and those whose target is its dynamic symbol `symbol` (kImport), in call order. Built on
  // first use; thread-safe.
  std::span<const IncomingCall> CallsTo(uint32_t function) const;
  std::span<const IncomingCall> CallsToImport(uint32_t symbol) const;
  // The dynamic symbols some call of the object names (kImport targets), ascending.
  std::span<const uint32_t> CalledImports() const;

  // ObjectSummary::calls packed for the reachability walk, one word per call in the same
  // order: the TargetKind in the top two bits, the target below (0 for kIndirect). A walk
  // over every call of a large library reads 4 bytes per call instead of a whole CallSite.
  // Empty when a target does not fit in 30 bits.
  static constexpr int kPackedKindShift = 30;
  static constexpr uint32_t kPackedTargetMask = (uint32_t{1} << kPackedKindShift) - 1;
  std::span<const uint32_t> PackedCalls() const { return packed_calls_; }

 private:
  void BuildCalls() const;

  // The exports, open addressing with linear probing from hash & export_mask_: one probe
  // reads a word, where a node-based multimap chased pointers (a program's bindings probe
  // every library it loads). Symbol 0 is never exported: it marks a free slot.
  struct ExportSlot {
    uint32_t tag = 0;  // the hash's high half
    uint32_t symbol = 0;
  };
  static uint32_t ExportTag(const HashedName& name) {
    return static_cast<uint32_t>(static_cast<uint64_t>(name.hash) >> 32);
  }

  const ElfFile& elf_;
  const ObjectSummary& summary_;
  size_t symbol_count_ = 0;
  std::vector<ExportSlot> export_slots_;
  size_t export_mask_ = 0;
  std::vector<uint32_t> symbol_functions_;
  std::vector<uint32_t> packed_calls_;
  std::vector<uint64_t> bloom_;
  size_t bloom_mask_ = 0;  // bits - 1

  mutable std::once_flag names_built_;
  mutable std::unordered_map<std::string_view, uint32_t> function_names_;

  mutable std::once_flag calls_built_;
  // Counting-sorted: the calls to function f are calls_[function_begin_[f] ..
  // function_begin_[f + 1]); the same for symbols.
  mutable std::vector<uint32_t> function_begin_;
  mutable std::vector<IncomingCall> function_calls_;
  mutable std::vector<uint32_t> symbol_begin_;
  mutable std::vector<IncomingCall> symbol_calls_;
  mutable std::vector<uint32_t> called_imports_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_OBJECT_INDEX_H_
