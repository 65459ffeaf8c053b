// Reading a stopped tracee's memory, for observers that need a call's pointer arguments (the
// path of an openat or execve, a sockaddr). Uses process_vm_readv: one system call per page,
// no word-by-word PTRACE_PEEKDATA.
//
//   void OnSyscall(TraceContext&, const SyscallStop& stop) override {
//     if (stop.number == __NR_openat) {
//       Result<std::string> path = ReadTraceeString(stop.pid, stop.args[1]);
//     }
//   }
#ifndef SYSFENCE_PTRACE_TRACEE_MEMORY_H_
#define SYSFENCE_PTRACE_TRACEE_MEMORY_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace sysfence {

// The longest string ReadTraceeString returns by default (PATH_MAX).
inline constexpr size_t kMaxTraceeString = 4096;

// Reads the NUL-terminated string at `address` in process `pid`, without the NUL. Fails when
// the memory cannot be read or no NUL comes within `max_length` bytes.
Result<std::string> ReadTraceeString(pid_t pid, uint64_t address,
                                     size_t max_length = kMaxTraceeString);

// Reads exactly `size` bytes at `address`; fails when any of them cannot be read.
Result<std::string> ReadTraceeBytes(pid_t pid, uint64_t address, size_t size);

}  // namespace sysfence

#endif  // SYSFENCE_PTRACE_TRACEE_MEMORY_H_
