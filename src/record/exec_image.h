// Which image a process runs after a successful execve, as every recording backend names it:
// the file /proc/PID/exe links to, symlinks resolved. One exception: a program that
// re-executes its own file through another name (crun bind-mounts its binary on a temporary
// path, execs it and unmounts it) shows a path that no longer names that file; it still runs
// the image it ran before.
//
//   std::string image = ExecutedImage(pid, sink.ImageOf(pid));
//   sink.OnExec({.pid = pid, .former_tid = tid, .image = image, ...});
#ifndef SYSFENCE_RECORD_EXEC_IMAGE_H_
#define SYSFENCE_RECORD_EXEC_IMAGE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

namespace sysfence {

// The image key under which calls count when /proc cannot name the executable.
inline constexpr std::string_view kUnknownImage = "(unknown image)";

// The image process `pid` runs after its exec; `previous` is the image it ran before ("" if
// none: a new process, or the launcher's child).
std::string ExecutedImage(pid_t pid, std::string_view previous);

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_EXEC_IMAGE_H_
