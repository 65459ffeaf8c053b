// Why the kernel refused to let sysfence trace: turns an EPERM from PTRACE_SEIZE into a
// sentence a user can act on (Yama's ptrace_scope, a missing CAP_SYS_PTRACE, a seccomp filter
// around sysfence as in containers, or a tracer already attached to the command).
//
//   PtraceFacts facts = GatherPtraceFacts(child_pid);
//   Error error = ExplainPtraceDenial(EPERM, facts);
#ifndef SYSFENCE_PTRACE_PTRACE_PERMISSION_H_
#define SYSFENCE_PTRACE_PTRACE_PERMISSION_H_

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace sysfence {

// What the system says about ptrace, read from /proc.
struct PtraceFacts {
  int yama_scope = -1;            // /proc/sys/kernel/yama/ptrace_scope; -1 without Yama
  bool has_cap_sys_ptrace = false;  // in sysfence's effective capabilities
  pid_t child_tracer = 0;         // TracerPid of the child sysfence tried to trace
  std::string child_tracer_name;  // its comm, when known
  int own_seccomp_mode = 0;       // "Seccomp:" of sysfence itself (2 = under a filter)
  bool in_container = false;      // /.dockerenv, /run/.containerenv or a container cgroup
};

// Reads the facts for a failed attempt to trace `child`.
PtraceFacts GatherPtraceFacts(pid_t child);

// One line saying that tracing was refused, the errno, and the most likely reason with what to
// do about it.
Error ExplainPtraceDenial(int error_number, const PtraceFacts& facts);

}  // namespace sysfence

#endif  // SYSFENCE_PTRACE_PTRACE_PERMISSION_H_
