// `sysfence trace --pid` and `--cgroup`: recording processes that already run, on both backends.
// A running loop process is attached to, starts a child after the attach, and runs on
// unharmed when the recording ends; recording ends by a signal, by --duration, or when the
// processes end; --flush-every writes the profile while recording goes on; a cgroup recording
// picks up a process that enters the cgroup after the start; bad arguments are refused with
// a message that names them.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "backend.h"
#include "base/proc_status.h"
#include "profile/profile_json.h"
#include "session.h"
#include "syscalls/syscall_table.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

constexpr auto kPatience = std::chrono::seconds(60);

// Waits until `file` holds `text` (sysfence's stderr), up to a minute.
bool WaitForText(const std::string& file, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (FileExists(file) && ReadWholeFile(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string TargetPath() { return std::filesystem::canonical(TestProgram("attach_target")); }

// The process's tracer ("TracerPid"), or -1 when it is gone.
long long TracerOf(pid_t pid) {
  std::vector<long long> tracer =
      StatusNumbers(ReadWholeFile(fmt::format("/proc/{}/status", pid)), "TracerPid");
  return tracer.empty() ? -1 : tracer.front();
}

// Tells the target to exit and checks that it does so normally: it ran on after sysfence.
void ExpectRunsOnAndExits(Session& target) {
  char state = ProcessState(target.pid());
  EXPECT_TRUE(state == 'S' || state == 'R') << "state " << state;
  EXPECT_EQ(TracerOf(target.pid()), 0);
  ASSERT_EQ(kill(target.pid(), SIGTERM), 0);
  EXPECT_EQ(target.ReadLine(), "exiting\n");
  EXPECT_EQ(target.Wait(), 0);
}

class AttachTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<std::string> Trace(std::vector<std::string> options) {
    std::vector<std::string> argv = {SysfenceBinary(), "trace", "--backend",
                                     GetParam(),       "-o",    Output()};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
  }
  std::string Output() const { return dir_.File("profile.json"); }
  std::string Errors() const { return dir_.File("stderr"); }

  ScratchDir dir_;
};

TEST_P(AttachTest, RecordsARunningProcessAndWhatItStartsThenLeavesItRunning) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  Session target({TestProgram("attach_target")}, dir_.File("target.err"));
  ASSERT_EQ(target.ReadLine(), "ready\n");
  Session trace(Trace({"--pid", std::to_string(target.pid())}), Errors());
  ASSERT_TRUE(WaitForText(Errors(), "sysfence: recording 1 thread(s)")) << ReadWholeFile(Errors());
  ASSERT_EQ(kill(target.pid(), SIGUSR1), 0);
  ASSERT_EQ(target.ReadLine(), "spawned\n");
  ASSERT_EQ(kill(trace.pid(), SIGINT), 0);
  EXPECT_EQ(trace.Wait(), 0) << ReadWholeFile(Errors());
  EXPECT_NE(ReadWholeFile(Errors()).find("recording stopped (SIGINT)"), std::string::npos)
      << ReadWholeFile(Errors());

  Result<Profile> profile = ReadProfileFile(Output());
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->target, TargetPath());
  EXPECT_FALSE(profile->incomplete);
  EXPECT_EQ(profile->exit_status, -1);
  ASSERT_TRUE(profile->images.contains(TargetPath()));
  const SyscallSet& own = profile->images.at(TargetPath());
  // The loop's calls, the fork and its wait, and the call it makes only after the attach.
  for (const char* name : {"getppid", "clock_nanosleep", "clone", "wait4", "sched_yield"}) {
    EXPECT_TRUE(own.Contains(name)) << name;
  }
  // The child it started after the attach: its execve counts for the target, then it runs true.
  EXPECT_TRUE(own.Contains("execve"));
  ASSERT_TRUE(profile->images.contains("/usr/bin/true"));
  EXPECT_TRUE(profile->images.at("/usr/bin/true").Contains("exit_group"));
  ExpectRunsOnAndExits(target);
}

TEST_P(AttachTest, EndsWhenTheRecordedProcessesEnd) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  Session target({TestProgram("attach_target")}, dir_.File("target.err"));
  ASSERT_EQ(target.ReadLine(), "ready\n");
  Session trace(Trace({"--pid", std::to_string(target.pid())}), Errors());
  ASSERT_TRUE(WaitForText(Errors(), "sysfence: recording")) << ReadWholeFile(Errors());
  ASSERT_EQ(kill(target.pid(), SIGTERM), 0);
  EXPECT_EQ(target.ReadLine(), "exiting\n");
  EXPECT_EQ(target.Wait(), 0);
  EXPECT_EQ(trace.Wait(), 0) << ReadWholeFile(Errors());
  EXPECT_NE(ReadWholeFile(Errors()).find("the recorded processes ended"), std::string::npos)
      << ReadWholeFile(Errors());
  Result<Profile> profile = ReadProfileFile(Output());
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_TRUE(profile->images.at(TargetPath()).Contains("exit_group"));
  EXPECT_TRUE(profile->images.at(TargetPath()).Contains("write"));  // "exiting"
}

TEST_P(AttachTest, StopsAfterTheDuration) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  Session target({TestProgram("attach_target")}, dir_.File("target.err"));
  ASSERT_EQ(target.ReadLine(), "ready\n");
  CommandResult traced =
      RunCommand(Trace({"--pid", std::to_string(target.pid()), "--duration", "1s"}));
  EXPECT_EQ(traced.exit_code, 0) << traced.err;
  EXPECT_NE(traced.err.find("recording stopped (--duration elapsed)"), std::string::npos)
      << traced.err;
  Result<Profile> profile = ReadProfileFile(Output());
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_TRUE(profile->images.at(TargetPath()).Contains("getppid"));
  ExpectRunsOnAndExits(target);
}

