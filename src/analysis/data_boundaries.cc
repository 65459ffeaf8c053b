// Data object boundaries without symbols (see data_boundaries.h).
//
// A data region is the unit in which the analysis says "this data is reachable, so every
// pointer stored in it may be used" (data_regions.h). With a symbol table each sized object
// is a region; a stripped object keeps only its exported symbols, so without more evidence
// each data section is one region, and reaching any byte of libc's .data.rel.ro makes every
// function pointer in it count (the RPC client and server tables, argp's, the locale's).
//
// What a stripped object still says about where objects start (the candidates):
//   - code computes the address of an object it uses with `lea sym(%rip)`;
//   - data pointing at data (R_X86_64_RELATIVE, R_X86_64_64 and GLOB_DAT against a symbol
//     the object defines) names the objects it points to; GOT slots filled that way are the
//     addresses code loads from the GOT;
//   - exported data symbols (.dynsym) carry their start and size: those objects are exact,
//     and the bytes after one begin something else.
// The region of an address runs from the greatest kept start at or below it to the next
// one. The analysis' model is C's: code holding the address of an object stays inside it.
// A split is wrong when a candidate lies inside an object whose pointers code reads from
// another address of it: `lea table+0x18` for &table[1] while other code walks the table
// from its base, `lea obj+0x60` for a member, an element of an array of structs that a
// table elsewhere points to. Nothing marks such a candidate, so a candidate is kept only when
// the bytes around it look like the start of a new object, and dropped (its bytes stay in
// the region before it, which is always safe: regions only grow) when:
//   - it lies strictly inside a sized exported object;
//   - it is not 32-byte aligned: GCC places every object of 32 bytes or more on a 32-byte
//     boundary on x86-64 (smaller objects gain little from a region of their own), and an
//     address inside an array or struct usually is not one;
//   - the word before it is a pointer (relocated): it continues a run of pointers (an
//     element or member of the same table, a C++ vtable's address point after its typeinfo);
//   - the word before it holds a non-zero constant: a field of the same object (the int
//     before a string pointer in { int, const char * } entries), not padding;
//   - no pointer lies between the previous candidate and it: a pointerless prefix (a mutex
//     before the member code takes the address of, a vtable's offset-to-top) may belong to
//     the same object, and keeping it apart buys nothing;
//   - the bytes from the previous candidate up to it have the same layout (pointers, zero
//     and non-zero words) as the same number of bytes from it: consecutive elements of one
//     array. glibc's FILE vtables are exempt: each is its own object (IsGlibcVtableSection).
// Whole sections the static linker builds as arrays (C-identifier names, walked from
// __start_ to __stop_) are never split (data_regions.cc).
//
// Checked by DataBoundaries.RecoveredRegionsNeverSplitADebugObject: every address that code
// or data refers to inside an object of glibc's debug files (libc6-dbg) that holds pointers
// gets a region covering all of them. The same check over every unstripped ELF object of
// this machine is DataBoundaries.RecoveredRegionsNeverSplitASymbolOfAnUnstrippedObject
// (docs/STATIC.md has its figures).
#include "analysis/data_boundaries.h"

#include <elf.h>

#include <algorithm>
#include <optional>

namespace sysfence {
namespace {

bool IsDataSection(const ElfSection& s) {
  return s.IsAllocated() && !s.IsExecutable() && s.size != 0 && !(s.flags & SHF_TLS);
}

constexpr uint64_t kObjectAlignment = 32;
// How far back the array test looks for the previous element.
constexpr uint64_t kLongestElement = 1024;

enum Evidence : uint8_t { kReferenced = 1, kExact = 2 };

class StartFilter {
 public:
  explicit StartFilter(const ElfFile& elf) : elf_(elf) {
    for (const ElfRelocation& r : elf.relocations()) slots_.push_back(r.offset);
    std::sort(slots_.begin(), slots_.end());
  }

  // Whether the candidate `start`, whose previous candidate is `previous` (0: none), looks
  // like the start of a new object.
  bool LooksLikeObjectStart(uint64_t start, uint64_t previous) const {
    if (start % kObjectAlignment != 0) return false;
    const ElfSection* section = elf_.SectionAt(start);
    if (section == nullptr || section->address == start) return true;
    if (IsPointer(start - 8)) return false;
    if (Word(start - 8) != 0) return false;
    if (previous == 0 || elf_.SectionAt(previous) != section) return true;
    auto pointer = std::lower_bound(slots_.begin(), slots_.end(), previous);
    if (pointer == slots_.end() || *pointer >= start) return false;
    if (!IsGlibcVtableSection(section->name) && start - previous <= kLongestElement &&
        SameLayout(previous, start, start - previous, *section)) {
      return false;
    }
    return true;
  }

