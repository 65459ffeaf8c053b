// Which Go package variables keep their initial value (see go_variables.h).
#include "analysis/go_variables.h"

#include <elf.h>

#include <algorithm>

namespace sysfence {

void GoVariableWrites::Note(const InstructionSketch& sketch, bool non_pie) {
  if (sketch.data_address != 0 && sketch.data_access == DataAccess::kWrite) {
    stored_.emplace_back(sketch.data_address, sketch.data_address + sketch.data_size);
  } else if (sketch.data_address != 0 && sketch.data_access == DataAccess::kOther) {
    addressed_.push_back(sketch.data_address);
  }
  if (non_pie && sketch.immediate >= 0x1000) addressed_.push_back(sketch.immediate);
}

void GoVariableWrites::Finish(const ElfFile& elf) {
  std::vector<const ElfSection*> writable;
  for (const ElfSection& s : elf.sections()) {
    if (s.IsAllocated() && s.IsWritable() && !s.IsExecutable()) writable.push_back(&s);
  }
  auto in_writable = [&](uint64_t value) {
    for (const ElfSection* s : writable) {
      if (s->Contains(value)) return true;
    }
    return false;
  };
  // Pointers stored in data: relocations (position-independent programs), aligned words
  // (fixed-address programs, whose data holds absolute addresses).
  for (const ElfRelocation& r : elf.relocations()) {
    if (r.type == R_X86_64_RELATIVE) addressed_.push_back(static_cast<uint64_t>(r.addend));
  }
  if (elf.type() == ET_EXEC) {
    for (const ElfSection& s : elf.sections()) {
      if (!s.IsAllocated() || s.IsExecutable() || !s.HasFileBytes() ||
          s.name.ends_with(".gopclntab")) {
        continue;  // (Go's function table holds offsets, no addresses)
      }
      std::optional<ByteView> bytes = elf.bytes().Sub(s.offset, s.size);
      if (!bytes) continue;
      for (uint64_t at = (8 - s.address % 8) % 8; at + 8 <= bytes->size(); at += 8) {
        uint64_t value = *bytes->Read<uint64_t>(at);
        if (value >= 0x1000 && in_writable(value)) addressed_.push_back(value);
      }
    }
  }
  for (const ElfSymbol& sym : elf.dynamic_symbols()) {
    if (sym.IsDefined() && sym.IsObject()) addressed_.push_back(sym.value);  // others may write
  }
  for (const ElfSymbol& sym : elf.symbols()) {
    if (sym.IsDefined() && sym.IsObject() && sym.size > 0 && in_writable(sym.value)) {
      objects_.emplace_back(sym.value, sym.value + sym.size);
    }
  }
  std::sort(stored_.begin(), stored_.end());
  stored_.erase(std::unique(stored_.begin(), stored_.end()), stored_.end());
  std::sort(addressed_.begin(), addressed_.end());
  addressed_.erase(std::unique(addressed_.begin(), addressed_.end()), addressed_.end());
  std::sort(objects_.begin(), objects_.end());
}

bool GoVariableWrites::IsUnwritten(uint64_t address, uint64_t bytes) const {
  uint64_t begin = address;
  uint64_t end = address + bytes;
  // The symbol holding it bounds the object exactly.
  auto object =
      std::upper_bound(objects_.begin(), objects_.end(), std::make_pair(address, UINT64_MAX));
  if (object != objects_.begin() && address < std::prev(object)->second) {
    begin = std::prev(object)->first;
    end = std::max(end, std::prev(object)->second);
  }
  auto none_in = [](const std::vector<uint64_t>& list, uint64_t from, uint64_t to) {
    auto it = std::lower_bound(list.begin(), list.end(), from);
    return it == list.end() || *it >= to;
  };
  if (!none_in(addressed_, begin, end)) return false;
  // Stores starting up to kLongestStore bytes before it may reach it.
  constexpr uint64_t kLongestStore = 16;
  uint64_t from = address >= kLongestStore ? address - kLongestStore : 0;
  for (auto it =
           std::lower_bound(stored_.begin(), stored_.end(), std::make_pair(from, uint64_t{0}));
       it != stored_.end() && it->first < address + bytes; ++it) {
    if (it->second > address) return false;
  }
  return true;
}

}  // namespace sysfence
