// Traces programs whose phases are known (tests/programs/phased.c, mark_self.c) with one
// trigger of each kind, and checks that every phase's set is exactly the calls of its stage.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend.h"
#include "profile/profile_json.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

Profile TraceWith(const ScratchDir& dir, const std::vector<std::string>& phases,
                  const std::vector<std::string>& command, std::string* log = nullptr,
                  const std::string& backend = "auto") {
  std::vector<std::string> argv = {
      SysfenceBinary(),   "trace",       "--backend",           backend, "-o",
      dir.File("p.json"), "--phase-log", dir.File("phases.log")};
  for (const std::string& phase : phases) {
    argv.push_back("--phase");
    argv.push_back(phase);
  }
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  CommandResult r = RunCommand(argv, 60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (log != nullptr) *log = ReadWholeFile(dir.File("phases.log"));
  auto profile = ReadProfileFile(dir.File("p.json"));
  EXPECT_TRUE(profile.ok()) << (profile.ok() ? "" : profile.error().message());
  return profile.ok() ? *profile : Profile{};
}

std::vector<std::string> Names(const Profile& p, size_t phase) {
  return phase < p.phases.size() ? p.phases[phase].syscalls.Names() : std::vector<std::string>{};
}

TEST(PhasesTrace, EveryTriggerKindSplitsTheKnownStagesExactly) {
  ScratchDir dir;
  std::string log;
  Profile p = TraceWith(
      dir,
      {"b=syscall:getuid", "c=openat:/nonexistent/sysfence-phase-*", "d=write:fd=2",
       "e=socket:AF_INET6", "f=signal:SIGUSR1", "g=read:pipe", "h=syscall:getpriority@process"},
      {TestProgram("phased")}, &log);
  ASSERT_EQ(p.phases.size(), 8u);
  EXPECT_EQ(p.phases[0].name, "init");
  EXPECT_TRUE(p.phases[0].syscalls.Contains("getppid"));
  EXPECT_TRUE(p.phases[0].syscalls.Contains("rt_sigaction"));
  using V = std::vector<std::string>;
  EXPECT_EQ(Names(p, 1), (V{"getgid", "getuid"}));
  EXPECT_EQ(Names(p, 2), (V{"geteuid", "openat"}));
  EXPECT_EQ(Names(p, 3), (V{"getegid", "write"}));
  EXPECT_EQ(Names(p, 4), (V{"getpid", "kill", "socket"}));
  EXPECT_EQ(Names(p, 5), (V{"getsid", "pipe2", "rt_sigreturn", "write"}));
  EXPECT_EQ(Names(p, 6), (V{"clone", "exit_group", "read", "sched_yield", "wait4"}));
  EXPECT_EQ(Names(p, 7), (V{"alarm", "exit_group", "getpriority"}))
      << "only the child entered h; the parent stayed in g";
  EXPECT_NE(log.find("h=syscall:getpriority@process"), std::string::npos) << log;
  EXPECT_NE(log.find("(this process only)"), std::string::npos) << log;
  EXPECT_NE(log.find("SIGUSR1"), std::string::npos) << log;
}

TEST(PhasesTrace, ExecTriggerPutsEverythingTheNewImageDoesInThePhase) {
  ScratchDir dir;
  Profile p = TraceWith(dir, {"child=exec:**/raw_syscalls"},
                        {TestProgram("exec_other"), TestProgram("raw_syscalls")});
  ASSERT_EQ(p.phases.size(), 2u);
  std::string image;
  for (const auto& [path, set] : p.images) {
    if (path.ends_with("/raw_syscalls")) image = path;
  }
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(p.phases[1].syscalls, p.images.at(image));
  EXPECT_TRUE(p.phases[0].syscalls.Contains("execve"));
}

// The command's own start is not an exec into a phase: a server that re-executes itself per
// connection (sshd) names its own path in the trigger.
TEST(PhasesTrace, ExecTriggerDoesNotFireOnTheCommandsOwnStart) {
  ScratchDir dir;
  Profile p = TraceWith(dir, {"again=exec:**/raw_syscalls"}, {TestProgram("raw_syscalls")});
  ASSERT_EQ(p.phases.size(), 2u);
  EXPECT_EQ(p.phases[0].syscalls, p.syscalls);
  EXPECT_TRUE(p.phases[1].syscalls.Empty()) << p.phases[1].syscalls.Names().size();
}

// On both backends: the eBPF recorder has the switch in effect in the kernel before the
// requester gets its answer.
class ManualMark : public ::testing::TestWithParam<std::string> {};

TEST_P(ManualMark, ThroughTheControlSocket) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Profile p = TraceWith(dir, {"hand=mark"}, {TestProgram("mark_self")}, nullptr, GetParam());
  ASSERT_EQ(p.phases.size(), 2u);
  EXPECT_TRUE(p.phases[0].syscalls.Contains("connect"));
  EXPECT_TRUE(p.phases[1].syscalls.Contains("getuid"));
  EXPECT_FALSE(p.phases[0].syscalls.Contains("getuid"));
  // The mark takes effect at the tracee's next call after the request: at the latest getuid,
  // at the earliest the read that waits for the answer.
  EXPECT_TRUE(
      (p.phases[1].syscalls - *SyscallSet::FromNames({"read", "getuid", "exit_group"})).Empty())
      << "phase hand: " << fmt::format("{}", fmt::join(p.phases[1].syscalls.Names(), ","));
}

INSTANTIATE_TEST_SUITE_P(PhasesTrace, ManualMark, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

TEST(PhasesTrace, BadTriggersAreOneLineErrors) {
  ScratchDir dir;
  CommandResult r = RunCommand({SysfenceBinary(), "trace", "-o", dir.File("p.json"), "--phase",
                                "x=syscall:frobnicate", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos);
  EXPECT_FALSE(FileExists(dir.File("p.json")));
  r = RunCommand({SysfenceBinary(), "mark", "x", "--to", "@sysfence-no-such-trace"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos);
}

class EventsFile : public ::testing::TestWithParam<std::string> {};

TEST_P(EventsFile, HoldsEveryCallAndFeedsAutoPhases) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  CommandResult r = RunCommand({SysfenceBinary(), "trace", "--backend", GetParam(), "-o",
                                dir.File("p.json"), "--events", dir.File("e.tsv"), "--auto-phases",
                                "--", TestProgram("raw_syscalls")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("distinct syscalls discovered over time"), std::string::npos) << r.err;
  r = RunCommand({SysfenceBinary(), "phases", "--format", "json", dir.File("e.tsv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"discovery\""), std::string::npos);
  auto p = ReadProfileFile(dir.File("p.json"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(static_cast<int>(p->discovery.size()), p->syscalls.Size())
      << "one discovery point per distinct syscall";
  uint64_t calls = 0;
  for (const auto& [number, count] : p->counts) calls += count;
  std::string events = ReadWholeFile(dir.File("e.tsv"));
  EXPECT_EQ(static_cast<uint64_t>(std::count(events.begin(), events.end(), '\n')), calls + 1)
      << "the header, then one line per call";
}

INSTANTIATE_TEST_SUITE_P(PhasesTrace, EventsFile, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace sysfence::testing
