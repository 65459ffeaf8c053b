// Which image a process runs after a successful execve, as every recording backend names it:
// the file /proc/PID/exe links to, symlinks resolved. One exception: a program that
// re-executes its own file through another name (crun bind-mounts its binary on a temporary
// path, execs it and unmounts it) shows a path that no longer names that file; it still runs
// the image it ran before; so does a program that executes its file from a mount it detached
// (the kernel can then name no path for it).
//
//   std::string image = ExecutedImage(pid, sink.ImageOf(pid));
//   sink.OnExec({.pid = pid, .former_tid = tid, .image = image, ...});
#ifndef SYSFENCE_RECORD_EXEC_IMAGE_H_
#define SYSFENCE_RECORD_EXEC_IMAGE_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence {

// The image key under which calls count when /proc cannot name the executable.
inline constexpr std::string_view kUnknownImage = "(unknown image)";

// A file as stat(2) tells it apart: st_dev and st_ino.
struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const FileIdentity&) const = default;
};

// The image process `pid` runs after its exec; `previous` is the image it ran before ("" if
// none: a new process, or the launcher's child).
std::string ExecutedImage(pid_t pid, std::string_view previous);

// The same rule for a backend that learnt the executable's path (`path`, "" when no path
// names it) and identity (`exe`, when known) some time after the exec: `previous` when it is
// the executed file and `path` is not, else `path` (kUnknownImage when empty).
std::string ChooseExecutedImage(const std::string& path, std::optional<FileIdentity> exe,
                                std::string_view previous);

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_EXEC_IMAGE_H_
