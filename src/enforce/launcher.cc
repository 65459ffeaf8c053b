// The launcher behind `sysfence run` (see launcher.h for the design and why the marker is
// safe). Everything the child needs is prepared before fork(), so between fork and exec the
// child only makes system calls: no allocation, no locks.
#include "enforce/launcher.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/launch_failure.h"
#include "base/signal_scope.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "enforce/phase_enforcer.h"
#include "enforce/seccomp_supervisor.h"
#include "seccomp/seccomp_install.h"
#include "syscalls/syscall_table.h"

extern char** environ;

namespace sysfence {
namespace {

// The process the signal handler forwards termination requests to. A handler can reach
// nothing else, so this one piece of state is file-global; it is set only while Launch waits.
volatile sig_atomic_t forward_to_pid = 0;

void ForwardSignal(int signal) {
  if (forward_to_pid > 0) kill(static_cast<pid_t>(forward_to_pid), signal);
}

// While the program runs, terminal signals (^C, ^\) reach it directly and sysfence stays to
// report its status; termination requests sent to sysfence alone are passed on.
class SignalForwarding {
 public:
  explicit SignalForwarding(pid_t child) {
    forward_to_pid = child;
    ignore_.emplace(std::initializer_list<int>{SIGINT, SIGQUIT}, SIG_IGN);
    forward_.emplace(std::initializer_list<int>{SIGTERM, SIGHUP}, ForwardSignal);
  }
  ~SignalForwarding() {
    forward_.reset();
    ignore_.reset();
    forward_to_pid = 0;
  }
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;

