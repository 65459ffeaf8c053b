// `sysfence trace` on tracees built to be awkward, on both backends: a thread that execs, a
// leader that exits before its threads, vfork, self-stopping, ignored termination signals, a
// fork bomb, SIGKILL in the middle of a call, nested tracers, a setuid program, a program with
// a seccomp filter of its own. After each run: no process left behind (this test process is a
// child subreaper, so any survivor is reparented here), the exit status is the command's, and
// the profile is written.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "backend.h"
#include "profile/profile_json.h"
#include "session.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

struct TraceRun {
  CommandResult run;
  Result<Profile> profile = Profile{};
};

// The checks and helpers of every test here; the backend comes from the test's parameter.
class RobustnessFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_BACKEND_WORKS(Backend());
    BecomeSubreaper();
  }
  void TearDown() override {
    EXPECT_EQ(ReapLeftovers(), "") << "processes outlived sysfence";
    EXPECT_EQ(TemporaryFiles(), std::vector<std::string>{});
  }

  virtual std::string Backend() const = 0;
  std::string Output() const { return dir_.File("profile.json"); }
  // `sysfence trace --backend B -o OUT -- argv`.
  std::vector<std::string> TraceCommand(const std::vector<std::string>& argv) const {
    std::vector<std::string> command = {SysfenceBinary(), "trace", "--backend", Backend(), "-o",
                                        Output(),         "--"};
    command.insert(command.end(), argv.begin(), argv.end());
    return command;
  }

  // `sysfence trace --backend B -o OUT -- argv`, and the profile it wrote.
  TraceRun Trace(const std::vector<std::string>& argv) {
    TraceRun traced;
    traced.run = RunCommand(TraceCommand(argv), 60);
    EXPECT_FALSE(traced.run.timed_out);
    traced.profile = ReadProfileFile(Output());
    return traced;
  }

  // Files of the scratch directory WriteFileAtomically would have left half-written.
  std::vector<std::string> TemporaryFiles() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
        found.push_back(entry.path());
      }
    }
    return found;
  }

  // The profile at Output() is complete, says the command exited `exit_status`, and holds
  // `syscall`.
  void ExpectCompleteProfileWith(int exit_status, const char* syscall) {
    Result<Profile> profile = ReadProfileFile(Output());
    ASSERT_TRUE(profile.ok()) << profile.error().message();
    EXPECT_EQ(profile->exit_status, exit_status);
    EXPECT_FALSE(profile->incomplete);
    EXPECT_TRUE(profile->syscalls.Contains(syscall)) << syscall;
  }

  ScratchDir dir_;
};

class TraceRobustness : public RobustnessFixture,
                        public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Backend() const override { return GetParam(); }
};

// The profile was written and says the command ended with `exit_status`.
void ExpectCompleteProfile(const TraceRun& traced, int exit_status) {
  ASSERT_TRUE(traced.profile.ok()) << traced.profile.error().message() << "\n" << traced.run.err;
  EXPECT_FALSE(traced.profile->incomplete);
  EXPECT_EQ(traced.profile->exit_status, exit_status);
  EXPECT_EQ(traced.run.exit_code, exit_status) << traced.run.err;
}

TEST_P(TraceRobustness, ThreadThatExecsTakesOverTheProcess) {
  TraceRun traced = Trace({TestProgram("thread_execve")});
  ExpectCompleteProfile(traced, 7);
  EXPECT_EQ(traced.run.out, "exec from a thread: pid 1\n");
  EXPECT_TRUE(traced.profile->syscalls.Contains("execve"));
  EXPECT_EQ(traced.profile->counts.at(*SyscallNumber("execve")), 2u)
      << "sysfence's and the thread's";
  EXPECT_TRUE(traced.profile->syscalls.Contains("exit_group"));
}

TEST_P(TraceRobustness, LeaderThatExitsFirstLeavesTheStatusToTheLastThread) {
  TraceRun traced = Trace({TestProgram("leader_exits_first")});
  ExpectCompleteProfile(traced, 5);
  EXPECT_EQ(traced.run.out, "leader gone, thread carried on\n");
  EXPECT_TRUE(traced.profile->syscalls.Contains("exit")) << "the leader's own exit";
  EXPECT_TRUE(traced.profile->syscalls.Contains("wait4")) << "calls after the leader is gone";
}

TEST_P(TraceRobustness, VforkThenExec) {
  TraceRun traced = Trace({TestProgram("vfork_exec"), "/bin/false"});
  ExpectCompleteProfile(traced, 1);  // vfork_exec passes its child's status on
  EXPECT_EQ(traced.run.out, "child exited 1\n");
  EXPECT_TRUE(traced.profile->syscalls.Contains("vfork"));
}

