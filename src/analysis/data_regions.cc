// Data region partition (see data_regions.h).
#include "analysis/data_regions.h"

#include <elf.h>

#include <algorithm>
#include <cctype>

#include "analysis/data_boundaries.h"

namespace sysfence {
namespace {

bool IsCIdentifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Sections the loader reads but program code never walks for pointers.
bool IsLoaderOnly(const ElfSection& s) {
  return s.type == SHT_DYNSYM || s.type == SHT_GNU_HASH || s.type == SHT_HASH ||
         s.type == SHT_GNU_versym || s.type == SHT_GNU_verdef || s.type == SHT_GNU_verneed ||
         s.type == SHT_RELA || s.type == SHT_REL || s.type == SHT_NOTE || s.name == ".dynstr" ||
         s.name == ".relr.dyn" || s.name == ".interp" || s.name == ".eh_frame_hdr" ||
         s.name == ".gnu.version";
}

bool IsGotSection(std::string_view name) { return name == ".got" || name == ".got.plt"; }

}  // namespace

std::vector<DataRegion> PartitionDataRegions(const ElfFile& elf,
                                             std::span<const uint64_t> lea_addresses) {
  // Without a symbol table (a stripped object and no debug file) the object starts are
  // recovered from the code and the relocations (data_boundaries.h).
  bool recover = elf.symbols().empty();
  std::vector<uint64_t> recovered;
  if (recover) recovered = RecoverDataObjectStarts(elf, lea_addresses);
  // Sized data symbols, as [start, end) intervals.
  std::vector<std::pair<uint64_t, uint64_t>> objects;
  auto consider = [&](const ElfSymbol& s) {
    if (!s.IsDefined() || s.size == 0 || s.type == STT_TLS) return;
    if (s.type != STT_OBJECT && s.type != STT_NOTYPE && s.type != STT_COMMON) return;
    if (!CheckedAdd(s.value, s.size)) return;
    objects.emplace_back(s.value, s.value + s.size);
  };
  for (const ElfSymbol& s : elf.symbols()) consider(s);
  for (const ElfSymbol& s : elf.dynamic_symbols()) consider(s);
  std::sort(objects.begin(), objects.end());

  std::vector<DataRegion> regions;
  for (const ElfSection& section : elf.sections()) {
    if (!section.IsAllocated() || section.IsExecutable() || section.size == 0 ||
        IsLoaderOnly(section) || (section.type == SHT_NOBITS && (section.flags & SHF_TLS))) {
      continue;
    }
    uint64_t begin = section.address, end = section.address + section.size;
    if ((IsCIdentifier(section.name) && !IsGlibcVtableSection(section.name)) ||
        IsGotSection(section.name)) {
      regions.push_back({begin, end, 0, 0});
      continue;
    }
    if (recover) {
      uint64_t at = begin;
      for (auto it = std::upper_bound(recovered.begin(), recovered.end(), begin);
           it != recovered.end() && *it < end; ++it) {
        regions.push_back({at, *it, 0, 0});
        at = *it;
      }
      regions.push_back({at, end, 0, 0});
      continue;
    }
    uint64_t at = begin;
    auto it = std::lower_bound(objects.begin(), objects.end(), std::make_pair(begin, uint64_t{0}));
    while (at < end) {
      // Skip symbols that end before `at` (already merged into an earlier region).
      while (it != objects.end() && it->first < end && it->second <= at) ++it;
      if (it == objects.end() || it->first >= end) {
        regions.push_back({at, end, 0, 0});
        break;
      }
      if (it->first > at) {  // a gap before the next object
        regions.push_back({at, it->first, 0, 0});
        at = it->first;
        continue;
      }
      // An object starting at or before `at`: it and everything overlapping it.
      uint64_t region_end = std::min(it->second, end);
      for (auto j = it; j != objects.end() && j->first < region_end; ++j) {
        region_end = std::min(std::max(region_end, j->second), end);
      }
      regions.push_back({at, region_end, 0, 0});
      at = region_end;
    }
  }
  std::sort(regions.begin(), regions.end(),
            [](const DataRegion& a, const DataRegion& b) { return a.start < b.start; });
  // Sections may overlap in broken files: keep the regions disjoint.
  std::vector<DataRegion> disjoint;
  for (const DataRegion& r : regions) {
    if (!disjoint.empty() && r.start < disjoint.back().end) {
      disjoint.back().end = std::max(disjoint.back().end, r.end);
    } else {
      disjoint.push_back(r);
    }
  }
  return disjoint;
}

}  // namespace sysfence
