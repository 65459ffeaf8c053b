// Child processes for orchestration (see subprocess.h). Waiting with a time-out polls with a
// short sleep: children here live for seconds, so a pidfd or SIGCHLD machinery buys nothing.
#include "base/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "base/command_path.h"
#include "base/file_util.h"

namespace sysfence {
namespace {

double MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<std::string> FindExecutable(const std::string& name) {
  Result<CommandPath> path = ResolveCommand(name);
  if (!path.ok()) return path.error();
  return std::move(path->exec_path);
}

Result<Subprocess> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return MakeError("no command to run");
  Result<std::string> program = FindExecutable(options.argv[0]);
  if (!program.ok()) return program.error();
  auto open_or_fail = [](const std::string& path, int flags) -> Result<int> {
    // O_NOCTTY: a terminal given to the child never becomes sysfence's controlling terminal.
    int fd = open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) return MakeError("{}: {}", path, strerror(errno));
    return fd;
  };
  Result<int> in = open_or_fail(options.stdin_path, O_RDONLY);
  if (!in.ok()) return in.error();
  int out = -1, err = -1;
  if (!options.stdout_path.empty()) {
    Result<int> fd = open_or_fail(options.stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd.ok()) {
      close(*in);
      return fd.error();
    }
    out = *fd;
  }
  if (!options.stderr_path.empty()) {
    Result<int> fd = open_or_fail(options.stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd.ok()) {
      close(*in);
      if (out >= 0) close(out);
      return fd.error();
    }
    err = *fd;
  }
  // Everything exec needs is prepared before fork: the child only calls async-signal-safe code.
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  // An extra variable replaces the inherited one of the same name.
  auto overridden = [&options](std::string_view entry) {
    std::string_view name = entry.substr(0, entry.find('='));
    return std::any_of(options.extra_environment.begin(), options.extra_environment.end(),
                       [name](const std::string& extra) {
                         return extra.size() > name.size() && extra.starts_with(name) &&
                                extra[name.size()] == '=';
                       });
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_strings.emplace_back(*e);
  }
  for (const std::string& extra : options.extra_environment) env_strings.push_back(extra);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return MakeError("fork failed: {}", strerror(errno));
  if (pid == 0) {
    if (options.new_process_group) setpgid(0, 0);
    dup2(*in, STDIN_FILENO);
    if (out >= 0) dup2(out, STDOUT_FILENO);
    if (err >= 0) dup2(err, STDERR_FILENO);
    if (!options.working_directory.empty() && chdir(options.working_directory.c_str()) != 0) {
      _exit(127);
    }
    execve(program->c_str(), argv.data(), envp.data());
    _exit(127);
  }
  if (options.new_process_group) setpgid(pid, pid);  // no race with the child's own setpgid
  close(*in);
  if (out >= 0) close(out);
  if (err >= 0) close(err);
  Subprocess child(pid, options.new_process_group);
  child.name_ = options.argv[0];
  return child;
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), group_(other.group_), name_(std::move(other.name_)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    group_ = other.group_;
    name_ = std::move(other.name_);
  }
  return *this;
}

Subprocess::~Subprocess() { KillAndReap(); }

void Subprocess::Signal(int signal) {
  if (pid_ <= 0) return;
  if (group_) {
    kill(-pid_, signal);
  } else {
    kill(pid_, signal);
  }
}

void Subprocess::KillAndReap() {
  if (pid_ <= 0) return;
  Signal(SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Result<int> Subprocess::Wait(double timeout_seconds, const std::function<int()>& interrupted) {
  if (pid_ <= 0) return MakeError("{}: not running", name_);
  double deadline = MonotonicSeconds() + timeout_seconds;
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, timeout_seconds > 0 ? WNOHANG : 0);
    if (done == pid_) {
      pid_ = -1;
      return DecodeStatus(status);
    }
    if (done < 0 && errno != EINTR) return MakeError("{}: wait failed: {}", name_, strerror(errno));
    if (int signal = interrupted ? interrupted() : 0; timeout_seconds > 0 && signal != 0) {
      KillAndReap();
      return MakeError("{}: interrupted by SIG{}, killed", name_, sigabbrev_np(signal));
    }
    if (timeout_seconds > 0 && MonotonicSeconds() > deadline) {
      KillAndReap();
      return MakeError("{}: still running after {:g} s, killed", name_, timeout_seconds);
    }
    if (timeout_seconds > 0) {
      timespec nap{0, 2'000'000};
      nanosleep(&nap, nullptr);
    }
  }
}

bool Subprocess::HasExited() const {
  if (pid_ <= 0) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so that Wait still collects the status.
  return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_;
}

ScopedChildSubreaper::ScopedChildSubreaper() {
  prctl(PR_GET_CHILD_SUBREAPER, &previous_, 0, 0, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

ScopedChildSubreaper::~ScopedChildSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, previous_, 0, 0, 0); }

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      char* end = nullptr;
      long pid = strtol(entry->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      Result<std::string> stat = ReadFile(fmt::format("/proc/{}/stat", pid));
      // "pid (name) state ppid ...": the name may hold anything, so parse after its last ')'.
      size_t name_end = stat.ok() ? stat->rfind(')') : std::string::npos;
      if (name_end == std::string::npos || name_end + 4 >= stat->size()) continue;
      if (strtol(stat->c_str() + name_end + 4, nullptr, 10) == parent) {
        children.push_back(static_cast<pid_t>(pid));
      }
    }
    closedir(proc);
  }
  return children;
}

void KillAndReapChildren() {
  for (pid_t child : ChildrenOf(getpid())) kill(child, SIGKILL);
  // Children started after the scan are not ours to end; everything found dies of SIGKILL.
  for (;;) {
    pid_t done = waitpid(-1, nullptr, WNOHANG);
    if (done > 0 || (done < 0 && errno == EINTR)) continue;
    if (done < 0) break;  // ECHILD: none left
    // done == 0: a child is still dying; wait for it.
    if (waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) break;
  }
}

}  // namespace sysfence
