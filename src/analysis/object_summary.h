// What the analysis knows about one ELF object on its own, before any other object is looked
// at: its functions, and for each function the calls it makes (to its own functions or to
// imported symbols), the addresses it takes, the data it refers to, its syscall sites with the
// possible numbers, and its data regions with the pointers they hold. Everything refers to
// the object's own indexes (function, region, dynamic symbol), so a summary can be cached on
// disk and reused for every program that loads the object (summary_cache.h).
//
//   ObjectSummary summary = AnalyzeObject(elf, options).value();
//   for (const FunctionSummary& f : summary.functions) {
//     for (const CallSite& c : summary.CallsOf(f)) ...;
//   }
#ifndef SYSFENCE_ANALYSIS_OBJECT_SUMMARY_H_
#define SYSFENCE_ANALYSIS_OBJECT_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/range_index.h"

namespace sysfence {

inline constexpr uint32_t kNoIndex = 0xffffffff;

// Registers whose values are recorded at call sites: the six argument registers plus %rax
// and %r10, the only places a syscall number travels into a wrapper, and the first stack
// argument (kStackArgument0: Go's assembly functions take their arguments on the stack).
inline constexpr int kTrackedArgumentRegisters[] = {7, 6, 2, 1, 8, 9, 0, 10, 16};

// The summary's structs are written to the cache as raw bytes: every one of them spells out
// its padding (reserved fields, zero), so no byte of it is ever uninitialized.

// A recorded value: a list of atoms (Atom bits), or unknown.
struct ValueRef {
  uint32_t begin = 0;  // into ObjectSummary::atoms
  uint16_t count = 0;
  bool unknown = true;
  uint8_t reserved = 0;
};

// The known value of one tracked register at a call site. Registers not listed are unknown.
struct ArgumentValue {
  ArgumentValue() = default;
  ArgumentValue(uint8_t s, uint8_t n, uint32_t b) : slot(s), count(n), begin(b) {}
  uint8_t slot = 0;  // index into kTrackedArgumentRegisters
  uint8_t count = 0;
  uint16_t reserved = 0;
  uint32_t begin = 0;  // into ObjectSummary::atoms
};

enum class TargetKind : uint8_t {
  kFunction,  // a function of this object (index)
  kImport,    // a dynamic symbol (index) resolved at link time
  kIfunc,     // an IRELATIVE slot: the resolver function (index) picks the real target
  kIndirect,  // through a pointer not known statically (target is kNoIndex)
};

enum CallFlags : uint8_t {
  kCallIsJump = 1,       // a tail call, or control flowing on past the end of a piece
  kCallMidFunction = 2,  // lands inside its target function, not at its start
  kCallFallThrough = 4,
  kCallTargetIsImport = 8,  // kIndirect through a pointer loaded from the GOT: another object
};

struct CallSite {
  uint64_t address = 0;
  uint32_t target = kNoIndex;
  TargetKind target_kind = TargetKind::kFunction;
  uint8_t flags = 0;
  uint16_t reserved = 0;
  // Known values of tracked registers at the call (constants and the caller's own
  // arguments; addresses are left out).
  uint32_t arguments_begin = 0;  // into ObjectSummary::arguments
  uint32_t arguments_count = 0;
};

enum class ReferenceKind : uint8_t {
  kFunction,       // the address of a function of this object (index) is taken
  kRegion,         // a data region of this object (index) is referred to
  kImportAddress,  // the address of a dynamic symbol (index) is loaded from the GOT
  kIfunc,          // an IRELATIVE slot is read: its resolver (index) picks the value
};

struct Reference {
  Reference() = default;
  Reference(ReferenceKind k, uint32_t i) : kind(k), index(i) {}
  ReferenceKind kind = ReferenceKind::kFunction;
  uint8_t reserved[3] = {0, 0, 0};
  uint32_t index = 0;
  bool operator==(const Reference& other) const {
    return kind == other.kind && index == other.index;
  }
};

enum class SiteKind : uint8_t { kSyscall, kInt80, kSysenter };

// The registers of a syscall's first four arguments (%rdi, %rsi, %rdx, %r10): their values
// at each site are recorded, for the argument table's rules (syscalls/argument_table.h).
inline constexpr int kSiteArgumentRegisters[] = {7, 6, 2, 10};
inline constexpr int kSiteArguments = 4;

struct SyscallSite {
  uint64_t address = 0;
  ValueRef number;                     // what %rax (%eax) may hold
  ValueRef arguments[kSiteArguments];  // what each of kSiteArgumentRegisters may hold
  SiteKind kind = SiteKind::kSyscall;
  uint8_t reserved[7] = {0, 0, 0, 0, 0, 0, 0};
};

// What a constant string passed to a NamedCall names.
enum class NameKind : uint8_t {
  kLibrary,     // dlopen("libfoo.so.1"): a library to load
  kPamService,  // pam_start("sshd", ...): a PAM service whose modules are loaded
  kSymbol,      // dlsym(handle, "pkey_alloc"): a symbol whose address the caller gets
};

// Where dlsym looks a name up, from its handle argument.
enum class SymbolScope : uint8_t {
  kAnyObject,  // a handle dlopen returned, or not known: any loaded object may define it
  kGlobal,     // RTLD_DEFAULT: the global scope, in load order
  kNext,       // RTLD_NEXT: the objects after the caller's, in load order
};

// A call to dlopen-like functions, pam_start or dlsym, with the names it may pass.
struct DlopenCall {
  uint32_t function = 0;   // the calling function
  uint32_t call_site = 0;  // index into ObjectSummary::calls
  std::vector<std::string> names;
  bool unknown_name = false;
  NameKind kind = NameKind::kLibrary;
  SymbolScope scope = SymbolScope::kAnyObject;  // kSymbol only
};

// A string constant that looks like a library name ("libgcc_s.so.1"), referenced by code.
struct LibraryString {
  uint32_t function = 0;
  std::string name;
};

enum FunctionFlags : uint32_t {
  kFunctionFromFde = 1,       // bounds from a function table: .eh_frame or Go's
  kFunctionIndirectCall = 2,  // calls or jumps through a pointer
  kFunctionPltStub = 4,
  kFunctionUnresolvedJump = 8,  // an indirect jump whose table was not found
  kFunctionDecodeError = 16,
  kFunctionGo = 32,  // a Go function (Go's calling conventions apply)
};

struct FunctionSummary {
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t name = kNoIndex;  // into ObjectSummary::strings
  uint32_t flags = 0;
  uint32_t calls_begin = 0, calls_count = 0;
  uint32_t references_begin = 0, references_count = 0;
  uint32_t sites_begin = 0, sites_count = 0;
};

// A range of data (one object symbol, one gap between symbols, or one whole section) and the
// pointers stored in it.
struct DataRegion {
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t references_begin = 0, references_count = 0;
};

// An init, fini or preinit array slot the loader fills with the address of a dynamic symbol
// (R_X86_64_64, GLOB_DAT, JUMP_SLOT): an exported constructor runs whichever definition
// the lookup finds, which may be another object's (interposition).
struct SymbolSlot {
  uint32_t symbol = 0;  // index in this object's .dynsym
  uint32_t reserved = 0;
  int64_t addend = 0;
};

// An R_X86_64_COPY relocation: the program holds a copy of a library's data object.
struct CopyRelocation {
  uint32_t region = 0;  // the copy, in this object
  uint32_t symbol = 0;  // the dynamic symbol copied
};

struct ObjectSummary {
  std::vector<FunctionSummary> functions;  // sorted by start, not overlapping
  std::vector<CallSite> calls;
  std::vector<ArgumentValue> arguments;
  std::vector<uint64_t> atoms;
  std::vector<Reference> references;
  std::vector<SyscallSite> sites;
  std::vector<DataRegion> regions;  // sorted by start, not overlapping
  std::vector<DlopenCall> dlopen_calls;
  std::vector<LibraryString> library_strings;
  std::string strings;  // NUL-separated function names

