// The seccomp filter that turns a tracee's system calls into ptrace stops. It is the one place
// that decides which calls the tracer sees: every call (the default, what `sysfence trace`
// uses) or only a chosen set (for a supervisor that needs to see only some calls).
//
//   Result<SeccompProgram> all = BuildSeccompTraceFilter(std::nullopt);
//   SyscallSet execs = SyscallSet::FromNames({"execve", "execveat"}).value();
//   Result<SeccompProgram> some = BuildSeccompTraceFilter(execs);
//   // in the child, before execve: InstallSeccompProgram(*all)
#ifndef SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_
#define SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_

#include <linux/filter.h>

#include <optional>
#include <vector>

#include "base/result.h"
#include "profile/syscall_set.h"

namespace sysfence {

// A classic-BPF seccomp program, built in the parent so the forked child only has to hand it
// to the kernel (no allocation between fork and execve).
struct SeccompProgram {
  std::vector<sock_filter> instructions;
};

// Builds a filter that returns SECCOMP_RET_TRACE for the calls in `traced` (x86-64 numbers)
// and SECCOMP_RET_ALLOW for the others; nullopt traces every call. Calls the x86-64 table does
// not know (fake numbers, x32 numbers) and i386 calls (`int 0x80`) without an x86-64
// counterpart are always traced, so a subset filter never hides an unexpected call.
Result<SeccompProgram> BuildSeccompTraceFilter(const std::optional<SyscallSet>& traced);

// Installs `program` on the calling thread. Async-signal-safe: meant for a child between fork
// and execve. Sets no_new_privs only when the kernel refuses the filter without it (a process
// without CAP_SYS_ADMIN), because no_new_privs makes setuid programs run unprivileged.
// Returns 0 or an errno value.
int InstallSeccompProgram(const SeccompProgram& program);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_
