// Locating functions by their calls and syscalls (see function_locator.h).
//
// The library-knowledge rules name glibc's internal functions (__init_sched_fifo_prio,
// create_thread, ...). A stripped libc names only its exports, so without a debug file the
// rules used to be left out. Internal functions are still tied to exports by direct calls,
// and those survive stripping: __init_sched_fifo_prio is the function both
// pthread_mutexattr_getprioceiling and pthread_mutexattr_setprioceiling call, and it calls
// sched_get_priority_max and sched_get_priority_min. A locator lists such facts; it is
// trusted only when exactly one function matches them, so a library whose code is shaped
// differently loses the rule rather than gaining a wrong one. The summary already holds
// every direct call with its target function, so this costs one pass over a few functions.
#include "analysis/function_locator.h"

#include <algorithm>
#include <iterator>

#include "analysis/value_set.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// The function an exported name (any version) starts; kNoIndex when the object exports no
// such function.
uint32_t ExportedFunction(const ElfFile& elf, const ObjectSummary& summary, std::string_view name) {
  for (const ElfSymbol& s : elf.dynamic_symbols()) {
    if (s.IsDefined() && s.IsFunction() && s.name == name) {
      uint32_t f = summary.FunctionAt(s.value);
      if (f != kNoIndex && summary.functions[f].start == s.value) return f;
    }
  }
  return kNoIndex;
}

std::vector<uint32_t> DirectCallees(const ObjectSummary& summary, uint32_t function) {
  std::vector<uint32_t> callees;
  for (const CallSite& c : summary.CallsOf(summary.functions[function])) {
    if (c.target_kind == TargetKind::kFunction && !(c.flags & kCallMidFunction)) {
      callees.push_back(c.target);
    }
  }
  std::sort(callees.begin(), callees.end());
  callees.erase(std::unique(callees.begin(), callees.end()), callees.end());
  return callees;
}

std::vector<uint32_t> TakenAddresses(const ObjectSummary& summary, uint32_t function) {
  std::vector<uint32_t> taken;
  for (const Reference& r : summary.ReferencesOf(summary.functions[function])) {
    if (r.kind == ReferenceKind::kFunction) taken.push_back(r.index);
  }
  std::sort(taken.begin(), taken.end());
  taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
  return taken;
}

// The functions that every one of `functions` calls (or takes the address of, `taken`).
std::vector<uint32_t> Common(const ObjectSummary& summary, const std::vector<uint32_t>& functions,
                             bool taken) {
  std::vector<uint32_t> common;
  for (size_t i = 0; i < functions.size(); ++i) {
    std::vector<uint32_t> next =
        taken ? TakenAddresses(summary, functions[i]) : DirectCallees(summary, functions[i]);
    if (i == 0) {
      common = std::move(next);
      continue;
    }
    std::vector<uint32_t> both;
    std::set_intersection(common.begin(), common.end(), next.begin(), next.end(),
                          std::back_inserter(both));
    common.swap(both);
  }
  return common;
}

