// Starting the command under ptrace: fork, PTRACE_SEIZE the child while it waits on a pipe,
// then let it install the trace filter and execve the command. Nothing the child does before
// its execve is part of the command, so the tracer records only that execve.
//
//   Result<LaunchedCommand> root = LaunchTracedCommand({"/usr/bin/ls", {"ls", "/"}, &filter});
//   // ... trace root->pid until it has exec'd or ended; if it ended first:
//   std::optional<LaunchFailure> why = ReadLaunchFailure(root->failure_pipe.get());
#ifndef SYSFENCE_TRACE_TRACEE_LAUNCHER_H_
#define SYSFENCE_TRACE_TRACEE_LAUNCHER_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/launch_failure.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "seccomp/bpf_program.h"

namespace sysfence {

struct LaunchRequest {
  std::string exec_path;            // passed to execve as is (already resolved)
  std::vector<std::string> argv;    // argv[0] as the user typed it
  const BpfProgram* filter = nullptr;  // nullptr: no filter, stop at every syscall instead
};

struct LaunchedCommand {
  pid_t pid = 0;
  // Read end of a close-on-exec pipe: end of file once execve succeeded, a LaunchFailure
  // (base/launch_failure.h) when the child could not get that far.
  UniqueFd failure_pipe;
};

// Forks and seizes the child. Without a filter the child is also interrupted, so that the
// tracer's first resume can be PTRACE_SYSCALL. When the kernel refuses to let sysfence trace
// the child, the child is killed and the error explains why (ptrace_permission.h).
Result<LaunchedCommand> LaunchTracedCommand(const LaunchRequest& request);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_TRACEE_LAUNCHER_H_