 private:
  std::optional<SignalScope> ignore_;
  std::optional<SignalScope> forward_;
};

Result<CallMarker> RandomMarker() {
  CallMarker marker;
  char* bytes = reinterpret_cast<char*>(marker.values.data());
  size_t want = sizeof marker.values;
  size_t got = 0;
  while (got < want) {
    ssize_t n = getrandom(bytes + got, want - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError("getrandom: {}", std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  return marker;
}

// Counts what learning mode's filter sends to the supervisor.
class CallRecorder : public TracedCallHandler {
 public:
  CallRecorder(const SyscallSet& soft, LearnedCalls& learned) : soft_(soft), learned_(learned) {}

  CallVerdict OnTracedCall(const TracedCall& call) override {
    if (call.arch == AUDIT_ARCH_I386) {
      std::string_view name = I386SyscallName(static_cast<int>(call.nr));
      ++learned_.i386[name.empty() ? fmt::format("i386_{}", call.nr) : std::string(name)];
    } else if (call.nr & kX32SyscallBit) {
      ++learned_.x32[call.nr & ~uint64_t{kX32SyscallBit}];
    } else if (call.nr < static_cast<uint64_t>(kSyscallNumberLimit) &&
               soft_.Contains(static_cast<int>(call.nr))) {
      ++learned_.soft[static_cast<int>(call.nr)];
    } else {
      ++learned_.outside[static_cast<int>(call.nr)];
    }
    return CallVerdict::kAllow;
  }

 private:
  const SyscallSet& soft_;
  LearnedCalls& learned_;
};

// The child, from fork to exec: only system calls from here on.
[[noreturn]] void RunChild(const char* path, char* const* argv, std::span<const sock_filter> program,
                           const CallMarker& marker, int error_fd, int start_fd) {
  if (start_fd >= 0) {
    char go = 0;
    while (read(start_fd, &go, 1) < 0 && errno == EINTR) {
    }
  }
  std::optional<LaunchFailure> failure = InstallSeccompFilter(program, NoNewPrivs::kAlways);
  if (!failure) {
    syscall(SYS_execve, path, argv, environ, marker.values[0], marker.values[1],
            marker.values[2]);
    failure = LaunchFailure{LaunchFailure::Stage::kExecve, errno};
  }
  // The filter may allow write and exit_group only with the marker.
  syscall(SYS_write, error_fd, &*failure, sizeof *failure, marker.values[0], marker.values[1],
          marker.values[2]);
  syscall(SYS_exit_group, 127, 0, 0, marker.values[0], marker.values[1], marker.values[2]);
  _exit(127);
}

int ExitStatusFromWaitStatus(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

Result<int> WaitForChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return MakeError("waitpid: {}", std::strerror(errno));
  }
  return status;
}

Error DescribeFailure(const LaunchFailure& failure, const std::string& program) {
  switch (failure.stage) {
    case LaunchFailure::Stage::kNoNewPrivs:
      return MakeError("cannot set no_new_privs: {}", std::strerror(failure.error_number));
    case LaunchFailure::Stage::kSeccompFilter:
      return MakeError("the kernel refused the seccomp filter: {}",
                       std::strerror(failure.error_number));
    case LaunchFailure::Stage::kExecve:
      break;
  }
  return MakeError("{}: cannot execute: {}", program, std::strerror(failure.error_number));
}

}  // namespace

Result<LaunchResult> Launch(const LaunchOptions& options) {
  if (options.argv.empty()) return MakeError("no command given");
  LaunchResult result;
  Result<std::string> program = FindExecutable(options.argv[0]);
  if (!program.ok()) return program.error();
  result.program = *program;

  if (options.learn && options.phased) return MakeError("learning mode cannot be phased");
  FilterPolicy policy = options.phased ? options.phased->filter : options.policy;
  bool supervised = options.learn || options.phased;
  if (options.learn) {
    policy.default_action = FilterAction::kTrace;
    policy.soft_action = FilterAction::kTrace;
  }
  Result<CallMarker> marker = RandomMarker();
  if (!marker.ok()) return marker.error();
  Result<CompiledFilter> filter = CompileFilterPolicy(policy, *marker);
  if (!filter.ok()) return filter.error();
  // The marker is also inside the pseudo-code; only the program is needed from here on.
  explicit_bzero(filter->pseudo_code.data(), filter->pseudo_code.size());

  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int error_pipe[2];
  int start_pipe[2] = {-1, -1};
  if (pipe2(error_pipe, O_CLOEXEC) != 0 || (supervised && pipe2(start_pipe, O_CLOEXEC) != 0)) {
    return MakeError("pipe: {}", std::strerror(errno));
  }
  UniqueFd error_read(error_pipe[0]), error_write(error_pipe[1]);
  UniqueFd start_read(start_pipe[0]), start_write(start_pipe[1]);

  pid_t pid = fork();
  if (pid < 0) return MakeError("fork: {}", std::strerror(errno));
  if (pid == 0) {
    RunChild(result.program.c_str(), argv.data(), filter->program, *marker, error_write.get(),
             start_read.get());
  }
  error_write.reset();
  start_read.reset();
  // The child has its copy; keep the marker out of this process's memory and /proc/PID/mem.
  explicit_bzero(filter->program.data(), filter->program.size() * sizeof(sock_filter));
  explicit_bzero(marker->values.data(), sizeof marker->values);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  SignalForwarding signals(pid);
  Result<int> status = 0;
  if (supervised) {
    Result<SeccompSupervisor> supervisor = SeccompSupervisor::Attach(pid);
    if (!supervisor.ok()) {
      kill(pid, SIGKILL);
      (void)WaitForChild(pid);
      return supervisor.error();
    }
    char go = 1;
    if (write(start_write.get(), &go, 1) != 1) {
      return MakeError("cannot start the child: {}", std::strerror(errno));
    }
    start_write.reset();
    if (options.phased) {
      PhaseEnforcer enforcer(*options.phased, pid);
      status = supervisor->Run(enforcer);
      result.phase_log = enforcer.tracker().FormatLog();
      result.denied_by_phase = enforcer.denied();
    } else {
      CallRecorder recorder(options.policy.soft, result.learned);
      status = supervisor->Run(recorder);
    }
  } else {
    status = WaitForChild(pid);
  }
  if (!status.ok()) return status.error();
  if (std::optional<LaunchFailure> failure = ReadLaunchFailure(error_read.get())) {
    return DescribeFailure(*failure, options.argv[0]);
  }
  result.exit_status = ExitStatusFromWaitStatus(*status);
  return result;
}

Profile LearnedProfile(const LaunchResult& result) {
  Profile profile;
  profile.kind = ProfileKind::kDynamic;
  profile.target = result.program;
  for (const auto& calls : {result.learned.outside, result.learned.soft}) {
    for (const auto& [number, count] : calls) {
      // A profile holds numbers below kSyscallNumberLimit; larger ones are only reported.
      if (number >= 0 && number < kSyscallNumberLimit) {
        profile.RecordCall(result.program, number, count);
      }
    }
  }
  profile.compat_i386 = result.learned.i386;
  profile.MarkSeenInOneRun();
  profile.exit_status = result.exit_status;
  return profile;
}

}  // namespace sysfence
