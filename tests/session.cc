// Sessions and left-over processes for integration tests (see session.h).
#include "session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "test_util.h"

namespace sysfence::testing {
namespace {

struct ProcStat {
  char state = 0;
  std::string name;
  long parent = 0;
  long session = 0;
};

// Fields of /proc/PID/stat; state 0 when the process is gone.
ProcStat ReadProcStat(const std::string& pid) {
  ProcStat stat;
  std::string text = ReadWholeFile("/proc/" + pid + "/stat");
  size_t open = text.find('(');
  size_t end = text.rfind(')');
  if (open == std::string::npos || end == std::string::npos) return stat;
  stat.name = text.substr(open + 1, end - open - 1);
  std::istringstream fields(text.substr(end + 2));
  std::string state;
  long group = 0;
  fields >> state >> stat.parent >> group >> stat.session;
  stat.state = state.empty() ? 0 : state[0];
  return stat;
}

std::vector<std::string> NumericProcEntries() {
  std::vector<std::string> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(name);
  }
  return pids;
}

}  // namespace

Session::Session(const std::vector<std::string>& argv, const std::string& error_file) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    setsid();
    int err = open(error_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  output_ = fdopen(out[0], "r");
}

Session::~Session() {
  if (output_ != nullptr) fclose(output_);
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Session::ReadLine() {
  char buffer[256];
  return fgets(buffer, sizeof buffer, output_) != nullptr ? buffer : "";
}

bool Session::HasOutput() const {
  pollfd ready = {fileno(output_), POLLIN, 0};
  return poll(&ready, 1, 0) == 1;
}

int Session::Wait() {
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<pid_t> Session::Members(bool alive_only) const {
  std::vector<pid_t> members;
  for (const std::string& pid : NumericProcEntries()) {
    ProcStat stat = ReadProcStat(pid);
    if (stat.state != 0 && stat.session == pid_ && !(alive_only && stat.state == 'Z')) {
      members.push_back(std::stoi(pid));
    }
  }
  return members;
}

void BecomeSubreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) throw std::runtime_error("subreaper");
}

std::string ReapLeftovers() {
  std::string leftovers;
  for (const std::string& pid : NumericProcEntries()) {
    ProcStat stat = ReadProcStat(pid);
    if (stat.state == 0 || stat.parent != getpid()) continue;
    leftovers += pid + " (" + stat.name + ") " + stat.state + "\n";
    kill(std::stoi(pid), SIGKILL);
    waitpid(std::stoi(pid), nullptr, 0);
  }
  return leftovers;
}

char ProcessState(pid_t pid) { return ReadProcStat(std::to_string(pid)).state; }

}  // namespace sysfence::testing
