// Fork, seize, release, exec (see tracee_launcher.h).
//
// The child blocks reading a "go" pipe until the parent has attached with PTRACE_SEIZE, so the
// child's filter and its execve can only run once a tracer is there to answer the filter's
// SECCOMP_RET_TRACE (without a tracer those calls would fail with ENOSYS). PTRACE_SEIZE rather
// than PTRACE_TRACEME: a seized tracee reports group-stops as PTRACE_EVENT_STOP, which
// PTRACE_LISTEN can leave stopped, so job control keeps working under the tracer.
//
// Between fork and execve the child only makes async-signal-safe calls on memory prepared by
// the parent: no allocation, no PATH search (ResolveCommand did it; probing PATH here would
// show up as failed execve calls that the command never made).
#include "trace/tracee_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/held_child.h"
#include "ptrace/ptrace_options.h"
#include "ptrace/ptrace_permission.h"
#include "seccomp/seccomp_install.h"

namespace sysfence {
namespace {

// In the held child: the trace filter before the execve (async-signal-safe).
std::optional<LaunchFailure> InstallTraceFilter(const void* filter) {
  return InstallSeccompFilter(*static_cast<const BpfProgram*>(filter), NoNewPrivs::kWhenRequired);
}

}  // namespace

Result<LaunchedCommand> LaunchTracedCommand(const LaunchRequest& request) {
  Result<HeldChild> child =
      request.filter != nullptr
          ? ForkHeldChild(request.exec_path, request.argv, InstallTraceFilter, request.filter)
          : ForkHeldChild(request.exec_path, request.argv);
  if (!child.ok()) return child.error();
  pid_t pid = child->pid;

  auto abandon = [pid] {
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  };
  if (ptrace(PTRACE_SEIZE, pid, 0, kTraceeOptions) != 0) {
    int error = errno;
    PtraceFacts facts = GatherPtraceFacts(pid);
    abandon();
    return ExplainPtraceDenial(error, facts);
  }
  if (request.filter == nullptr && ptrace(PTRACE_INTERRUPT, pid, 0, 0) != 0) {
    int error = errno;
    abandon();
    return MakeError("PTRACE_INTERRUPT: {}", strerror(error));
  }
  if (Status released = child->Release(); !released.ok()) {
    abandon();
    return released.error();
  }
  return LaunchedCommand{pid, std::move(child->failure)};
}

}  // namespace sysfence
