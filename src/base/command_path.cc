// PATH search with execvp's rules, but checked up front so errors name the command (see
// command_path.h). A directory or a file without execute permission in one PATH entry does
// not stop the search, as with execvp; the last such reason is reported when nothing fits.
#include "base/command_path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace sysfence {
namespace {

// What is wrong with a path as something to execute; `text` is empty when nothing is.
struct Problem {
  bool missing = false;  // no such file (as opposed to one that cannot be run)
  std::string text;
};

Problem Unusable(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return {errno == ENOENT || errno == ENOTDIR, strerror(errno)};
  }
  if (S_ISDIR(st.st_mode)) return {false, "is a directory"};
  if (!S_ISREG(st.st_mode)) return {false, "is not a regular file"};
  if (faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) {
    return {false, fmt::format("is not executable ({})", strerror(errno))};
  }
  return {};
}

Result<CommandPath> Canonical(const std::string& exec_path) {
  char resolved[PATH_MAX];
  if (realpath(exec_path.c_str(), resolved) == nullptr) {
    return MakeError("{}: {}", exec_path, strerror(errno));
  }
  return CommandPath{exec_path, resolved};
}

}  // namespace

Result<CommandPath> ResolveCommand(const std::string& command, const std::string& search_path) {
  if (command.empty()) return MakeError("the command to run is empty");
  if (command.find('/') != std::string::npos) {
    Problem problem = Unusable(command);
    if (!problem.text.empty()) return MakeError("{}: {}", command, problem.text);
    return Canonical(command);
  }
  // glibc's execvp default when PATH is unset.
  std::string_view dirs = search_path;
  if (dirs.empty()) dirs = "/bin:/usr/bin";
  std::string last_problem;
  for (;;) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    // An empty entry means the current directory.
    std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, command);
    Problem problem = Unusable(candidate);
    if (problem.text.empty()) return Canonical(candidate);
    if (!problem.missing) last_problem = fmt::format("{}: {}", candidate, problem.text);
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  if (!last_problem.empty()) return MakeError("{}", last_problem);
  return MakeError("{}: command not found in PATH", command);
}

Result<CommandPath> ResolveCommand(const std::string& command) {
  const char* path = getenv("PATH");
  return ResolveCommand(command, path == nullptr ? "" : path);
}

}  // namespace sysfence
