// The argument table (see argument_table.h). The names and their values are generated from
// the system headers (scripts/gen_argument_names.py, argument_names.inc); which argument of
// which syscall uses which group, and its mask, is written here.
#include "syscalls/argument_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

#define SYSFENCE_NAMES_BEGIN(group) constexpr NamedValue group[] = {
#define SYSFENCE_NAME(name, value) {value, #name},
#define SYSFENCE_NAMES_END(group) \
  }                               \
  ;
#include "syscalls/argument_names.inc"
#undef SYSFENCE_NAMES_BEGIN
#undef SYSFENCE_NAME
#undef SYSFENCE_NAMES_END

constexpr uint64_t kInt = 0xffffffff;  // what the kernel reads of an int argument
// SOCK_TYPE_MASK: the type without SOCK_CLOEXEC and SOCK_NONBLOCK.
constexpr uint64_t kSocketType = 0xf;
// The clone flags that change what the child is: new namespaces, a thread, shared memory.
constexpr uint64_t kCloneNamespaces = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 |
                                      0x10000000 | 0x20000000 | 0x40000000;  // CLONE_NEW*
constexpr uint64_t kCloneMask = kCloneNamespaces | 0x00010000 /*THREAD*/ | 0x00000100 /*VM*/;
constexpr uint64_t kUnshareMask = kCloneNamespaces | 0x00000080;  // and CLONE_NEWTIME
constexpr uint64_t kProtMask = 0x2 | 0x4;                         // PROT_WRITE | PROT_EXEC
constexpr uint64_t kOpenMask = 0x3 | 0x40;                        // O_ACCMODE | O_CREAT

struct Row {
  std::string_view syscall;
  uint8_t index;
  std::string_view name;
  ArgumentKind kind;
  uint64_t mask;
  std::span<const NamedValue> names;
};

constexpr ArgumentKind kValue = ArgumentKind::kValue;
constexpr ArgumentKind kFlags = ArgumentKind::kFlags;

const Row kRows[] = {
    {"socket", 0, "domain", kValue, kInt, kAddressFamilies},
    {"socket", 1, "type", kValue, kSocketType, kSocketTypes},
    {"socketpair", 0, "domain", kValue, kInt, kAddressFamilies},
    {"socketpair", 1, "type", kValue, kSocketType, kSocketTypes},
    {"clone", 0, "flags", kFlags, kCloneMask, kCloneFlags},
    {"unshare", 0, "flags", kFlags, kUnshareMask, kCloneFlags},
    {"ioctl", 1, "request", kValue, kInt, kIoctlRequests},
    {"prctl", 0, "option", kValue, kInt, kPrctlOptions},
    {"fcntl", 1, "cmd", kValue, kInt, kFcntlCommands},
    {"mmap", 2, "prot", kFlags, kProtMask, kProtections},
    {"mprotect", 2, "prot", kFlags, kProtMask, kProtections},
    {"pkey_mprotect", 2, "prot", kFlags, kProtMask, kProtections},
    {"personality", 0, "persona", kValue, kInt, kPersonalities},
    {"setsockopt", 1, "level", kValue, kInt, kSocketLevels},
    {"setsockopt", 2, "optname", kValue, kInt, {}},
    {"getsockopt", 1, "level", kValue, kInt, kSocketLevels},
    {"getsockopt", 2, "optname", kValue, kInt, {}},
    {"madvise", 2, "advice", kValue, kInt, kMadviseAdvice},
    {"kill", 1, "signal", kValue, kInt, kSignals},
    {"tkill", 1, "signal", kValue, kInt, kSignals},
    {"tgkill", 2, "signal", kValue, kInt, kSignals},
    {"rt_sigqueueinfo", 1, "signal", kValue, kInt, kSignals},
    {"rt_tgsigqueueinfo", 2, "signal", kValue, kInt, kSignals},
    {"keyctl", 0, "operation", kValue, kInt, kKeyctlOperations},
    {"bpf", 0, "cmd", kValue, kInt, kBpfCommands},
    {"ptrace", 0, "request", kValue, kInt, kPtraceRequests},
    {"open", 1, "flags", kFlags, kOpenMask, kOpenFlags},
    {"openat", 2, "flags", kFlags, kOpenMask, kOpenFlags},
};