  // Functions and regions that are reachable whatever the program does: the entry point,
  // DT_INIT and the init and preinit arrays, DT_FINI and the fini array (kept apart: they run
  // at different times, which the static phases tell apart); IRELATIVE resolvers; TLS
  // initial images and data words holding personality routines (root_regions).
  std::vector<uint32_t> init_functions;
  std::vector<uint32_t> fini_functions;
  // Init and fini slots filled through a symbol: bound at link time (linked_program.h).
  std::vector<SymbolSlot> init_symbols;
  std::vector<SymbolSlot> fini_symbols;
  // Personality routines the unwinder calls whenever code of this object unwinds (those
  // reached through a data word make that word's region a root region instead).
  std::vector<uint32_t> unwind_functions;
  uint32_t entry_function = kNoIndex;
  std::vector<uint32_t> ifunc_resolvers;
  std::vector<uint32_t> root_regions;
  // R_X86_64_COPY relocations.
  std::vector<CopyRelocation> copies;
  // Functions whose address this object hands to other objects (as a call argument, or in
  // an exported data object): they may be called from anywhere.
  std::vector<uint32_t> escaping_functions;
  // Warnings about the object (.eh_frame unreadable, ...).
  std::vector<std::string> notes;
  // Functions a language runtime calls through tables the analysis does not read: Go's
  // methods, which reflection and the interface tables the Go runtime builds reach by their
  // offset in a type's method table. Their addresses count as taken from the start.
  std::vector<uint32_t> table_called_functions;
  // The Go release that built the object ("go1.19.8"; "go" when its build information is
  // unreadable); "" for anything else.
  std::string go_version;

  std::span<const CallSite> CallsOf(const FunctionSummary& f) const {
    return {calls.data() + f.calls_begin, f.calls_count};
  }
  std::span<const Reference> ReferencesOf(const FunctionSummary& f) const {
    return {references.data() + f.references_begin, f.references_count};
  }
  std::span<const Reference> ReferencesOf(const DataRegion& r) const {
    return {references.data() + r.references_begin, r.references_count};
  }
  std::span<const SyscallSite> SitesOf(const FunctionSummary& f) const {
    return {sites.data() + f.sites_begin, f.sites_count};
  }
  std::span<const uint64_t> AtomsOf(const ValueRef& v) const {
    return {atoms.data() + v.begin, v.count};
  }
  // The atoms `slot` may hold at the call; nullopt when unknown.
  std::optional<std::span<const uint64_t>> ArgumentOf(const CallSite& c, int slot) const;
  std::string_view NameOf(const FunctionSummary& f) const;
  // Index of the function containing `address`, or kNoIndex.
  uint32_t FunctionAt(uint64_t address) const;
  uint32_t RegionAt(uint64_t address) const;

  // Makes FunctionAt and RegionAt take a step or two: call once functions and regions are
  // final (the analysis and the cache do). Without it, or after they change, both search.
  void IndexRanges();
  RangeIndex function_index;  // not stored in the cache
  RangeIndex region_index;
};

// Slot of `reg` in kTrackedArgumentRegisters, or -1.
int TrackedSlot(int reg);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_OBJECT_SUMMARY_H_
