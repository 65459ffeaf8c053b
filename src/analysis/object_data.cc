// Steps 5 and 6 of the object pass: the code and data addresses stored in data (relocations,
// and absolute words in non-PIE executables), per data region; and the roots, the functions
// the loader or the kernel call: entry, init/fini arrays, IFUNC resolvers, personalities,
// TLS images, copy relocations.
#include <elf.h>

#include "analysis/object_analyzer_impl.h"

namespace sysfence {

void ObjectAnalyzer::CollectDataPointers() {
  std::vector<std::vector<Reference>> per_region(summary_.regions.size());
  auto add = [&](uint64_t slot, Reference ref) {
    uint32_t region = summary_.RegionAt(slot);
    if (region == kNoIndex) return;
    per_region[region].push_back(ref);  // duplicates go below
  };
  for (const ElfRelocation& r : elf_.relocations()) {
    // GOT slots are followed where code loads them (LoadValues), not as data.
    if (IsGot(r.offset)) continue;
    switch (r.type) {
      case R_X86_64_RELATIVE:
        if (auto ref = LocalReference(static_cast<uint64_t>(r.addend))) add(r.offset, *ref);
        break;
      case R_X86_64_64:
      case R_X86_64_GLOB_DAT:
      case R_X86_64_JUMP_SLOT:
        if (r.symbol != 0) {
          add(r.offset, {ReferenceKind::kImportAddress, r.symbol});
        } else if (auto ref = LocalReference(static_cast<uint64_t>(r.addend))) {
          add(r.offset, *ref);
        }
        break;
      case R_X86_64_IRELATIVE: {
        uint32_t resolver = summary_.FunctionAt(static_cast<uint64_t>(r.addend));
        if (resolver != kNoIndex) add(r.offset, {ReferenceKind::kIfunc, resolver});
        break;
      }
      case R_X86_64_COPY: {
        uint32_t region = summary_.RegionAt(r.offset);
        if (region != kNoIndex && r.symbol != 0) summary_.copies.push_back({region, r.symbol});
        break;
      }
      default:
        break;
    }
  }
  if (non_pie_) {
    // No relocations: any aligned word holding an address of this object may be a pointer.
    for (const ElfSection& section : elf_.sections()) {
      if (!section.IsAllocated() || section.IsExecutable() || !section.HasFileBytes() ||
          section.type == SHT_NOTE || section.name == ".eh_frame" ||
          section.name == ".eh_frame_hdr") {
        continue;
      }
      std::optional<ByteView> bytes = elf_.bytes().Sub(section.offset, section.size);
      if (!bytes) continue;
      uint64_t first = (section.address + 7) & ~uint64_t{7};
      for (uint64_t at = first; at + 8 <= section.address + section.size; at += 8) {
        uint64_t value = *bytes->Read<uint64_t>(at - section.address);
        if (value < 0x1000 || RelocationAt(at) != nullptr) continue;
        if (auto ref = LocalReference(value)) add(at, *ref);
      }
    }
  }
  // Function pointers stored in exported data objects escape to every object.
  for (const ElfSymbol& sym : elf_.dynamic_symbols()) {
    if (!sym.IsDefined() || !sym.IsObject() || sym.size == 0) continue;
    auto it = std::lower_bound(relocations_.begin(), relocations_.end(), sym.value,
                               [](const ElfRelocation* r, uint64_t a) { return r->offset < a; });
    for (; it != relocations_.end() && (*it)->offset < sym.value + sym.size; ++it) {
      if ((*it)->type != R_X86_64_RELATIVE) continue;
      uint32_t f = summary_.FunctionAt(static_cast<uint64_t>((*it)->addend));
      if (f != kNoIndex && IsCode(static_cast<uint64_t>((*it)->addend))) {
        summary_.escaping_functions.push_back(f);
      }
    }
  }
  std::sort(summary_.escaping_functions.begin(), summary_.escaping_functions.end());
  summary_.escaping_functions.erase(
      std::unique(summary_.escaping_functions.begin(), summary_.escaping_functions.end()),
      summary_.escaping_functions.end());
  for (std::vector<Reference>& list : per_region) {
    // Keep the first of each reference, in order (a region of a large program's data holds
    // tens of thousands).
    std::vector<uint32_t> order(list.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    auto key = [&](uint32_t i) {
      return std::make_pair(static_cast<uint8_t>(list[i].kind), list[i].index);
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
    std::vector<uint8_t> keep(list.size(), 0);
    for (size_t i = 0; i < order.size(); ++i)
      keep[order[i]] = i == 0 || key(order[i]) != key(order[i - 1]);
    size_t kept = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (keep[i]) list[kept++] = list[i];
    }
    list.resize(kept);
  }
  for (size_t region = 0; region < per_region.size(); ++region) {
    DataRegion& r = summary_.regions[region];
    r.references_begin = static_cast<uint32_t>(summary_.references.size());
    r.references_count = static_cast<uint32_t>(per_region[region].size());
    summary_.references.insert(summary_.references.end(), per_region[region].begin(),
                               per_region[region].end());
  }
}

void ObjectAnalyzer::CollectRoots() {
  if (elf_.entry() != 0) summary_.entry_function = summary_.FunctionAt(elf_.entry());
  auto add = [&](std::vector<uint32_t>& list, uint64_t address) {
    uint32_t f = summary_.FunctionAt(address);
    if (f != kNoIndex) list.push_back(f);
  };
  const ElfDynamicInfo& d = elf_.dynamic();
  if (d.init) add(summary_.init_functions, *d.init);
  if (d.fini) add(summary_.fini_functions, *d.fini);
  struct FunctionArray {
    uint64_t address, size;
    bool fini;
  };
  std::vector<FunctionArray> arrays = {{d.init_array, d.init_array_size, false},
                                       {d.fini_array, d.fini_array_size, true},
                                       {d.preinit_array, d.preinit_array_size, false}};
  if (!d.present) {  // static executables: the sections themselves
    for (const ElfSection& s : elf_.sections()) {
      if (s.type == SHT_INIT_ARRAY || s.type == SHT_FINI_ARRAY || s.type == SHT_PREINIT_ARRAY) {
        arrays.push_back({s.address, s.size, s.type == SHT_FINI_ARRAY});
      }
    }
  }
  for (const FunctionArray& array : arrays) {
    std::vector<uint32_t>& list = array.fini ? summary_.fini_functions : summary_.init_functions;
    std::vector<SymbolSlot>& symbols = array.fini ? summary_.fini_symbols : summary_.init_symbols;
    uint64_t end = array.address + array.size;
    for (uint64_t slot = array.address; slot + 8 <= end && array.size < (1u << 24); slot += 8) {
      const ElfRelocation* r = RelocationAt(slot);
      if (r == nullptr) {
        std::optional<ByteView> word = elf_.ReadVirtual(slot, 8);
        if (word) add(list, *word->Read<uint64_t>(0));
        continue;
      }
      switch (r->type) {
        case R_X86_64_RELATIVE:
          add(list, static_cast<uint64_t>(r->addend));
          break;
        case R_X86_64_IRELATIVE:  // the slot holds what the resolver returns
          add(summary_.ifunc_resolvers, static_cast<uint64_t>(r->addend));
          break;
        case R_X86_64_64:
        case R_X86_64_GLOB_DAT:
        case R_X86_64_JUMP_SLOT:
          if (r->symbol == 0) {  // no symbol: the addend is the address
            add(list, static_cast<uint64_t>(r->addend));
          } else {
            symbols.push_back({r->symbol, 0, r->type == R_X86_64_64 ? r->addend : 0});
          }
          break;
        default:
          summary_.notes.push_back(fmt::format(
              "{}: relocation type {} fills the {} slot at {:#x}: the function it names is not "
              "followed",
              elf_.path(), r->type, array.fini ? "finaliser" : "initialiser", slot));
          break;
      }
    }
  }
  for (const ElfRelocation& r : elf_.relocations()) {
    if (r.type != R_X86_64_IRELATIVE) continue;
    uint32_t f = summary_.FunctionAt(static_cast<uint64_t>(r.addend));
    if (f != kNoIndex) summary_.ifunc_resolvers.push_back(f);
  }
  for (const auto* table : {&elf_.symbols(), &elf_.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (!s.IsDefined() || !s.IsIfunc()) continue;
      uint32_t f = summary_.FunctionAt(s.value);
      if (f != kNoIndex) summary_.ifunc_resolvers.push_back(f);
    }
  }
  std::sort(summary_.ifunc_resolvers.begin(), summary_.ifunc_resolvers.end());
  summary_.ifunc_resolvers.erase(
      std::unique(summary_.ifunc_resolvers.begin(), summary_.ifunc_resolvers.end()),
      summary_.ifunc_resolvers.end());
  // The unwinder calls the personality routines .eh_frame names (through a data word holding
  // the address, or directly): reachable whenever code of this object may unwind.
  for (const Personality& p : personalities_) {
    if (p.indirect) {
      uint32_t region = summary_.RegionAt(p.address);
      if (region != kNoIndex) summary_.root_regions.push_back(region);
    } else if (IsCode(p.address)) {
      uint32_t f = summary_.FunctionAt(p.address);
      if (f != kNoIndex) summary_.unwind_functions.push_back(f);
    }
  }
  for (const ElfSection& s : elf_.sections()) {
    // .tbss has no addresses of its own (it overlaps what follows it).
    if (!(s.flags & SHF_TLS) || !s.IsAllocated() || !s.HasFileBytes()) continue;
    for (uint32_t r = 0; r < summary_.regions.size(); ++r) {
      if (s.Contains(summary_.regions[r].start)) summary_.root_regions.push_back(r);
    }
  }
}

}  // namespace sysfence
