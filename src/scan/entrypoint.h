// What a container's command can run, found in its unpacked root without running it: the
// entrypoint (and command) as the runtime resolves it in the image's PATH; for a script, the
// interpreters its `#!` line names and, for a shell script, the commands it runs (the first
// word of each command, after `exec` and wrappers such as env, nohup, gosu or tini; "$@"
// stands for the script's arguments, so `exec "$@"` runs the image's command); for a
// program that can exec (imports execve, posix_spawn, system, ...), the absolute paths of
// programs its read-only data names, and /bin/sh when it calls system or popen. Each program
// found is followed the same way. Names that are computed ($VAR) cannot be followed: they
// are listed as notes.
//
//   EntrypointPrograms found = FindEntrypointPrograms(root, image->config());
//   found.programs;   // {"/docker-entrypoint.sh", "/usr/bin/dash", "/usr/bin/cat"}
#ifndef SYSFENCE_SCAN_ENTRYPOINT_H_
#define SYSFENCE_SCAN_ENTRYPOINT_H_

#include <string>
#include <vector>

#include "scan/container_image.h"

namespace sysfence {

struct EntrypointPrograms {
  // Paths inside the root, links resolved, in the order found (the entrypoint first).
  std::vector<std::string> programs;
  std::vector<std::string> notes;  // commands not found, words that cannot be followed
};

EntrypointPrograms FindEntrypointPrograms(const std::string& root, const ImageConfig& config);

// The command names a shell script runs, in order, as written (not looked up); "$@" and
// "$1".. are kept as they are. Exposed for tests.
std::vector<std::string> ShellCommandWords(std::string_view script);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_ENTRYPOINT_H_
