// What Docker's default seccomp profile lets a container call on x86-64, for comparing an
// image's own profile with it (how many calls Docker allows that the image never needs).
// The list is facts taken from moby's profiles/seccomp/default.json (commit 00f3d189e420,
// the profile of Docker 25 to 28): the names of its unconditional allow rule, plus the rules
// that apply to a default amd64 container (no added capabilities, kernel 4.8 or later):
// ptrace, process_vm_readv/writev, arch_prctl, modify_ldt, and socket, personality and clone
// with argument conditions (counted as allowed: some arguments pass). clone3 gets ENOSYS
// there, so it is not counted. Names other architectures have (chown32, _llseek, ...) are
// left out: they are not x86-64 syscalls.
//
//   SyscallSet docker = DockerDefaultSyscalls();
//   SyscallSet never_needed = docker - image_profile.syscalls;
#ifndef SYSFENCE_SCAN_DOCKER_DEFAULT_H_
#define SYSFENCE_SCAN_DOCKER_DEFAULT_H_

#include <string_view>

#include "profile/syscall_set.h"

namespace sysfence {

inline constexpr std::string_view kDockerDefaultSource =
    "moby profiles/seccomp/default.json at 00f3d189e420, amd64, default capabilities";

SyscallSet DockerDefaultSyscalls();

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_DOCKER_DEFAULT_H_
