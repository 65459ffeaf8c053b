// The x86-64 system call table (number <-> name <-> category) and the i386 compat table that a
// 64-bit process reaches through `int 0x80`. Generated from the kernel's lists by
// scripts/gen_syscall_tables.py and checked against <asm/unistd_64.h> by a test.
//
//   std::optional<int> nr = SyscallNumber("openat");   // 257
//   std::string_view name = SyscallName(257);          // "openat"
//   Category c = SyscallCategory(257);                 // Category::kFile
#ifndef SYSFENCE_SYSCALLS_SYSCALL_TABLE_H_
#define SYSFENCE_SYSCALLS_SYSCALL_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>

namespace sysfence {

// One past the largest x86-64 syscall number we model (the x32 range 512+ is not x86-64).
inline constexpr int kMaxSyscallNumber = 512;
// Bit 30 of a call number made with the x86-64 `syscall` instruction selects the x32 ABI.
inline constexpr uint32_t kX32SyscallBit = 0x40000000;

// What a syscall is for, in the words the poster uses to explain differences between sets.
enum class Category {
  kFile,          // paths, metadata, directories
  kDescriptorIo,  // read/write/poll on descriptors
  kNetwork,       // sockets
  kProcess,       // process and thread management, scheduling, limits
  kMemory,        // mappings and memory policy
  kSignal,        // signal delivery and handling
  kIpc,           // System V and POSIX IPC
  kTime,          // clocks, timers, sleeping
  kSecurity,      // credentials, capabilities, seccomp, keys, landlock
  kSystem,        // whole-system administration, modules, mounts, bpf
};
inline constexpr int kCategoryCount = 10;

struct SyscallInfo {
  int number;
  std::string_view name;
  Category category;
};

// All x86-64 syscalls, ordered by number.
std::span<const SyscallInfo> AllSyscalls();

// Number of x86-64 syscalls in the table ("all x86-64 syscalls" in shares).
int TotalSyscallCount();

// x86-64 name of `number`, or "" when the number is not a syscall.
std::string_view SyscallName(int number);
std::optional<int> SyscallNumber(std::string_view name);
const SyscallInfo* FindSyscall(int number);

// i386 compat names (`int 0x80` from a 64-bit process).
std::string_view I386SyscallName(int number);
std::optional<int> I386SyscallNumber(std::string_view name);
int I386SyscallCount();

// Numbers a SyscallSet can hold. Numbers in [kMaxSyscallNumber, kSyscallNumberLimit) are not
// syscalls of this kernel but can be made (`syscall(600)`), and tests use them as markers;
// they are named "syscall_N".
inline constexpr int kSyscallNumberLimit = 1024;

// The table name of `number`, or "syscall_N" for a number outside the table.
std::string SyscallDisplayName(int number);
// Accepts a table name or "syscall_N" (0 <= N < kSyscallNumberLimit).
std::optional<int> ParseSyscallName(std::string_view name);

// Category of an x86-64 syscall number (kSystem for unknown numbers).
Category SyscallCategory(int number);
// "file", "io", "network", ...: the short, stable name used in JSON and CSV.
std::string_view CategoryName(Category category);
// "File system", "Descriptor I/O", ...: the name used in reports.
std::string_view CategoryTitle(Category category);
std::optional<Category> CategoryFromName(std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_SYSCALLS_SYSCALL_TABLE_H_
