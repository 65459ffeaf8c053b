// A child forked to run a command but held before its execve until the parent releases it, so
// that the parent can first attach to it: seize it with ptrace (trace/tracee_launcher.h) or
// register it with the eBPF recorder (ebpf/ebpf_trace.h). Whatever the child does before the
// execve is not part of the command. If the parent drops the child unreleased, the child exits
// with 127 without running anything.
//
//   Result<HeldChild> child = ForkHeldChild("/usr/bin/ls", {"ls", "/"});
//   if (!child.ok()) return child.error();
//   ... attach to child->pid ...
//   if (Status go = child->Release(); !go.ok()) ...;         // the child execs now
//   // once it has exec'd or ended:
//   std::optional<LaunchFailure> why = ReadLaunchFailure(child->failure.get());
#ifndef SYSFENCE_BASE_HELD_CHILD_H_
#define SYSFENCE_BASE_HELD_CHILD_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/launch_failure.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace sysfence {

struct HeldChild {
  pid_t pid = 0;
  UniqueFd go;       // one byte through it lets the child exec
  UniqueFd failure;  // end of file once execve succeeded, else a LaunchFailure

  // Lets the child go on to its execve (once).
  Status Release();
};

// Runs in the child after its release, right before the execve, with the `context` given to
// ForkHeldChild; only async-signal-safe calls on memory prepared before the fork. A failure it
// returns is reported to the parent and the child exits with 127.
using BeforeExec = std::optional<LaunchFailure> (*)(const void* context);

// Forks a child that resets the termination signals the parent may catch, waits to be
// released, runs `before_exec` (if any) and execs `exec_path` (already resolved) with `argv`.
Result<HeldChild> ForkHeldChild(const std::string& exec_path, const std::vector<std::string>& argv,
                                BeforeExec before_exec = nullptr, const void* context = nullptr);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_HELD_CHILD_H_