// The rows as specs, sorted, with each syscall's run of them by number (the tracers look a
// call's arguments up at every stop).
struct Table {
  std::vector<ArgumentSpec> specs;
  std::vector<std::span<const ArgumentSpec>> by_number;  // kSyscallNumberLimit entries
};

const Table& TheTable() {
  static const Table kTable = [] {
    Table t;
    for (const Row& row : kRows) {
      t.specs.push_back(
          {*SyscallNumber(row.syscall), row.index, row.name, row.kind, row.mask, row.names});
    }
    std::stable_sort(
        t.specs.begin(), t.specs.end(), [](const ArgumentSpec& a, const ArgumentSpec& b) {
          return std::make_pair(a.syscall, a.index) < std::make_pair(b.syscall, b.index);
        });
    t.by_number.resize(kSyscallNumberLimit);
    for (size_t begin = 0, end = 0; begin < t.specs.size(); begin = end) {
      for (end = begin; end < t.specs.size() && t.specs[end].syscall == t.specs[begin].syscall;) {
        ++end;
      }
      t.by_number[static_cast<size_t>(t.specs[begin].syscall)] = {t.specs.data() + begin,
                                                                  end - begin};
    }
    return t;
  }();
  return kTable;
}

constexpr MemoryArguments kMemory[] = {
    {"clone3", "its flags are in struct clone_args in memory: allowed or denied as a whole"},
    {"openat2", "its flags are in struct open_how in memory: allowed or denied as a whole"},
};

std::string Number(uint64_t value) {
  return value < 4096 ? fmt::format("{}", value) : fmt::format("{:#x}", value);
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  if (text.empty()) return std::nullopt;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> ParseOne(const ArgumentSpec& spec, std::string_view text) {
  for (const NamedValue& n : spec.names) {
    if (n.name == text) return n.value;
  }
  return ParseNumber(text);
}

}  // namespace

std::span<const ArgumentSpec> ArgumentSpecs() { return TheTable().specs; }

std::span<const ArgumentSpec> ArgumentSpecsOf(int syscall) {
  if (syscall < 0 || syscall >= kSyscallNumberLimit) return {};
  return TheTable().by_number[static_cast<size_t>(syscall)];
}

const ArgumentSpec* FindArgumentSpec(int syscall, std::string_view argument) {
  for (const ArgumentSpec& spec : ArgumentSpecsOf(syscall)) {
    if (spec.name == argument) return &spec;
  }
  return nullptr;
}

const ArgumentSpec* FindArgumentSpec(int syscall, uint8_t index) {
  for (const ArgumentSpec& spec : ArgumentSpecsOf(syscall)) {
    if (spec.index == index) return &spec;
  }
  return nullptr;
}

std::span<const MemoryArguments> MemoryArgumentSyscalls() { return kMemory; }

std::string FormatArgumentValue(const ArgumentSpec& spec, uint64_t value) {
  for (const NamedValue& n : spec.names) {
    if (n.value == value) return std::string(n.name);
  }
  if (spec.kind == ArgumentKind::kValue) return Number(value);
  std::string text;
  uint64_t rest = value;
  for (const NamedValue& n : spec.names) {
    // Single bits only; the first name of a bit wins (aliases follow it).
    if (n.value == 0 || (n.value & (n.value - 1)) != 0 || (rest & n.value) == 0) continue;
    if (!text.empty()) text += '|';
    text += n.name;
    rest &= ~n.value;
  }
  if (rest != 0) {
    if (!text.empty()) text += '|';
    text += fmt::format("{:#x}", rest);
  }
  return text.empty() ? "0" : text;
}

std::optional<uint64_t> ParseArgumentValue(const ArgumentSpec& spec, std::string_view text) {
  uint64_t value = 0;
  if (spec.kind == ArgumentKind::kFlags) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t bar = text.find('|', start);
      if (bar == std::string_view::npos) bar = text.size();
      std::optional<uint64_t> part = ParseOne(spec, text.substr(start, bar - start));
      if (!part) return std::nullopt;
      value |= *part;
      start = bar + 1;
    }
  } else {
    std::optional<uint64_t> one = ParseOne(spec, text);
    if (!one) return std::nullopt;
    value = *one;
  }
  if ((value & ~spec.mask) != 0) return std::nullopt;
  return value;
}

}  // namespace sysfence
