// ForkHeldChild (see held_child.h).
#include "base/held_child.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace sysfence {
namespace {

[[noreturn]] void ReportAndExit(int failure_fd, const LaunchFailure& failure) {
  ssize_t ignored = write(failure_fd, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

[[noreturn]] void RunChild(int go_fd, int failure_fd, const char* path, char* const* argv,
                           BeforeExec before_exec, const void* context) {
  // The parent's handlers for these would keep the child alive between fork and execve.
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGALRM}) {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, nullptr);
  }
  char go = 0;
  ssize_t n;
  do {
    n = read(go_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(127);  // the parent could not attach and is about to kill us
  if (before_exec != nullptr) {
    if (std::optional<LaunchFailure> failed = before_exec(context)) {
      ReportAndExit(failure_fd, *failed);
    }
  }
  execve(path, argv, environ);
  ReportAndExit(failure_fd, LaunchFailure{LaunchFailure::Stage::kExecve, errno});
}

}  // namespace

Status HeldChild::Release() {
  if (!go.valid()) return MakeError("the child was already released");
  ssize_t n = write(go.get(), "g", 1);
  int error = errno;
  go.reset();
  if (n != 1) return MakeError("starting the command: {}", strerror(error));
  return Ok{};
}

Result<HeldChild> ForkHeldChild(const std::string& exec_path, const std::vector<std::string>& argv,
                                BeforeExec before_exec, const void* context) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int go[2];
  int failure[2];
  if (pipe2(go, O_CLOEXEC) != 0) return MakeError("pipe: {}", strerror(errno));
  UniqueFd go_read(go[0]);
  HeldChild child;
  child.go.reset(go[1]);
  if (pipe2(failure, O_CLOEXEC) != 0) return MakeError("pipe: {}", strerror(errno));
  child.failure.reset(failure[0]);
  UniqueFd failure_write(failure[1]);
  child.pid = fork();
  if (child.pid < 0) return MakeError("fork: {}", strerror(errno));
  if (child.pid == 0) {
    // The child's copy of the write end would keep its own read from seeing end of file.
    close(child.go.get());
    RunChild(go_read.get(), failure_write.get(), exec_path.c_str(), args.data(), before_exec,
             context);
  }
  return child;
}

}  // namespace sysfence
