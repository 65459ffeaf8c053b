// ObjectIndex (see object_index.h).
#include "analysis/object_index.h"

#include <elf.h>

#include "analysis/function_locator.h"

namespace sysfence {

ObjectIndex::ObjectIndex(const ElfFile& elf, const ObjectSummary& summary)
    : elf_(elf), summary_(summary), symbol_count_(elf.dynamic_symbols().size()) {
  const auto& symbols = elf.dynamic_symbols();
  symbol_functions_.assign(symbols.size(), kNoIndex);
  std::vector<uint32_t> exported;
  for (uint32_t i = 1; i < symbols.size(); ++i) {
    const ElfSymbol& s = symbols[i];
    if (s.IsDefined()) symbol_functions_[i] = summary.FunctionAt(s.value);
    if (!s.IsDefined() || s.name.empty()) continue;
    if (s.binding != STB_GLOBAL && s.binding != STB_WEAK && s.binding != STB_GNU_UNIQUE) continue;
    if (s.visibility == STV_HIDDEN || s.visibility == STV_INTERNAL) continue;
    exported.push_back(i);
  }
  // At most half full. Inserted from the highest index down, so that symbols of one name are
  // visited in that order (the order the node-based multimap this replaces gave them).
  size_t slots = 16;
  while (slots < 2 * exported.size()) slots *= 2;
  export_slots_.assign(exported.size() != 0 ? slots : 0, ExportSlot{});
  export_mask_ = slots - 1;
  std::vector<size_t> hashes(exported.size());
  for (size_t k = exported.size(); k-- > 0;) {
    HashedName name(symbols[exported[k]].name);
    hashes[k] = name.hash;
    size_t i = name.hash & export_mask_;
    while (export_slots_[i].symbol != 0) i = (i + 1) & export_mask_;
    export_slots_[i] = {ExportTag(name), exported[k]};
  }
  packed_calls_.reserve(summary.calls.size());
  for (const CallSite& c : summary.calls) {
    uint32_t target = c.target_kind == TargetKind::kIndirect ? 0 : c.target;
    if (target > kPackedTargetMask) {
      packed_calls_ = {};
      break;
    }
    packed_calls_.push_back((static_cast<uint32_t>(c.target_kind) << kPackedKindShift) | target);
  }
  // About 16 bits per export, two bits each: a few percent of misses pass.
  size_t bits = 64;
  while (bits < exported.size() * 16) bits *= 2;
  bloom_.assign(bits / 64, 0);
  bloom_mask_ = bits - 1;
  for (size_t hash : hashes) {
    size_t bit1 = hash & bloom_mask_, bit2 = (hash >> 32) & bloom_mask_;
    bloom_[bit1 / 64] |= uint64_t{1} << (bit1 % 64);
    bloom_[bit2 / 64] |= uint64_t{1} << (bit2 % 64);
  }
}

uint32_t ObjectIndex::FunctionNamed(std::string_view name) const {
  std::call_once(names_built_, [this] {
    // The first symbol of a name that starts a function wins, in FindFunctionByName's order.
    for (const auto* table : {&elf_.symbols(), &elf_.dynamic_symbols()}) {
      for (const ElfSymbol& s : *table) {
        if (!s.IsDefined() || !s.IsFunction() || s.name.empty()) continue;
        if (function_names_.count(s.name) != 0) continue;
        uint32_t f = summary_.FunctionAt(s.value);
        if (f != kNoIndex) function_names_.emplace(s.name, f);
      }
    }
  });
  auto found = function_names_.find(name);
  if (found != function_names_.end()) return found->second;
  return FindGoFunctionByName(summary_, name);
}

void ObjectIndex::BuildCalls() const {
  std::call_once(calls_built_, [this] {
    const size_t functions = summary_.functions.size();
    function_begin_.assign(functions + 1, 0);
    symbol_begin_.assign(symbol_count_ + 1, 0);
    // Count, turn the counts into starts, then place (a counting sort keeps call order).
    for (const FunctionSummary& fs : summary_.functions) {
      for (const CallSite& c : summary_.CallsOf(fs)) {
        if (c.target_kind == TargetKind::kFunction && c.target < functions) {
          ++function_begin_[c.target + 1];
        } else if (c.target_kind == TargetKind::kImport && c.target < symbol_count_) {
          ++symbol_begin_[c.target + 1];
        }
      }
    }
    for (size_t i = 0; i < functions; ++i) function_begin_[i + 1] += function_begin_[i];
    for (size_t i = 0; i < symbol_count_; ++i) symbol_begin_[i + 1] += symbol_begin_[i];
    function_calls_.resize(function_begin_[functions]);
    symbol_calls_.resize(symbol_begin_[symbol_count_]);
    std::vector<uint32_t> function_next(function_begin_.begin(), function_begin_.end() - 1);
    std::vector<uint32_t> symbol_next(symbol_begin_.begin(), symbol_begin_.end() - 1);
    for (uint32_t f = 0; f < functions; ++f) {
      const FunctionSummary& fs = summary_.functions[f];
      for (uint32_t i = fs.calls_begin; i < fs.calls_begin + fs.calls_count; ++i) {
        const CallSite& c = summary_.calls[i];
        if (c.target_kind == TargetKind::kFunction && c.target < functions) {
          function_calls_[function_next[c.target]++] = {f, i};
        } else if (c.target_kind == TargetKind::kImport && c.target < symbol_count_) {
          symbol_calls_[symbol_next[c.target]++] = {f, i};
        }
      }
    }
    for (uint32_t s = 0; s < symbol_count_; ++s) {
      if (symbol_begin_[s + 1] != symbol_begin_[s]) called_imports_.push_back(s);
    }
  });
}

std::span<const IncomingCall> ObjectIndex::CallsTo(uint32_t function) const {
  BuildCalls();
  if (function + size_t{1} >= function_begin_.size()) return {};
  return {function_calls_.data() + function_begin_[function],
          function_begin_[function + 1] - function_begin_[function]};
}

std::span<const IncomingCall> ObjectIndex::CallsToImport(uint32_t symbol) const {
  BuildCalls();
  if (symbol + size_t{1} >= symbol_begin_.size()) return {};
  return {symbol_calls_.data() + symbol_begin_[symbol],
          symbol_begin_[symbol + 1] - symbol_begin_[symbol]};
}

std::span<const uint32_t> ObjectIndex::CalledImports() const {
  BuildCalls();
  return called_imports_;
}

}  // namespace sysfence
