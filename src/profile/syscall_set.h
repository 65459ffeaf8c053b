// A set of x86-64 system calls, stored as a bitset over syscall numbers. The common currency
// of sysfence: traces, static analysis, phases and filters all produce or consume these.
//
//   SyscallSet set = SyscallSet::FromNames({"read", "write"}).value();
//   set.Insert(*SyscallNumber("close"));
//   for (int nr : set) ...;            // ascending numbers
//   set.Names();                       // {"close", "read", "write"}: sorted by name
#ifndef SYSFENCE_PROFILE_SYSCALL_SET_H_
#define SYSFENCE_PROFILE_SYSCALL_SET_H_

#include <bitset>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

class SyscallSet {
 public:
  SyscallSet() = default;

  // Fails on the first name that is neither an x86-64 syscall nor "syscall_N".
  static Result<SyscallSet> FromNames(const std::vector<std::string>& names);
  static Result<SyscallSet> FromNames(std::initializer_list<std::string_view> names);
  // Every syscall of the table.
  static SyscallSet All();

  // Numbers outside [0, kSyscallNumberLimit) are ignored.
  void Insert(int number);
  void Erase(int number);
  bool Contains(int number) const;
  bool Contains(std::string_view name) const;
  int Size() const { return static_cast<int>(bits_.count()); }
  bool Empty() const { return bits_.none(); }

  SyscallSet& operator|=(const SyscallSet& other);
  SyscallSet& operator&=(const SyscallSet& other);
  SyscallSet& operator-=(const SyscallSet& other);
  friend SyscallSet operator|(SyscallSet a, const SyscallSet& b) { return a |= b; }
  friend SyscallSet operator&(SyscallSet a, const SyscallSet& b) { return a &= b; }
  friend SyscallSet operator-(SyscallSet a, const SyscallSet& b) { return a -= b; }
  bool operator==(const SyscallSet& other) const = default;
  bool IsSubsetOf(const SyscallSet& other) const { return (bits_ & ~other.bits_).none(); }

  // Names sorted alphabetically (the profile JSON order).
  std::vector<std::string> Names() const;
  // Numbers in ascending order.
  std::vector<int> Numbers() const;

  // Iterates over the numbers in ascending order.
  class Iterator {
   public:
    Iterator(const SyscallSet* set, int position) : set_(set), position_(position) { Skip(); }
    int operator*() const { return position_; }
    Iterator& operator++() {
      ++position_;
      Skip();
      return *this;
    }
    bool operator!=(const Iterator& other) const { return position_ != other.position_; }

   private:
    void Skip() {
      while (position_ < kSyscallNumberLimit && !set_->bits_[static_cast<size_t>(position_)]) {
        ++position_;
      }
    }
    const SyscallSet* set_;
    int position_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, kSyscallNumberLimit); }

 private:
  std::bitset<kSyscallNumberLimit> bits_;
};

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_SYSCALL_SET_H_