TEST_P(TraceRobustness, ChildStoppedAndContinuedByItsParent) {
  TraceRun traced = Trace({TestProgram("stop_continue")});
  ExpectCompleteProfile(traced, 0);
  EXPECT_EQ(traced.run.out, "stopped by SIGSTOP\ncontinued\nexited\n");
}

// The process's parent prints "stopped PID" only once its wait reports the group-stop, so the
// SIGCONT below cannot overtake the SIGSTOP. (An earlier version of this test took any ptrace
// stop for the group-stop, sent SIGCONT while the process sat in the stop of its own kill
// call, and so hung now and then with the process rightly stopped.)
TEST_P(TraceRobustness, StoppedProcessWaitsForAContinueFromOutside) {
  Session session(TraceCommand({TestProgram("stop_self")}), dir_.File("stderr"));
  std::string line = session.ReadLine();
  ASSERT_TRUE(line.starts_with("stopped ")) << line << ReadWholeFile(dir_.File("stderr"));
  pid_t stopped = std::stoi(line.substr(8));
  // The ptrace tracer keeps it in the group-stop through PTRACE_LISTEN: a ptrace stop, state
  // 't'. Under eBPF nothing traces it: a plain stop, 'T'.
  char state = Backend() == "ptrace" ? 't' : 'T';
  EXPECT_EQ(ProcessState(stopped), state);
  usleep(100'000);
  EXPECT_FALSE(session.HasOutput()) << "the process went on without a SIGCONT";
  EXPECT_EQ(ProcessState(stopped), state);
  ASSERT_EQ(kill(stopped, SIGCONT), 0);
  EXPECT_EQ(session.ReadLine(), "continued\n");
  EXPECT_EQ(session.Wait(), 0) << ReadWholeFile(dir_.File("stderr"));
  ExpectCompleteProfileWith(0, "wait4");
}

// SIGSTOP and SIGCONT from outside, back to back, land in every kind of stop the tracer
// handles, including a group-stop it has not yet answered with PTRACE_LISTEN. As without a
// tracer, the last SIGCONT must leave the process running, whatever it overtook.
TEST_P(TraceRobustness, StopContinueStormLeavesTheProcessRunning) {
  Session session(TraceCommand({TestProgram("stop_storm")}), dir_.File("stderr"));
  std::string line = session.ReadLine();
  ASSERT_TRUE(line.starts_with("busy ")) << line << ReadWholeFile(dir_.File("stderr"));
  pid_t busy = std::stoi(line.substr(5));
  constexpr int kRounds = 2000;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_EQ(kill(busy, SIGSTOP), 0);
    // Vary the gap so that the SIGCONT finds the process at different points of the stop.
    if (round % 4 != 0) usleep(round % 97);
    ASSERT_EQ(kill(busy, SIGCONT), 0);
    if (round % 3 == 0) usleep(round % 53);
  }
  ASSERT_EQ(kill(busy, SIGUSR1), 0);
  // The guard only keeps a broken tracer from hanging the test.
  for (int waited_ms = 0; !session.HasOutput(); ++waited_ms) {
    ASSERT_LT(waited_ms, 60000) << "the process stayed stopped; state " << ProcessState(busy);
    usleep(1000);
  }
  EXPECT_EQ(session.ReadLine(), "done after some calls\n");
  EXPECT_EQ(session.Wait(), 0) << ReadWholeFile(dir_.File("stderr"));
  ExpectCompleteProfileWith(0, "getppid");
}

// Ctrl-C reaches the whole foreground process group, sysfence and tracees alike; SIGTERM is
// sent to sysfence alone. The tracees ignore both, so only sysfence's SIGKILL ends them.
class InterruptedTrace : public RobustnessFixture,
                         public ::testing::WithParamInterface<std::tuple<int, std::string>> {
 protected:
  std::string Backend() const override { return std::get<1>(GetParam()); }
};

TEST_P(InterruptedTrace, TraceesIgnoringTheSignalAreKilledAndTheProfileIsMarkedIncomplete) {
  const int signal = std::get<0>(GetParam());
  Session session(TraceCommand({TestProgram("ignore_sigterm"), "--wait"}), dir_.File("stderr"));
  ASSERT_TRUE(session.ReadLine().starts_with("ready "));
  ASSERT_TRUE(session.ReadLine().starts_with("ready "));
  ASSERT_EQ(signal == SIGINT ? kill(-session.pid(), SIGINT) : kill(session.pid(), SIGTERM), 0);
  EXPECT_EQ(session.Wait(), 128 + signal);
  EXPECT_EQ(session.Members(), std::vector<pid_t>{});
  EXPECT_EQ(ReadWholeFile(dir_.File("stderr")),
            fmt::format("sysfence: warning: interrupted by SIG{}: the traced processes were "
                        "killed and the profile is marked incomplete\n",
                        sigabbrev_np(signal)));
  Result<Profile> profile = ReadProfileFile(Output());
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_TRUE(profile->incomplete);
  EXPECT_EQ(profile->exit_status, -1);
  EXPECT_TRUE(profile->syscalls.Contains("rt_sigaction"));
}

