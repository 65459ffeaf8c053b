// The PTRACE_SEIZE options of every process sysfence traces, the same for the tracer
// (trace/tracee_launcher.h) and the seccomp supervisor of `sysfence run` (enforce/):
// follow fork, vfork, clone and exec; report the filters' SECCOMP_RET_TRACE stops; mark
// syscall stops (SIGTRAP | 0x80, for the tracer's PTRACE_SYSCALL mode); and have the kernel
// SIGKILL every tracee if sysfence dies, so none is left running with a filter that no tracer
// answers (its traced calls would fail with ENOSYS).
//
//   if (ptrace(PTRACE_SEIZE, pid, 0, kTraceeOptions) != 0) ...
//   if (event == PTRACE_EVENT_STOP && IsGroupStopSignal(WSTOPSIG(status))) ptrace(PTRACE_LISTEN...)
#ifndef SYSFENCE_PTRACE_PTRACE_OPTIONS_H_
#define SYSFENCE_PTRACE_PTRACE_OPTIONS_H_

#include <signal.h>
#include <sys/ptrace.h>

namespace sysfence {

inline constexpr unsigned long kTraceeOptions =
    PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
    PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;

// The signals whose PTRACE_EVENT_STOP is a group-stop (job control): a seized tracee stays
// stopped there, under PTRACE_LISTEN, until a SIGCONT, as it would without a tracer.
inline bool IsGroupStopSignal(int signal) {
  return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
}

}  // namespace sysfence

#endif  // SYSFENCE_PTRACE_PTRACE_OPTIONS_H_
