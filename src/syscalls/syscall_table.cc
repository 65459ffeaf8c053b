// Lookups over the generated syscall tables (syscall_table_data.inc).
#include "syscalls/syscall_table.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace sysfence {
namespace {

using enum Category;

constexpr SyscallInfo kX86_64Table[] = {
#define SYSFENCE_X86_64_SYSCALL(number, name, category) {number, name, category},
#include "syscalls/syscall_table_data.inc"
#undef SYSFENCE_X86_64_SYSCALL
};

struct I386Entry {
  int number;
  std::string_view name;
};
constexpr I386Entry kI386Table[] = {
#define SYSFENCE_I386_SYSCALL(number, name) {number, name},
#include "syscalls/syscall_table_data.inc"
#undef SYSFENCE_I386_SYSCALL
};

static_assert(std::is_sorted(std::begin(kX86_64Table), std::end(kX86_64Table),
                             [](const SyscallInfo& a, const SyscallInfo& b) {
                               return a.number < b.number;
                             }));
static_assert(std::end(kX86_64Table)[-1].number < kMaxSyscallNumber);

struct Index {
  std::array<const SyscallInfo*, kMaxSyscallNumber> by_number{};
  std::unordered_map<std::string_view, int> by_name;
  std::unordered_map<int, std::string_view> i386_by_number;
  std::unordered_map<std::string_view, int> i386_by_name;
};

const Index& GetIndex() {
  static const Index* const kIndex = [] {
    auto* built = new Index;
    for (const SyscallInfo& info : kX86_64Table) {
      built->by_number[static_cast<size_t>(info.number)] = &info;
      built->by_name.emplace(info.name, info.number);
    }
    for (const I386Entry& entry : kI386Table) {
      built->i386_by_number.emplace(entry.number, entry.name);
      built->i386_by_name.emplace(entry.name, entry.number);
    }
    return built;
  }();
  return *kIndex;
}

struct CategoryNames {
  std::string_view name;
  std::string_view title;
};
constexpr CategoryNames kCategoryNames[kCategoryCount] = {
    {"file", "File system"},
    {"io", "Descriptor I/O"},
    {"network", "Networking"},
    {"process", "Process/thread management"},
    {"memory", "Memory"},
    {"signal", "Signalling"},
    {"ipc", "IPC"},
    {"time", "Time"},
    {"security", "Security/permissions"},
    {"system", "System administration"},
};

}  // namespace

std::span<const SyscallInfo> AllSyscalls() { return kX86_64Table; }

int TotalSyscallCount() { return static_cast<int>(std::size(kX86_64Table)); }

const SyscallInfo* FindSyscall(int number) {
  if (number < 0 || number >= kMaxSyscallNumber) return nullptr;
  return GetIndex().by_number[static_cast<size_t>(number)];
}

std::string_view SyscallName(int number) {
  const SyscallInfo* info = FindSyscall(number);
  return info == nullptr ? std::string_view() : info->name;
}

std::optional<int> SyscallNumber(std::string_view name) {
  const auto& by_name = GetIndex().by_name;
  auto it = by_name.find(name);
  if (it == by_name.end()) return std::nullopt;
  return it->second;
}

std::string_view I386SyscallName(int number) {
  const auto& map = GetIndex().i386_by_number;
  auto it = map.find(number);
  return it == map.end() ? std::string_view() : it->second;
}

std::optional<int> I386SyscallNumber(std::string_view name) {
  const auto& map = GetIndex().i386_by_name;
  auto it = map.find(name);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

int I386SyscallCount() { return static_cast<int>(std::size(kI386Table)); }

std::string SyscallDisplayName(int number) {
  std::string_view name = SyscallName(number);
  return name.empty() ? "syscall_" + std::to_string(number) : std::string(name);
}

std::optional<int> ParseSyscallName(std::string_view name) {
  if (std::optional<int> number = SyscallNumber(name)) return number;
  constexpr std::string_view kPrefix = "syscall_";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) return std::nullopt;
  std::string_view digits = name.substr(kPrefix.size());
  if (digits.size() > 4 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  if (number >= kSyscallNumberLimit) return std::nullopt;
  return number;
}

Category SyscallCategory(int number) {
  const SyscallInfo* info = FindSyscall(number);
  return info == nullptr ? kSystem : info->category;
}

std::string_view CategoryName(Category category) {
  return kCategoryNames[static_cast<int>(category)].name;
}

std::string_view CategoryTitle(Category category) {
  return kCategoryNames[static_cast<int>(category)].title;
}

std::optional<Category> CategoryFromName(std::string_view name) {
  for (int i = 0; i < kCategoryCount; ++i) {
    if (kCategoryNames[i].name == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

}  // namespace sysfence