bool Issues(const ObjectSummary& summary, uint32_t function, int number) {
  for (const SyscallSite& site : summary.SitesOf(summary.functions[function])) {
    if (site.number.unknown || site.kind != SiteKind::kSyscall) continue;
    for (uint64_t bits : summary.AtomsOf(site.number)) {
      Atom a = Atom::FromBits(bits);
      if (a.kind() == Atom::kConstant && a.payload() == static_cast<uint64_t>(number)) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<int> GlibcMinorVersion(const ElfFile& elf) {
  static constexpr std::string_view kBanner = "release version 2.";
  for (const ElfSection& s : elf.sections()) {
    if (!s.IsAllocated() || s.IsExecutable() || s.IsWritable() || !s.HasFileBytes()) continue;
    std::optional<ByteView> bytes = elf.bytes().Sub(s.offset, s.size);
    if (!bytes) continue;
    std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    for (size_t at = text.find(kBanner); at != std::string_view::npos;
         at = text.find(kBanner, at + 1)) {
      size_t digits = at + kBanner.size();
      int minor = 0;
      size_t end = digits;
      while (end < text.size() && end - digits < 4 && text[end] >= '0' && text[end] <= '9') {
        minor = minor * 10 + (text[end] - '0');
        ++end;
      }
      if (end > digits) return minor;
    }
  }
  return std::nullopt;
}

uint32_t FindFunctionByName(const ElfFile& elf, const ObjectSummary& summary,
                            std::string_view name) {
  for (const auto* table : {&elf.symbols(), &elf.dynamic_symbols()}) {
    for (const ElfSymbol& s : *table) {
      if (s.IsDefined() && s.IsFunction() && s.name == name) {
        uint32_t f = summary.FunctionAt(s.value);
        if (f != kNoIndex) return f;
      }
    }
  }
  return FindGoFunctionByName(summary, name);
}

uint32_t FindGoFunctionByName(const ObjectSummary& summary, std::string_view name) {
  // Go's functions keep their names in Go's own table, also when the program is stripped.
  if (!summary.go_version.empty()) {
    for (uint32_t f = 0; f < summary.functions.size(); ++f) {
      if (summary.NameOf(summary.functions[f]) == name) return f;
    }
  }
  return kNoIndex;
}

uint32_t LocateFunction(const ElfFile& elf, const ObjectSummary& summary,
                        const FunctionLocator& locator) {
  if (locator.empty()) return kNoIndex;
  if (locator.min_glibc_minor > 0) {
    std::optional<int> minor = GlibcMinorVersion(elf);
    if (!minor || *minor < locator.min_glibc_minor) return kNoIndex;
  }
  std::optional<int> number;
  if (!locator.issues.empty()) {
    number = SyscallNumber(locator.issues);
    if (!number) return kNoIndex;
  }
  auto exported = [&](const std::vector<std::string_view>& names, std::vector<uint32_t>& out) {
    for (std::string_view name : names) {
      uint32_t f = ExportedFunction(elf, summary, name);
      if (f == kNoIndex) return false;
      out.push_back(f);
    }
    std::sort(out.begin(), out.end());
    return true;
  };
  std::vector<uint32_t> callers, takers, calls, never;
  if (!exported(locator.called_by, callers) || !exported(locator.taken_by, takers) ||
      !exported(locator.calls, calls)) {
    return kNoIndex;
  }
  // A function the object does not export cannot be called, so it is never called.
  for (std::string_view name : locator.never_calls) {
    uint32_t f = ExportedFunction(elf, summary, name);
    if (f != kNoIndex) never.push_back(f);
  }
  std::sort(never.begin(), never.end());

  std::vector<uint32_t> candidates;
  if (callers.empty() && takers.empty()) {
    for (uint32_t f = 0; f < summary.functions.size(); ++f) candidates.push_back(f);
  } else if (takers.empty()) {
    candidates = Common(summary, callers, false);
  } else if (callers.empty()) {
    candidates = Common(summary, takers, true);
  } else {
    std::vector<uint32_t> called = Common(summary, callers, false);
    std::vector<uint32_t> taken = Common(summary, takers, true);
    std::set_intersection(called.begin(), called.end(), taken.begin(), taken.end(),
                          std::back_inserter(candidates));
  }
  uint32_t found = kNoIndex;
  for (uint32_t f : candidates) {
    if (number && !Issues(summary, f, *number)) continue;
    std::vector<uint32_t> callees = DirectCallees(summary, f);
    if (!std::includes(callees.begin(), callees.end(), calls.begin(), calls.end())) continue;
    bool calls_excluded = std::any_of(callees.begin(), callees.end(), [&](uint32_t c) {
      return std::binary_search(never.begin(), never.end(), c);
    });
    if (calls_excluded) continue;
    if (found != kNoIndex) return kNoIndex;  // not unique
    found = f;
  }
  return found;
}

}  // namespace sysfence
