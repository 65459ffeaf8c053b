// How a forked child tells its parent why it never got to run the program: it writes one
// LaunchFailure into a close-on-exec pipe and exits, while a successful execve closes the pipe
// and the parent reads end of file instead. Both of sysfence's launchers use it: the tracer's
// (trace/tracee_launcher.h) and the one of `sysfence run` (enforce/launcher.h).
//
//   int fds[2];
//   pipe2(fds, O_CLOEXEC);                                     // before fork
//   // in the child, when execve failed:
//   LaunchFailure failure{LaunchFailure::Stage::kExecve, errno};
//   write(fds[1], &failure, sizeof failure);
//   _exit(127);
//   // in the parent, once the child has exec'd or ended:
//   std::optional<LaunchFailure> why = ReadLaunchFailure(fds[0]);
#ifndef SYSFENCE_BASE_LAUNCH_FAILURE_H_
#define SYSFENCE_BASE_LAUNCH_FAILURE_H_

#include <optional>

namespace sysfence {

struct LaunchFailure {
  // The step of the child's way to the program that failed.
  enum class Stage : int { kNoNewPrivs, kSeccompFilter, kExecve };
  Stage stage = Stage::kExecve;
  int error_number = 0;  // errno
};

// What the child reported before the pipe closed, if anything. Reads once: call it after the
// child has exec'd or ended (its end of the pipe is closed then), so it does not block.
std::optional<LaunchFailure> ReadLaunchFailure(int fd);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_LAUNCH_FAILURE_H_
