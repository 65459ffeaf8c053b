// Finding the file a command names, before anything is forked: sysfence searches PATH itself
// so that a missing or unusable command is reported clearly (and the child can call execve
// once, on the right file, instead of probing every PATH entry like execvp).
//
//   Result<CommandPath> path = ResolveCommand("ls");
//   path->exec_path;   // "/usr/bin/ls": what the child passes to execve
//   path->canonical;   // "/usr/bin/ls": symlinks resolved, the profile's `target`
#ifndef SYSFENCE_BASE_COMMAND_PATH_H_
#define SYSFENCE_BASE_COMMAND_PATH_H_

#include <string>

#include "base/result.h"

namespace sysfence {

struct CommandPath {
  std::string exec_path;  // the PATH entry (or the command itself when it holds a '/')
  std::string canonical;  // absolute, symlinks resolved (as /proc/PID/exe will show it)
};

// A command holding '/' is used as it is; otherwise it is searched in `search_path` (the
// value of PATH; glibc's default when empty), skipping entries that are not executable
// regular files, like execvp. The error names the command and says what is wrong with it:
// not found, a directory, not executable.
Result<CommandPath> ResolveCommand(const std::string& command, const std::string& search_path);

// ResolveCommand with the PATH of this process.
Result<CommandPath> ResolveCommand(const std::string& command);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_COMMAND_PATH_H_
