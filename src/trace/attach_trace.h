// `sysfence trace --pid PID --backend ptrace`: records running processes with sysfence's ptrace
// tracer. Each thread is seized (PTRACE_SEIZE, without PTRACE_O_EXITKILL: the processes outlive
// sysfence whatever happens to it) and stopped once so that it resumes under PTRACE_SYSCALL (a
// running process cannot be given the trace filter, so every call stops twice). At the end each
// thread is interrupted and detached, and runs on as it would have without sysfence.
//
//   AttachOptions options{.pids = {1234}, .duration_ns = 60'000'000'000};
//   Result<AttachResult> done = PtraceAttach(options, &observer);
#ifndef SYSFENCE_TRACE_ATTACH_TRACE_H_
#define SYSFENCE_TRACE_ATTACH_TRACE_H_

#include "base/result.h"
#include "record/attach.h"
#include "record/trace_observer.h"

namespace sysfence {

// Records options.pids (a cgroup needs the eBPF backend: refused) until the end `options`
// names. Errors name the --pid that cannot be traced, and why (ptrace_permission.h). Must be
// the only one waiting for children meanwhile, like TraceCommand.
Result<AttachResult> PtraceAttach(const AttachOptions& options, TraceObserver* observer);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_ATTACH_TRACE_H_
