// Function partition (see function_partition.h). Within each executable section: boundaries
// are FDE begins and ends, plus symbol addresses and extra starts that fall outside every
// FDE; PLT sections are cut at their entry size instead.
#include "analysis/function_partition.h"

#include <elf.h>

#include <algorithm>
#include <map>

namespace sysfence {
namespace {

// Which of two symbols at the same address names the function: global before weak before
// local, names without a leading underscore, then the shorter one.
bool BetterName(const ElfSymbol& a, const ElfSymbol& b) {
  auto rank = [](const ElfSymbol& s) {
    int binding = s.binding == STB_GLOBAL ? 0 : s.binding == STB_WEAK ? 1 : 2;
    return std::make_tuple(s.type == STT_NOTYPE, binding, s.name.empty() || s.name[0] == '_',
                           s.name.size());
  };
  return rank(a) < rank(b);
}

}  // namespace

bool IsPltSection(std::string_view name) {
  return name == ".plt" || name == ".plt.got" || name == ".plt.sec" || name == ".iplt";
}

std::vector<FunctionSummary> PartitionFunctions(const ElfFile& elf,
                                                const std::vector<FdeRange>& fde_ranges,
                                                const std::vector<uint64_t>& extra_starts,
                                                std::string& strings,
                                                const std::vector<GoFunction>& go_functions) {
  // Best symbol per address in executable code.
  std::map<uint64_t, const ElfSymbol*> names;
  auto consider = [&](const ElfSymbol& s) {
    if (!s.IsDefined() || s.name.empty() || s.value == 0) return;
    if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC && s.type != STT_NOTYPE) return;
    const ElfSection* section = elf.SectionAt(s.value);
    if (section == nullptr || !section->IsExecutable()) return;
    auto [it, inserted] = names.emplace(s.value, &s);
    if (!inserted && BetterName(s, *it->second)) it->second = &s;
  };
  for (const ElfSymbol& s : elf.symbols()) consider(s);
  for (const ElfSymbol& s : elf.dynamic_symbols()) consider(s);

  std::vector<FunctionSummary> functions;
  for (const ElfSection& section : elf.sections()) {
    if (!section.IsAllocated() || !section.IsExecutable() || !section.HasFileBytes() ||
        section.size == 0) {
      continue;
    }
    uint64_t begin = section.address, end = section.address + section.size;
    std::map<uint64_t, uint32_t> cuts;  // boundary -> flags of the piece starting there
    cuts[begin] = 0;
    if (IsPltSection(section.name)) {
      uint64_t step = section.entry_size == 8 || section.entry_size == 16 ? section.entry_size : 16;
      for (uint64_t at = begin; at < end; at += step) cuts[at] = kFunctionPltStub;
    } else {
      // FDE ranges and Go functions clipped to the section, overlaps merged.
      std::vector<FdeRange> trusted = fde_ranges;
      for (const GoFunction& g : go_functions) trusted.push_back({g.entry, g.end});
      if (!go_functions.empty()) {
        std::sort(trusted.begin(), trusted.end(),
                  [](const FdeRange& a, const FdeRange& b) { return a.begin < b.begin; });
      }
      std::vector<FdeRange> covered;
      for (const FdeRange& r : trusted) {
        uint64_t b = std::max(r.begin, begin), e = std::min(r.end, end);
        if (b >= e) continue;
        if (!covered.empty() && b < covered.back().end) {
          covered.back().end = std::max(covered.back().end, e);
        } else {
          covered.push_back({b, e});
        }
      }
      auto inside_fde = [&](uint64_t address) {
        auto it = std::upper_bound(covered.begin(), covered.end(), address,
                                   [](uint64_t a, const FdeRange& r) { return a < r.begin; });
        return it != covered.begin() && address < std::prev(it)->end;
      };
      for (const FdeRange& r : covered) {
        cuts[r.begin] = kFunctionFromFde;
        if (!cuts.count(r.end)) cuts[r.end] = 0;
      }
      // Each Go function starts a piece of its own (FDE ranges of cgo's C code may border
      // on them).
      for (const GoFunction& g : go_functions) {
        if (g.entry < begin || g.entry >= end) continue;
        cuts[g.entry] = kFunctionFromFde | kFunctionGo;
        if (g.end <= end && !cuts.count(g.end)) cuts[g.end] = 0;
      }
      for (auto it = names.lower_bound(begin); it != names.end() && it->first < end; ++it) {
        if (!inside_fde(it->first) && !cuts.count(it->first)) cuts[it->first] = 0;
      }
      for (uint64_t start : extra_starts) {
        if (start >= begin && start < end && !inside_fde(start) && !cuts.count(start)) {
          cuts[start] = 0;
        }
      }
    }
    for (auto it = cuts.begin(); it != cuts.end(); ++it) {
      if (it->first >= end) break;
      auto next = std::next(it);
      FunctionSummary f;
      f.start = it->first;
      f.end = next == cuts.end() ? end : std::min(next->first, end);
      f.flags = it->second;
      std::string_view name;
      if (auto symbol = names.find(f.start); symbol != names.end()) name = symbol->second->name;
      if (f.flags & kFunctionGo) {
        // Go's own name (syscall.Syscall6, runtime.futex), also where the symbol table
        // calls the assembly version runtime.futex.abi0.
        auto go = std::lower_bound(go_functions.begin(), go_functions.end(), f.start,
                                   [](const GoFunction& g, uint64_t a) { return g.entry < a; });
        if (go != go_functions.end() && go->entry == f.start) name = go->name;
      }
      if (!name.empty()) {
        f.name = static_cast<uint32_t>(strings.size());
        strings.append(name);
        strings.push_back('\0');
      }
      functions.push_back(f);
    }
  }
  std::sort(functions.begin(), functions.end(),
            [](const FunctionSummary& a, const FunctionSummary& b) { return a.start < b.start; });
  return functions;
}

}  // namespace sysfence
