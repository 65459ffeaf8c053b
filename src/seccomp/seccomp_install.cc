// seccomp(SECCOMP_SET_MODE_FILTER) with the no_new_privs rule of each caller (see
// seccomp_install.h). Only system calls: this runs between fork and execve.
#include "seccomp/seccomp_install.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sysfence {
namespace {

LaunchFailure Failed(LaunchFailure::Stage stage) { return LaunchFailure{stage, errno}; }

}  // namespace

std::optional<LaunchFailure> InstallSeccompFilter(std::span<const sock_filter> program,
                                                  NoNewPrivs no_new_privs) {
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(program.size());
  fprog.filter = const_cast<sock_filter*>(program.data());
  if (no_new_privs == NoNewPrivs::kAlways && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Failed(LaunchFailure::Stage::kNoNewPrivs);
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) return std::nullopt;
  if (no_new_privs == NoNewPrivs::kAlways || errno != EACCES) {
    return Failed(LaunchFailure::Stage::kSeccompFilter);
  }
  // Unprivileged: the kernel requires no_new_privs before it accepts a filter.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Failed(LaunchFailure::Stage::kNoNewPrivs);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) return std::nullopt;
  return Failed(LaunchFailure::Stage::kSeccompFilter);
}

}  // namespace sysfence
