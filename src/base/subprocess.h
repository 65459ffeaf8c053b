// A child process run for sysfence's own orchestration (the study runs `sysfence trace` and
// the programs it studies this way). RAII: a Subprocess still running when it goes out of
// scope is killed, with its whole process group, and reaped.
//
//   SubprocessOptions options;
//   options.argv = {"/usr/bin/diff", "a", "b"};
//   options.stdout_path = "out.txt";
//   Result<Subprocess> child = Subprocess::Start(options);
//   Result<int> status = child->Wait(30.0);   // exit code, 128+N when killed by signal N
#ifndef SYSFENCE_BASE_SUBPROCESS_H_
#define SYSFENCE_BASE_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is searched in PATH when it has no '/'
  std::string stdin_path = "/dev/null";
  std::string stdout_path = "/dev/null";       // "" = inherit
  std::string stderr_path = "/dev/null";       // "" = inherit
  std::string working_directory;               // "" = inherit
  std::vector<std::string> extra_environment;  // "NAME=value", replacing an inherited NAME
  bool new_process_group = true;
};

class Subprocess {
 public:
  static Result<Subprocess> Start(const SubprocessOptions& options);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Waits up to `timeout_seconds` (<= 0: forever). On time-out the process group is killed
  // and an error says so. With a timeout, `interrupted` is asked between polls: when it
  // returns a signal number (the caller caught SIGINT, say), the process group is killed
  // and the error names that signal.
  Result<int> Wait(double timeout_seconds = 0, const std::function<int()>& interrupted = nullptr);
  // Sends `signal` to the process (or its group) without waiting.
  void Signal(int signal);
  // Whether the process has ended (it is left for Wait to reap).
  bool HasExited() const;

 private:
  explicit Subprocess(pid_t pid, bool group) : pid_(pid), group_(group) {}
  void KillAndReap();

  pid_t pid_ = -1;
  bool group_ = true;
  std::string name_;
};

// Makes this process the reaper of its orphaned descendants while in scope: a grandchild whose
// parent dies is reparented here instead of to init, so it can be reaped (and found) here.
class ScopedChildSubreaper {
 public:
  ScopedChildSubreaper();
  ~ScopedChildSubreaper();
  ScopedChildSubreaper(const ScopedChildSubreaper&) = delete;
  ScopedChildSubreaper& operator=(const ScopedChildSubreaper&) = delete;

 private:
  int previous_ = 0;
};

// The processes whose parent is `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent);

// SIGKILLs every child of this process (found in /proc) and reaps them all: after killing a
// Subprocess's group, a subreaper uses it for the grandchildren the group's death left it.
void KillAndReapChildren();

// The path execve should get for a command name: ResolveCommand's exec_path
// (base/command_path.h), or its one-line error naming the command.
Result<std::string> FindExecutable(const std::string& name);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_SUBPROCESS_H_
