// Symbol binding (glibc elf/dl-lookup.c, do_lookup_x / check_match), see linked_program.h.
#include "analysis/linked_program.h"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>

namespace sysfence {

uint32_t LinkedProgram::AddObject(LoadedObject loaded, std::shared_ptr<const ObjectSummary> summary,
                                  std::shared_ptr<const ObjectIndex> index) {
  uint32_t number = static_cast<uint32_t>(objects_.size());
  if (!index) index = std::make_shared<ObjectIndex>(*loaded.elf, *summary);
  objects_.push_back({std::move(loaded), std::move(summary), false, false, std::move(index)});
  binding_of_.emplace_back();
  return number;
}

SymbolBinding LinkedProgram::Bind(uint32_t object, uint32_t symbol) const {
  const ElfSymbol& s = objects_[object].loaded.elf->dynamic_symbols()[symbol];
  uint32_t function = s.IsDefined() ? objects_[object].index->SymbolFunction(symbol)
                                    : objects_[object].summary->FunctionAt(s.value);
  return {object, symbol, s.value, s.IsFunction(), s.IsIfunc(), function};
}

std::optional<SymbolBinding> LinkedProgram::LookupIn(uint32_t o, const HashedName& name,
                                                     std::string_view version,
                                                     bool versioned) const {
  const ObjectIndex& index = *objects_[o].index;
  if (!index.MayExport(name)) return std::nullopt;
  const auto& symbols = objects_[o].loaded.elf->dynamic_symbols();
  std::optional<SymbolBinding> match;
  std::optional<SymbolBinding> unversioned_match;
  index.VisitExports(name, [&](uint32_t symbol) {
    const ElfSymbol& s = symbols[symbol];
    bool matches;
    if (versioned) {
      // name@VERSION binds to that version, hidden or not; an object without versions
      // satisfies any version.
      matches = s.version.empty() || s.version == version;
    } else {
      matches = !s.version_hidden;
    }
    if (!matches) return false;
    SymbolBinding binding = Bind(o, symbol);
    if (versioned && s.version.empty()) {
      unversioned_match = binding;
      return false;
    }
    match = binding;
    return true;
  });
  return match ? match : unversioned_match;
}

std::optional<SymbolBinding> LinkedProgram::Lookup(const HashedName& name, std::string_view version,
                                                   bool versioned, uint32_t skip_object) const {
  for (uint32_t o = 0; o < objects_.size(); ++o) {
    if (o == skip_object) continue;
    if (std::optional<SymbolBinding> b = LookupIn(o, name, version, versioned)) return b;
  }
  return std::nullopt;
}

std::optional<SymbolBinding> LinkedProgram::DefinitionIn(uint32_t object,
                                                         std::string_view name) const {
  return LookupIn(object, HashedName(name), "", false);
}

std::optional<SymbolBinding> LinkedProgram::Resolve(uint32_t from, uint32_t symbol) const {
  const ElfFile& elf = *objects_[from].loaded.elf;
  if (symbol >= elf.dynamic_symbols().size()) return std::nullopt;
  std::vector<uint32_t>& memo = binding_of_[from];
  if (memo.empty()) memo.assign(elf.dynamic_symbols().size(), kNotResolved);
  if (memo[symbol] == kUnbound) return std::nullopt;
  if (memo[symbol] != kNotResolved) return binding_values_[memo[symbol]];
  std::optional<SymbolBinding> result;
  const ElfSymbol& s = elf.dynamic_symbols()[symbol];
  bool symbolic = (elf.dynamic().flags & DF_SYMBOLIC) != 0;
  if (s.IsDefined() && (s.visibility == STV_PROTECTED || symbolic || s.binding == STB_LOCAL)) {
    result = Bind(from, symbol);
  } else if (!s.name.empty()) {
    result = Lookup(HashedName(s.name), s.version, !s.version.empty(), kNoIndex);
  }
  if (result) {
    memo[symbol] = static_cast<uint32_t>(binding_values_.size());
    binding_values_.push_back(*result);
  } else {
    memo[symbol] = kUnbound;
  }
  return result;
}

std::optional<SymbolBinding> LinkedProgram::ResolveByName(std::string_view name,
                                                          uint32_t skip_object) const {
  return Lookup(HashedName(name), "", false, skip_object);
}

void LinkedProgram::IndexImports() const {
  for (; imports_indexed_ < objects_.size(); ++imports_indexed_) {
    uint32_t o = static_cast<uint32_t>(imports_indexed_);
    for (uint32_t symbol : objects_[o].index->CalledImports()) {
      std::optional<SymbolBinding> b = Resolve(o, symbol);
      if (!b) continue;
      FunctionRef target = FunctionOf(*b);
      if (!target.valid()) continue;
      bool at_entry = !b->is_ifunc && FunctionAddress(target) == b->value;
      imports_by_target_[target.Key()].push_back({o, symbol, at_entry});
    }
  }
}

std::vector<ProgramCall> LinkedProgram::CallsTo(FunctionRef f, bool at_entry) const {
  IndexImports();
  std::vector<ProgramCall> calls;
  auto add = [&](uint32_t object, std::span<const IncomingCall> incoming) {
    const ObjectSummary& s = *objects_[object].summary;
    for (const IncomingCall& c : incoming) {
      calls.push_back({{object, c.function}, &s.calls[c.call]});
    }
  };
  std::vector<ImportCall> imports;
  if (auto it = imports_by_target_.find(f.Key()); it != imports_by_target_.end()) {
    imports = it->second;
  }
  std::sort(imports.begin(), imports.end(), [](const ImportCall& a, const ImportCall& b) {
    return a.object != b.object ? a.object < b.object : a.symbol < b.symbol;
  });
  bool own_added = false;
  for (const ImportCall& import : imports) {
    if (!own_added && import.object >= f.object) {
      add(f.object, objects_[f.object].index->CallsTo(f.function));
      own_added = true;
    }
    if (at_entry && !import.at_entry) continue;
    add(import.object, objects_[import.object].index->CallsToImport(import.symbol));
  }
  if (!own_added) add(f.object, objects_[f.object].index->CallsTo(f.function));
  return calls;
}

FunctionRef LinkedProgram::FunctionOf(const SymbolBinding& binding) const {
  if (binding.function != kNoIndex) return {binding.object, binding.function};
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