INSTANTIATE_TEST_SUITE_P(
    TraceRobustness, InterruptedTrace,
    ::testing::Combine(::testing::Values(SIGINT, SIGTERM), ::testing::ValuesIn(kBackends)),
    [](const ::testing::TestParamInfo<std::tuple<int, std::string>>& param_info) {
      return std::string(sigabbrev_np(std::get<0>(param_info.param))) + "_" +
             std::get<1>(param_info.param);
    });

TEST_P(TraceRobustness, ForkBombStopsAtRlimitNproc) {
  TraceRun traced = Trace({TestProgram("fork_bomb"), "16"});
  if (traced.run.exit_code == 77) GTEST_SKIP() << "needs root to become a fresh user id";
  ExpectCompleteProfile(traced, 0);
  // The fresh user's count starts at one (the bomb itself): 15 forks, then EAGAIN.
  EXPECT_EQ(traced.run.out, "forked 15, then EAGAIN; reaped 15\n");
  EXPECT_TRUE(traced.profile->syscalls.Contains("prlimit64") ||
              traced.profile->syscalls.Contains("setrlimit"));
  EXPECT_TRUE(traced.profile->syscalls.Contains("setuid"));
  EXPECT_GE(traced.profile->counts.at(*SyscallNumber("clone")), 16u) << "16 attempts";
}

TEST_P(TraceRobustness, CommandKilledInsideACall) {
  Session session(TraceCommand({TestProgram("blocked_in_call")}), dir_.File("stderr"));
  std::string line = session.ReadLine();
  ASSERT_TRUE(line.starts_with("ready ")) << line;
  pid_t command = std::stoi(line.substr(6));
  // /proc/PID/syscall names the call a blocked thread is in: wait until it is read(2) (0).
  for (int waited_ms = 0;
       !ReadWholeFile(fmt::format("/proc/{}/syscall", command)).starts_with("0 "); waited_ms += 1) {
    ASSERT_LT(waited_ms, 60000) << "the command never blocked in read";
    usleep(1000);
  }
  ASSERT_EQ(kill(command, SIGKILL), 0);
  EXPECT_EQ(session.Wait(), 128 + SIGKILL) << "the command's status, not sysfence's";
  EXPECT_EQ(ReadWholeFile(dir_.File("stderr")), "");
  Result<Profile> profile = ReadProfileFile(Output());
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->exit_status, 128 + SIGKILL);
  EXPECT_FALSE(profile->incomplete);
  EXPECT_TRUE(profile->syscalls.Contains("read"));
}

// A tracee cannot have two tracers. Under ptrace, sysfence already traces strace's child when
// strace asks for PTRACE_TRACEME, so strace fails, says why, and sysfence reports strace's exit
// status. The eBPF backend is no tracer: strace traces its child as without sysfence, and
// sysfence records strace and the child alike.
TEST_P(TraceRobustness, NestedStrace) {
  std::string log = dir_.File("strace.log");
  TraceRun traced = Trace({"strace", "-f", "-qq", "-o", log, TestProgram("raw_syscalls")});
  EXPECT_TRUE(traced.profile->syscalls.Contains("ptrace"));
  if (Backend() == "ptrace") {
    ExpectCompleteProfile(traced, 1);
    EXPECT_NE(traced.run.err.find("strace: ptrace(PTRACE_TRACEME, ...): Operation not permitted"),
              std::string::npos)
        << traced.run.err;
    return;
  }
  ExpectCompleteProfile(traced, 0);
  EXPECT_NE(ReadWholeFile(log).find("syscall_0x258("), std::string::npos)
      << "strace saw the child's syscall(600)";
  EXPECT_EQ(traced.profile->counts.at(600), 1u) << "and so did sysfence";
  EXPECT_TRUE(traced.profile->images.contains(std::filesystem::canonical("/usr/bin/strace")));
  EXPECT_TRUE(
      traced.profile->images.contains(std::filesystem::canonical(TestProgram("raw_syscalls"))));
}

