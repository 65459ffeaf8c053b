// The ptrace loop of the seccomp supervisor (see seccomp_supervisor.h). It uses PTRACE_SEIZE
// semantics throughout: group stops show up as PTRACE_EVENT_STOP and are left in place with
// PTRACE_LISTEN, a new child's first stop is PTRACE_EVENT_STOP too (told apart because the
// child has not been seen before), and a plain signal-delivery stop re-injects its signal.
#include "enforce/seccomp_supervisor.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "ptrace/ptrace_options.h"

namespace sysfence {

Result<SeccompSupervisor> SeccompSupervisor::Attach(pid_t pid) {
  if (ptrace(PTRACE_SEIZE, pid, nullptr, kTraceeOptions) != 0) {
    return MakeError("cannot supervise process {}: ptrace: {}", pid, std::strerror(errno));
  }
  return SeccompSupervisor(pid);
}

SeccompSupervisor::SeccompSupervisor(SeccompSupervisor&& other) noexcept
    : main_pid_(other.main_pid_), alive_(std::move(other.alive_)), seen_(std::move(other.seen_)) {
  other.alive_.clear();
}

SeccompSupervisor::~SeccompSupervisor() {
  for (pid_t pid : alive_) kill(pid, SIGKILL);
  for (pid_t pid : alive_) {
    while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  }
}

Result<int> SeccompSupervisor::Run(TracedCallHandler& handler) {
  int main_status = -1;
  while (!alive_.empty()) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return MakeError("waitpid: {}", std::strerror(errno));
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      alive_.erase(pid);
      if (pid == main_pid_) main_status = status;
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    alive_.insert(pid);
    bool first_stop = seen_.insert(pid).second;
    int signal = WSTOPSIG(status);
    int event = status >> 16;
    int inject = 0;
    if (event == PTRACE_EVENT_SECCOMP) {
      __ptrace_syscall_info info{};
      long size = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
      if (size > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        TracedCall call{pid, info.arch, info.seccomp.nr, info.seccomp.ret_data, {}};
        std::copy(std::begin(info.seccomp.args), std::end(info.seccomp.args), call.args.begin());
        if (handler.OnTracedCall(call) == CallVerdict::kDeny) {
          // ESRCH: killed meanwhile. Any other failure would let the call run: kill instead.
          if (ptrace(PTRACE_POKEUSER, pid, offsetof(user, regs.orig_rax),
                     static_cast<long>(kDeniedCallNumber)) != 0 &&
              errno != ESRCH) {
            kill(pid, SIGKILL);
          }
        }
      }
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
               event == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      if (ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &child) == 0 && child != 0) {
        handler.OnSpawn(pid, static_cast<pid_t>(child));
      }
    } else if (event == PTRACE_EVENT_EXEC) {
      handler.OnExec(pid);
    } else if (event == PTRACE_EVENT_STOP) {
      if (!first_stop && IsGroupStopSignal(signal)) {
        // Stay stopped until SIGCONT, as without a tracer, but keep reporting.
        ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);
        continue;
      }
    } else if (event == 0) {
      inject = signal;  // signal-delivery stop: deliver it
      handler.OnSignal(pid, signal);
    }
    // ESRCH here means the process was killed meanwhile; its exit is reported next.
    // ptrace's data argument carries the signal number as a pointer-sized value.
    ptrace(
        PTRACE_CONT, pid, nullptr,
        reinterpret_cast<void*>(static_cast<long>(inject)));  // NOLINT(performance-no-int-to-ptr)
  }
  alive_.clear();
  if (main_status < 0) return MakeError("lost track of process {}", main_pid_);
  return main_status;
}

}  // namespace sysfence
