// Symbol binding (glibc elf/dl-lookup.c, do_lookup_x / check_match), see linked_program.h.
#include "analysis/linked_program.h"

#include <elf.h>
#include <fmt/format.h>

namespace sysfence {

uint32_t LinkedProgram::AddObject(LoadedObject loaded,
                                  std::shared_ptr<const ObjectSummary> summary) {
  uint32_t index = static_cast<uint32_t>(objects_.size());
  std::unordered_multimap<std::string_view, uint32_t> exports;
  const auto& symbols = loaded.elf->dynamic_symbols();
  for (uint32_t i = 1; i < symbols.size(); ++i) {
    const ElfSymbol& s = symbols[i];
    if (!s.IsDefined() || s.name.empty()) continue;
    if (s.binding != STB_GLOBAL && s.binding != STB_WEAK && s.binding != STB_GNU_UNIQUE) continue;
    if (s.visibility == STV_HIDDEN || s.visibility == STV_INTERNAL) continue;
    exports.emplace(s.name, i);
  }
  objects_.push_back({std::move(loaded), std::move(summary), false, false});
  exports_.push_back(std::move(exports));
  bindings_.emplace_back();
  return index;
}

std::optional<SymbolBinding> LinkedProgram::LookupIn(uint32_t o, std::string_view name,
                                                     std::string_view version,
                                                     bool versioned) const {
  auto [begin, end] = exports_[o].equal_range(name);
  const auto& symbols = objects_[o].loaded.elf->dynamic_symbols();
  std::optional<SymbolBinding> unversioned_match;
  for (auto it = begin; it != end; ++it) {
    const ElfSymbol& s = symbols[it->second];
    bool match;
    if (versioned) {
      // name@VERSION binds to that version, hidden or not; an object without versions
      // satisfies any version.
      match = s.version.empty() || s.version == version;
    } else {
      match = !s.version_hidden;
    }
    if (!match) continue;
    SymbolBinding binding{o, it->second, s.value, s.IsFunction(), s.IsIfunc()};
    if (versioned && s.version.empty()) {
      unversioned_match = binding;
      continue;
    }
    return binding;
  }
  return unversioned_match;
}

std::optional<SymbolBinding> LinkedProgram::Lookup(std::string_view name, std::string_view version,
                                                   bool versioned, uint32_t skip_object) const {
  for (uint32_t o = 0; o < objects_.size(); ++o) {
    if (o == skip_object) continue;
    if (std::optional<SymbolBinding> b = LookupIn(o, name, version, versioned)) return b;
  }
  return std::nullopt;
}

std::optional<SymbolBinding> LinkedProgram::DefinitionIn(uint32_t object,
                                                         std::string_view name) const {
  return LookupIn(object, name, "", false);
}

std::optional<SymbolBinding> LinkedProgram::Resolve(uint32_t from, uint32_t symbol) const {
  auto& memo = bindings_[from];
  if (auto it = memo.find(symbol); it != memo.end()) return it->second;
  const ElfFile& elf = *objects_[from].loaded.elf;
  std::optional<SymbolBinding> result;
  if (symbol < elf.dynamic_symbols().size()) {
    const ElfSymbol& s = elf.dynamic_symbols()[symbol];
    bool symbolic = (elf.dynamic().flags & DF_SYMBOLIC) != 0;
    if (s.IsDefined() && (s.visibility == STV_PROTECTED || symbolic || s.binding == STB_LOCAL)) {
      result = SymbolBinding{from, symbol, s.value, s.IsFunction(), s.IsIfunc()};
    } else if (!s.name.empty()) {
      result = Lookup(s.name, s.version, !s.version.empty(), kNoIndex);
    }
  }
  memo.emplace(symbol, result);
  return result;
}

std::optional<SymbolBinding> LinkedProgram::ResolveByName(std::string_view name,
                                                          uint32_t skip_object) const {
  return Lookup(name, "", false, skip_object);
}

FunctionRef LinkedProgram::FunctionOf(const SymbolBinding& binding) const {
  uint32_t f = objects_[binding.object].summary->FunctionAt(binding.value);
  if (f == kNoIndex) return {};
  return {binding.object, f};
}

RegionRef LinkedProgram::RegionOf(const SymbolBinding& binding) const {
  uint32_t r = objects_[binding.object].summary->RegionAt(binding.value);
  if (r == kNoIndex) return {};
  return {binding.object, r};
}

std::string LinkedProgram::FunctionName(FunctionRef f) const {
  const ObjectSummary& s = *objects_[f.object].summary;
  std::string_view name = s.NameOf(s.functions[f.function]);
  if (!name.empty()) return std::string(name);
  return fmt::format("sub_{:x}", s.functions[f.function].start);
}

uint64_t LinkedProgram::FunctionAddress(FunctionRef f) const {
  return objects_[f.object].summary->functions[f.function].start;
}

std::optional<uint32_t> LinkedProgram::FindObject(std::string_view name) const {
  for (uint32_t o = 0; o < objects_.size(); ++o) {
    const std::string& path = objects_[o].loaded.path;
    if (objects_[o].loaded.elf->dynamic().soname == name) return o;
    if (path.size() > name.size() &&
        path.compare(path.size() - name.size(), name.size(), name) == 0 &&
        path[path.size() - name.size() - 1] == '/') {
      return o;
    }
  }
  return std::nullopt;
}

}  // namespace sysfence