TEST_P(TraceRobustness, NestedGdb) {
  if (!FileExists("/usr/bin/gdb")) GTEST_SKIP() << "gdb is not installed";
  TraceRun traced = Trace({"/usr/bin/gdb", "-nx", "-batch", "-ex", "run", "--args", "/bin/true"});
  EXPECT_TRUE(traced.profile->syscalls.Contains("ptrace"));
  if (Backend() == "ptrace") {
    ExpectCompleteProfile(traced, 1);
    EXPECT_NE(traced.run.err.find("ptrace: Operation not permitted"), std::string::npos)
        << traced.run.err;
  } else {
    ExpectCompleteProfile(traced, 0);
  }
}

// A program that installs a seccomp filter of its own: calls the filter answers with an error
// never run, and neither backend sees them (the ptrace backend's stop comes from its own
// filter, which the program's stricter answer overrides; the eBPF recorder's sys_enter
// tracepoint fires after seccomp). strace, which stops before seccomp runs, sees them all.
TEST_P(TraceRobustness, CallsThatTheProgramsOwnFilterDeniesAreNotRecorded) {
  TraceRun traced = Trace({TestProgram("own_seccomp")});
  ExpectCompleteProfile(traced, 0);
  EXPECT_EQ(traced.run.out, "getppid before: ok; after: EPERM x3; syscall(605): ENOSYS\n");
  EXPECT_EQ(traced.profile->counts.at(*SyscallNumber("getppid")), 1u) << "the one before";
  EXPECT_EQ(traced.profile->counts.at(605), 1u) << "let through, then refused by the kernel";
  EXPECT_TRUE(traced.profile->syscalls.Contains("seccomp") ||
              traced.profile->syscalls.Contains("prctl"));

  CommandResult strace = RunCommand({"strace", "-f", "-qq", "-e", "trace=getppid", "-o",
                                     dir_.File("s.log"), TestProgram("own_seccomp")});
  EXPECT_EQ(strace.exit_code, 0);
  std::string log = ReadWholeFile(dir_.File("s.log"));
  size_t calls = 0;
  for (size_t at = log.find("getppid("); at != std::string::npos;
       at = log.find("getppid(", at + 1)) {
    ++calls;
  }
  EXPECT_EQ(calls, 4u) << log;
}

// A copy of print_ids, setuid to nobody, in a directory everyone can enter.
std::string SetuidCopy(const ScratchDir& dir) {
  std::string path = dir.File("print_ids");
  std::filesystem::copy_file(TestProgram("print_ids"), path);
  chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(chown(path.c_str(), 65534, 65534), 0);
  EXPECT_EQ(chmod(path.c_str(), 04755), 0);
  return path;
}

TEST_P(TraceRobustness, SetuidProgramTracedByRootRunsWithItsPrivileges) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid copy";
  std::string program = SetuidCopy(dir_);
  TraceRun traced = Trace({program});
  ExpectCompleteProfile(traced, 0);
  EXPECT_EQ(traced.run.out, "uid=0 euid=65534\n") << "root's tracer may trace across the exec";
  EXPECT_EQ(traced.run.err, "");
}

TEST_P(TraceRobustness, SetuidProgramTracedByAnotherUserRunsWithoutThemAndSaysSo) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid copy and switch users";
  if (!FileExists("/usr/bin/setpriv")) GTEST_SKIP() << "setpriv is not installed";
  std::string program = SetuidCopy(dir_);
  std::string output_dir = dir_.File("out");
  std::filesystem::create_directory(output_dir);
  ASSERT_EQ(chown(output_dir.c_str(), 1, 1), 0);
  std::string output = output_dir + "/profile.json";
  // As the unprivileged user "daemon" (uid 1): the kernel runs a setuid program it is asked
  // to trace without the setuid (ptrace(2): the tracer lacks CAP_SYS_PTRACE). Only the ptrace
  // backend works without privileges.
  if (Backend() != "ptrace") GTEST_SKIP() << "the eBPF backend needs root";
  CommandResult run =
      RunCommand({"/usr/bin/setpriv", "--reuid=1", "--regid=1", "--clear-groups", SysfenceBinary(),
                  "trace", "--backend", "ptrace", "-o", output, "--", program},
                 60);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "uid=1 euid=1\n");
  EXPECT_EQ(run.err, fmt::format("sysfence: warning: {} is set-user-ID but ran without that "
                                 "privilege (the kernel ignores the bit for a tracer without "
                                 "CAP_SYS_PTRACE, and on a nosuid mount): its calls may differ "
                                 "from an untraced run\n",
                                 program));
  Result<Profile> profile = ReadProfileFile(output);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->exit_status, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TraceRobustness, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace sysfence::testing
