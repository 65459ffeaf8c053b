// SyscallSet: a bitset over x86-64 syscall numbers (see syscall_set.h).
#include "profile/syscall_set.h"

#include <algorithm>

namespace sysfence {

Result<SyscallSet> SyscallSet::FromNames(const std::vector<std::string>& names) {
  SyscallSet set;
  for (const std::string& name : names) {
    std::optional<int> number = ParseSyscallName(name);
    if (!number) return MakeError("unknown syscall name '{}'", name);
    set.Insert(*number);
  }
  return set;
}

Result<SyscallSet> SyscallSet::FromNames(std::initializer_list<std::string_view> names) {
  return FromNames(std::vector<std::string>(names.begin(), names.end()));
}

SyscallSet SyscallSet::All() {
  SyscallSet set;
  for (const SyscallInfo& info : AllSyscalls()) set.Insert(info.number);
  return set;
}

void SyscallSet::Insert(int number) {
  if (number >= 0 && number < kSyscallNumberLimit) bits_.set(static_cast<size_t>(number));
}

void SyscallSet::Erase(int number) {
  if (number >= 0 && number < kSyscallNumberLimit) bits_.reset(static_cast<size_t>(number));
}

bool SyscallSet::Contains(int number) const {
  return number >= 0 && number < kSyscallNumberLimit && bits_[static_cast<size_t>(number)];
}

bool SyscallSet::Contains(std::string_view name) const {
  std::optional<int> number = ParseSyscallName(name);
  return number && Contains(*number);
}

SyscallSet& SyscallSet::operator|=(const SyscallSet& other) {
  bits_ |= other.bits_;
  return *this;
}

SyscallSet& SyscallSet::operator&=(const SyscallSet& other) {
  bits_ &= other.bits_;
  return *this;
}

SyscallSet& SyscallSet::operator-=(const SyscallSet& other) {
  bits_ &= ~other.bits_;
  return *this;
}

std::vector<std::string> SyscallSet::Names() const {
  std::vector<std::string> names;
  names.reserve(bits_.count());
  for (int number : *this) {
    names.push_back(SyscallDisplayName(number));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<int> SyscallSet::Numbers() const {
  std::vector<int> numbers;
  numbers.reserve(bits_.count());
  for (int number : *this) numbers.push_back(number);
  return numbers;
}

}  // namespace sysfence
