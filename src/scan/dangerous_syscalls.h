// The system calls a scan reports program by program: calls that change the kernel, other
// processes, namespaces or mounts, or that have been the way into the kernel for exploits.
// A program that can reach one is not wrong; a sandbox for it should ask whether it must.
//
//   for (const DangerousSyscall& d : DangerousSyscalls()) d.name, d.why;
#ifndef SYSFENCE_SCAN_DANGEROUS_SYSCALLS_H_
#define SYSFENCE_SCAN_DANGEROUS_SYSCALLS_H_

#include <span>
#include <string_view>

namespace sysfence {

struct DangerousSyscall {
  std::string_view name;
  std::string_view why;
};

// In the order the overview lists them; every name is an x86-64 syscall of the table.
std::span<const DangerousSyscall> DangerousSyscalls();

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_DANGEROUS_SYSCALLS_H_