 private:
  bool IsPointer(uint64_t address) const {
    return std::binary_search(slots_.begin(), slots_.end(), address);
  }
  uint64_t Word(uint64_t address) const {
    const ElfSection* section = elf_.SectionAt(address);
    if (section == nullptr || !section->HasFileBytes()) return 0;
    std::optional<ByteView> word = elf_.ReadVirtual(address, 8);
    return word ? *word->Read<uint64_t>(0) : 0;
  }
  // [a, a + length) and [b, b + length): pointers at the same offsets, zero and non-zero
  // words at the same offsets.
  bool SameLayout(uint64_t a, uint64_t b, uint64_t length, const ElfSection& section) const {
    if (b + length > section.address + section.size) return false;
    for (uint64_t offset = 0; offset < length; offset += 8) {
      bool pointer = IsPointer(a + offset);
      if (pointer != IsPointer(b + offset)) return false;
      if (!pointer && (Word(a + offset) == 0) != (Word(b + offset) == 0)) return false;
    }
    return true;
  }

  const ElfFile& elf_;
  std::vector<uint64_t> slots_;  // relocated words, sorted
};

}  // namespace

bool IsGlibcVtableSection(std::string_view name) { return name == "__libc_IO_vtables"; }

std::vector<uint64_t> RecoverDataObjectStarts(const ElfFile& elf,
                                              std::span<const uint64_t> lea_addresses) {
  auto in_data = [&](uint64_t address) {
    const ElfSection* section = elf.SectionAt(address);
    return section != nullptr && IsDataSection(*section);
  };
  std::vector<std::pair<uint64_t, uint8_t>> candidates;
  for (uint64_t a : lea_addresses) {
    if (in_data(a)) candidates.emplace_back(a, kReferenced);
  }
  const std::vector<ElfSymbol>& dynamic = elf.dynamic_symbols();
  for (const ElfRelocation& r : elf.relocations()) {
    uint64_t target = 0;
    switch (r.type) {
      case R_X86_64_RELATIVE:
        target = static_cast<uint64_t>(r.addend);
        break;
      case R_X86_64_64:
      case R_X86_64_GLOB_DAT:
        if (r.symbol == 0) {
          target = static_cast<uint64_t>(r.addend);
        } else if (r.symbol < dynamic.size() && dynamic[r.symbol].IsDefined()) {
          target = dynamic[r.symbol].value + static_cast<uint64_t>(r.addend);
        }
        break;
      default:
        break;
    }
    if (target != 0 && in_data(target)) candidates.emplace_back(target, kReferenced);
  }
  // Exported objects: exact starts and ends.
  std::vector<std::pair<uint64_t, uint64_t>> sized;
  for (const ElfSymbol& s : dynamic) {
    if (!s.IsDefined() || s.type == STT_TLS || !in_data(s.value)) continue;
    if (s.type != STT_OBJECT && s.type != STT_NOTYPE && s.type != STT_COMMON) continue;
    if (s.size != 0 && CheckedAdd(s.value, s.size)) {
      sized.emplace_back(s.value, s.value + s.size);
      candidates.emplace_back(s.value, kExact);
      candidates.emplace_back(s.value + s.size, kExact);
    } else {
      candidates.emplace_back(s.value, kReferenced);
    }
  }
  std::sort(sized.begin(), sized.end());
  // Sized objects may overlap (aliases of different sizes): the furthest end of any object
  // starting at or before each one.
  std::vector<uint64_t> furthest_end(sized.size());
  for (size_t i = 0; i < sized.size(); ++i) {
    furthest_end[i] = std::max(sized[i].second, i > 0 ? furthest_end[i - 1] : 0);
  }
  auto inside_sized = [&](uint64_t a) {
    auto it = std::lower_bound(sized.begin(), sized.end(), std::make_pair(a, uint64_t{0}));
    if (it == sized.begin()) return false;
    return furthest_end[static_cast<size_t>(it - sized.begin()) - 1] > a;
  };
  std::sort(candidates.begin(), candidates.end());
  // One entry per address, with all its evidence.
  std::vector<std::pair<uint64_t, uint8_t>> merged;
  for (const auto& [a, kind] : candidates) {
    if (!merged.empty() && merged.back().first == a) {
      merged.back().second |= kind;
    } else {
      merged.emplace_back(a, kind);
    }
  }
  StartFilter filter(elf);
  std::vector<uint64_t> kept;
  uint64_t previous = 0;  // the previous candidate, kept or not
  for (const auto& [a, kind] : merged) {
    uint64_t before = previous;
    previous = a;
    if (inside_sized(a)) continue;
    if ((kind & kExact) || filter.LooksLikeObjectStart(a, before)) kept.push_back(a);
  }
  return kept;
}

}  // namespace sysfence
