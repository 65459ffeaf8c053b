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

#include "ptrace/ptrace_options.h"
#include "ptrace/ptrace_permission.h"
#include "seccomp/seccomp_install.h"

extern char** environ;

namespace sysfence {
namespace {

[[noreturn]] void ReportAndExit(int failure_fd, const LaunchFailure& failure) {
  ssize_t ignored = write(failure_fd, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

[[noreturn]] void RunChild(int go_fd, int failure_fd, const char* path, char* const* argv,
                           const BpfProgram* filter) {
  // The parent's handlers for these would keep the child alive between fork and execve.
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGALRM}) {
    struct sigaction action{};
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, nullptr);
  }
  char go = 0;
  ssize_t n;
  do {
    n = read(go_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(127);  // the parent could not attach and is about to kill us
  if (filter != nullptr) {
    if (std::optional<LaunchFailure> failed =
            InstallSeccompFilter(*filter, NoNewPrivs::kWhenRequired)) {
      ReportAndExit(failure_fd, *failed);
    }
  }
  execve(path, argv, environ);
  ReportAndExit(failure_fd, LaunchFailure{LaunchFailure::Stage::kExecve, errno});
}

}  // namespace

Result<LaunchedCommand> LaunchTracedCommand(const LaunchRequest& request) {
  std::vector<char*> argv;
  for (const std::string& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int go[2];
  int failure[2];
  if (pipe2(go, O_CLOEXEC) != 0) return MakeError("pipe: {}", strerror(errno));
  UniqueFd go_read(go[0]);
  UniqueFd go_write(go[1]);
  if (pipe2(failure, O_CLOEXEC) != 0) return MakeError("pipe: {}", strerror(errno));
  UniqueFd failure_read(failure[0]);
  UniqueFd failure_write(failure[1]);

  pid_t pid = fork();
  if (pid < 0) return MakeError("fork: {}", strerror(errno));
  if (pid == 0) {
    RunChild(go_read.get(), failure_write.get(), request.exec_path.c_str(), argv.data(),
             request.filter);
  }
  go_read.reset();
  failure_write.reset();

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
  if (write(go_write.get(), "g", 1) != 1) {
    int error = errno;
    abandon();
    return MakeError("starting the command: {}", strerror(error));
  }
  return LaunchedCommand{pid, std::move(failure_read)};
}

}  // namespace sysfence
