// Installing a seccomp filter on the calling thread, from a child between fork and execve:
// async-signal-safe, no allocation (the program is built before the fork). Both launchers use
// it: the tracer's, whose filter hands calls to the tracer, and `sysfence run`'s, whose filter
// enforces a profile.
//
//   BpfProgram program = ...;                      // before fork()
//   // in the child:
//   if (std::optional<LaunchFailure> failed = InstallSeccompFilter(program, NoNewPrivs::kAlways)) {
//     write(failure_pipe, &*failed, sizeof *failed);
//     _exit(127);
//   }
//   execve(path, argv, environ);
#ifndef SYSFENCE_SECCOMP_SECCOMP_INSTALL_H_
#define SYSFENCE_SECCOMP_SECCOMP_INSTALL_H_

#include <linux/filter.h>

#include <optional>
#include <span>

#include "base/launch_failure.h"

namespace sysfence {

enum class NoNewPrivs {
  // Set it before the filter: an enforced program must not gain privileges by exec'ing a
  // set-user-ID program (the kernel demands this of an unprivileged process anyway).
  kAlways,
  // Only when the kernel refuses the filter without it (a process without CAP_SYS_ADMIN): a
  // tracing filter decides nothing, and no_new_privs would make set-user-ID programs run
  // without their privileges.
  kWhenRequired,
};

// Installs `program`; nullopt when it is in force, else the stage that failed (kNoNewPrivs or
// kSeccompFilter) and its errno.
std::optional<LaunchFailure> InstallSeccompFilter(std::span<const sock_filter> program,
                                                  NoNewPrivs no_new_privs);

}  // namespace sysfence

#endif  // SYSFENCE_SECCOMP_SECCOMP_INSTALL_H_
