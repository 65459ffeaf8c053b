// The syscall arguments sysfence records, compares and enforces: the security-relevant scalar
// ones (socket families and types, clone and unshare flags, ioctl requests, prctl options,
// fcntl commands, memory protections, personality, socket option levels and names, madvise
// advice, signals, keyctl, bpf and ptrace operations, open's access mode and O_CREAT). Each
// is compared masked, `(arg & mask) == value`: for a flag word the mask keeps the bits that
// matter (CLONE_NEW*, CLONE_THREAD, CLONE_VM), for a number it keeps the 32 bits the kernel
// reads (an int argument may arrive sign-extended). Values print by the kernel's name where
// it has one (AF_INET, TIOCSTI, CLONE_VM|CLONE_THREAD), as numbers otherwise.
//
//   const ArgumentSpec* spec = FindArgumentSpec(*SyscallNumber("socket"), "domain");
//   uint64_t value = spec->Masked(regs.rdi);        // 2
//   FormatArgumentValue(*spec, value);              // "AF_INET"
//   ParseArgumentValue(*spec, "AF_NETLINK");        // 16
//   for (const ArgumentSpec& s : ArgumentSpecsOf(*SyscallNumber("clone"))) ...;
//
// clone3 passes its flags in memory, which a seccomp filter cannot read: it is allowed or
// denied as a whole (kMemoryArguments says so for the docs and the exporters).
#ifndef SYSFENCE_SYSCALLS_ARGUMENT_TABLE_H_
#define SYSFENCE_SYSCALLS_ARGUMENT_TABLE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sysfence {

struct NamedValue {
  uint64_t value;
  std::string_view name;
};

enum class ArgumentKind : uint8_t {
  kValue,  // one of a set of numbers (a family, a request): printed by name or as a number
  kFlags,  // a word of flag bits: printed as NAME|NAME, 0 by its name if it has one
};

struct ArgumentSpec {
  int syscall;            // x86-64 number
  uint8_t index;          // argument register, 0-5 (rdi, rsi, rdx, r10, r8, r9)
  std::string_view name;  // "domain", "flags", "request", ...
  ArgumentKind kind;
  uint64_t mask;          // the bits compared
  std::span<const NamedValue> names;

  uint64_t Masked(uint64_t raw) const { return raw & mask; }
};

// Every argument of the table, ordered by syscall number, then argument index.
std::span<const ArgumentSpec> ArgumentSpecs();
// The table's arguments of one syscall (empty for most).
std::span<const ArgumentSpec> ArgumentSpecsOf(int syscall);
const ArgumentSpec* FindArgumentSpec(int syscall, std::string_view argument);
const ArgumentSpec* FindArgumentSpec(int syscall, uint8_t index);

// Syscalls whose interesting arguments live in memory (clone3's struct clone_args, openat2's
// struct open_how), which filters cannot check: why, for docs and warnings.
struct MemoryArguments {
  std::string_view syscall;
  std::string_view why;
};
std::span<const MemoryArguments> MemoryArgumentSyscalls();

// A masked value as the profile writes it: "AF_INET", "CLONE_VM|CLONE_THREAD", "O_RDONLY",
// "42", "0x5401".
std::string FormatArgumentValue(const ArgumentSpec& spec, uint64_t value);
// The inverse: a name of the spec's group, NAME|NAME for flags, a decimal or 0x number.
// nullopt when the text is none of these or has bits outside the mask.
std::optional<uint64_t> ParseArgumentValue(const ArgumentSpec& spec, std::string_view text);

}  // namespace sysfence

#endif  // SYSFENCE_SYSCALLS_ARGUMENT_TABLE_H_
