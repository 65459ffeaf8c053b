// The seccomp filter that turns a tracee's system calls into ptrace stops. It is the one place
// that decides which calls the tracer sees: every call (the default, what `sysfence trace`
// uses) or only a chosen set (for a supervisor that needs to see only some calls).
//
//   Result<BpfProgram> all = BuildSeccompTraceFilter(std::nullopt);
//   SyscallSet execs = SyscallSet::FromNames({"execve", "execveat"}).value();
//   Result<BpfProgram> some = BuildSeccompTraceFilter(execs);
//   // in the child, before execve: InstallSeccompFilter(*all, NoNewPrivs::kWhenRequired)
#ifndef SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_
#define SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_

#include <optional>

#include "base/result.h"
#include "profile/syscall_set.h"
#include "seccomp/bpf_program.h"

namespace sysfence {

// Builds a filter that returns SECCOMP_RET_TRACE for the calls in `traced` (x86-64 numbers)
// and SECCOMP_RET_ALLOW for the others; nullopt traces every call. Calls the x86-64 table does
// not know (fake numbers, x32 numbers) and i386 calls (`int 0x80`) without an x86-64
// counterpart are always traced, so a subset filter never hides an unexpected call. Built in
// the parent, so the forked child only has to hand it to the kernel.
Result<BpfProgram> BuildSeccompTraceFilter(const std::optional<SyscallSet>& traced);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_SECCOMP_TRACE_FILTER_H_