TEST_P(AttachTest, FlushEveryWritesTheProfileWhileRecording) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  Session target({TestProgram("attach_target")}, dir_.File("target.err"));
  ASSERT_EQ(target.ReadLine(), "ready\n");
  Session trace(Trace({"--pid", std::to_string(target.pid()), "--flush-every", "1s"}), Errors());
  // The file appears while sysfence still records, and holds what was recorded by then.
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!FileExists(Output()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(FileExists(Output()));
  EXPECT_EQ(ProcessState(trace.pid()) != 0, true);
  Result<Profile> so_far = ReadProfileFile(Output());
  ASSERT_TRUE(so_far.ok()) << so_far.error().message();
  EXPECT_TRUE(so_far->images.at(TargetPath()).Contains("getppid"));
  ASSERT_EQ(kill(trace.pid(), SIGTERM), 0);
  EXPECT_EQ(trace.Wait(), 0) << ReadWholeFile(Errors());
  Result<Profile> final_profile = ReadProfileFile(Output());
  ASSERT_TRUE(final_profile.ok()) << final_profile.error().message();
  EXPECT_GE(final_profile->counts.at(*SyscallNumber("getppid")),
            so_far->counts.at(*SyscallNumber("getppid")));
  ExpectRunsOnAndExits(target);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttachTest, ::testing::ValuesIn(kBackends));

// The cgroup v2 hierarchy of this machine, or "" when there is none to write to.
std::string CgroupRoot() {
  for (const char* root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs fs {};
    if (statfs(root, &fs) == 0 && fs.f_type == 0x63677270 && access(root, W_OK) == 0) return root;
  }
  return "";
}

TEST(AttachCgroupTest, RecordsAProcessThatEntersTheCgroupAfterTheStart) {
  SKIP_UNLESS_BACKEND_WORKS(std::string("ebpf"));
  std::string root = CgroupRoot();
  if (root.empty()) GTEST_SKIP() << "no writable cgroup v2 hierarchy";
  std::string cgroup = fmt::format("{}/sysfence-attach-test-{}", root, getpid());
  ASSERT_EQ(mkdir(cgroup.c_str(), 0755), 0) << strerror(errno);
  ScratchDir dir;
  {
    Session trace({SysfenceBinary(), "trace", "--cgroup", cgroup, "-o", dir.File("profile.json")},
                  dir.File("stderr"));
    ASSERT_TRUE(WaitForText(dir.File("stderr"), "sysfence: recording"))
        << ReadWholeFile(dir.File("stderr"));
    Session target({TestProgram("attach_target")}, dir.File("target.err"));
    ASSERT_EQ(target.ReadLine(), "ready\n");
    WriteWholeFile(cgroup + "/cgroup.procs", std::to_string(target.pid()));
    ASSERT_EQ(kill(target.pid(), SIGUSR1), 0);
    ASSERT_EQ(target.ReadLine(), "spawned\n");
    ASSERT_EQ(kill(trace.pid(), SIGINT), 0);
    EXPECT_EQ(trace.Wait(), 0) << ReadWholeFile(dir.File("stderr"));
    ExpectRunsOnAndExits(target);
  }
  rmdir(cgroup.c_str());
  Result<Profile> profile = ReadProfileFile(dir.File("profile.json"));
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->target, cgroup);
  ASSERT_TRUE(profile->images.contains(TargetPath()));
  for (const char* name : {"getppid", "clone", "sched_yield"}) {
    EXPECT_TRUE(profile->images.at(TargetPath()).Contains(name)) << name;
  }
  EXPECT_TRUE(profile->images.contains("/usr/bin/true"));
}

TEST(AttachArgumentsTest, BadArgumentsAreRefusedByName) {
  ScratchDir dir;
  std::string out = dir.File("profile.json");
  struct Case {
    std::vector<std::string> options;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"--pid", "2147483646"}, "--pid 2147483646: no such process"},
      {{"--backend", "ebpf", "--cgroup", dir.path()}, "not a cgroup v2 directory"},
      {{"--cgroup", "/nonexistent/cgroup"}, "--cgroup /nonexistent/cgroup"},
      {{"--pid", "1", "--duration", "10x"}, "--duration: '10x': unknown unit 'x'"},
      {{"--pid", "1", "--", "true"}, "give no command"},
      {{"--duration", "5s", "--", "true"}, "apply to --pid and --cgroup"},
      {{"--backend", "ptrace", "--cgroup", "/sys/fs/cgroup"}, "--cgroup needs the eBPF backend"},
  };
  for (const Case& bad : cases) {
    std::vector<std::string> argv = {SysfenceBinary(), "trace", "-o", out};
    argv.insert(argv.end(), bad.options.begin(), bad.options.end());
    CommandResult result = RunCommand(argv);
    EXPECT_NE(result.exit_code, 0) << bad.message;
    EXPECT_NE(result.err.find(bad.message), std::string::npos) << result.err;
    EXPECT_FALSE(FileExists(out)) << bad.message;
  }
  CommandResult no_output =
      RunCommand({SysfenceBinary(), "trace", "--pid", "1", "--flush-every", "1s"});
  EXPECT_NE(no_output.exit_code, 0);
  EXPECT_NE(no_output.err.find("--flush-every needs -o FILE"), std::string::npos) << no_output.err;
}

}  // namespace
}  // namespace sysfence::testing
