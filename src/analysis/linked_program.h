// The whole process as the loader builds it: every loaded object with its summary, and
// symbol binding the way ld.so does it (global scope in load order, so the program and
// earlier objects interpose on later ones; symbol versions; protected symbols and
// DT_SYMBOLIC bind locally). Functions and regions of the process are named by FunctionRef /
// RegionRef: (object index, index in that object's summary).
//
//   LinkedProgram program;
//   program.AddObject(loaded, summary);      // in load order
//   std::optional<SymbolBinding> b = program.Resolve(object, symbol_index);
//   FunctionRef f = program.FunctionOf(*b);
#ifndef SYSFENCE_ANALYSIS_LINKED_PROGRAM_H_
#define SYSFENCE_ANALYSIS_LINKED_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/object_index.h"
#include "analysis/object_summary.h"
#include "elf/library_resolver.h"

namespace sysfence {

// (object, index) packed in 64 bits, usable as a hash key.
struct FunctionRef {
  uint32_t object = kNoIndex;
  uint32_t function = kNoIndex;
  uint64_t Key() const { return (uint64_t{object} << 32) | function; }
  bool valid() const { return object != kNoIndex && function != kNoIndex; }
  bool operator==(const FunctionRef&) const = default;
};

struct RegionRef {
  uint32_t object = kNoIndex;
  uint32_t region = kNoIndex;
  bool valid() const { return object != kNoIndex && region != kNoIndex; }
};

// Where an imported symbol binds.
struct SymbolBinding {
  uint32_t object = kNoIndex;  // defining object
  uint32_t symbol = 0;         // index in its .dynsym
  uint64_t value = 0;
  bool is_function = false;
  bool is_ifunc = false;
  uint32_t function = kNoIndex;  // the defining object's function at `value`, when known
};

struct ProgramObject {
  LoadedObject loaded;
  std::shared_ptr<const ObjectSummary> summary;
  bool from_cache = false;
  bool debug_symbols = false;
  std::shared_ptr<const ObjectIndex> index;
};

// A call site in the process.
struct ProgramCall {
  FunctionRef caller;
  const CallSite* call = nullptr;
};

class LinkedProgram {
 public:
  // Appends an object to the global scope (load order). `index` is the object's (built here
  // when null).
  uint32_t AddObject(LoadedObject loaded, std::shared_ptr<const ObjectSummary> summary,
                     std::shared_ptr<const ObjectIndex> index = nullptr);

  size_t size() const { return objects_.size(); }
  const ProgramObject& object(uint32_t index) const { return objects_[index]; }
  ProgramObject& object(uint32_t index) { return objects_[index]; }
  const ObjectSummary& summary(uint32_t index) const { return *objects_[index].summary; }

  // Binds dynamic symbol `symbol` of object `from` (memoized). nullopt for an undefined weak
  // reference or a symbol nothing defines.
  std::optional<SymbolBinding> Resolve(uint32_t from, uint32_t symbol) const;
  // Binds `name` (default version) in the global scope, as the loader's own lookups do.
  std::optional<SymbolBinding> ResolveByName(std::string_view name,
                                             uint32_t skip_object = kNoIndex) const;

  // The definition of `name` (default version) in object `object` alone, as dlsym on a
  // handle of that object finds it; nullopt when it defines none.
  std::optional<SymbolBinding> DefinitionIn(uint32_t object, std::string_view name) const;

  // Every call site of the process whose target is `f`: the calls of f's own object to it,
  // and the calls of any object through an imported symbol that binds to it (PLT calls);
  // with `at_entry`, only symbols that bind to f's first byte and not through an IFUNC.
  // Callers reached or not; in object order, then call order.
  std::vector<ProgramCall> CallsTo(FunctionRef f, bool at_entry) const;

  FunctionRef FunctionOf(const SymbolBinding& binding) const;
  RegionRef RegionOf(const SymbolBinding& binding) const;

  std::string FunctionName(FunctionRef f) const;  // symbol name or "sub_<hex>"
  uint64_t FunctionAddress(FunctionRef f) const;
  const std::string& ObjectPath(uint32_t object) const { return objects_[object].loaded.path; }
  // The index of the object whose path ends with `/name` or whose soname is `name`.
  std::optional<uint32_t> FindObject(std::string_view name) const;

 private:
  std::optional<SymbolBinding> Lookup(const HashedName& name, std::string_view version,
                                      bool versioned, uint32_t skip_object) const;
  std::optional<SymbolBinding> LookupIn(uint32_t object, const HashedName& name,
                                        std::string_view version, bool versioned) const;
  // The binding to dynamic symbol `symbol` of `object`, with its function.
  SymbolBinding Bind(uint32_t object, uint32_t symbol) const;

  struct ImportCall {
    uint32_t object = 0;
    uint32_t symbol = 0;
    bool at_entry = false;
  };
  // Extends imports_by_target_ over the objects added since the last call.
  void IndexImports() const;

  std::vector<ProgramObject> objects_;
  // Per object, by symbol index: the memoized binding (kUnbound: none; kNotResolved: not
  // looked up yet), a dense table sized to the object's .dynsym on first use.
  static constexpr uint32_t kNotResolved = 0xffffffff;
  static constexpr uint32_t kUnbound = 0xfffffffe;
  mutable std::vector<std::vector<uint32_t>> binding_of_;
  mutable std::vector<SymbolBinding> binding_values_;
  // Function key -> the imported symbols of any object that bind to it and are called.
  mutable std::unordered_map<uint64_t, std::vector<ImportCall>> imports_by_target_;
  mutable size_t imports_indexed_ = 0;  // objects covered by imports_by_target_
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_LINKED_PROGRAM_H_
