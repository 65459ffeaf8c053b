// `sysfence run` with a purpose-built program (tests/programs/probe_calls.c) whose profile is
// traced first: a call outside the profile gets EPERM, kills or traps as chosen; numbers
// outside the table are allowed by number; only the launcher's own exec gets through a
// profile without execve; learning mode lets everything run and reports the calls outside the
// profile; exit statuses pass through; bad input is a one-line error with exit status 2.
// Phased runs (tests/programs/phased_run.c, profile traced with a working phase): a start-up
// call after the trigger is killed or gets EPERM, children keep the trigger's scope.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"
#include "traced_profile.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

class Run : public ::testing::Test {
 protected:
  // A profile of probe_calls running `mode` (e.g. {} or {"exit", "7"}), plus `extra` names.
  std::string ProfileOf(const std::vector<std::string>& mode,
                        const std::vector<std::string>& extra = {},
                        const std::vector<std::string>& removed = {},
                        const std::string& extra_json = "") {
    std::string path = dir_.File("probe" + std::to_string(profiles_++) + ".json");
    TracedProfile profile(path, TestProgram("probe_calls"));
    std::vector<std::string> argv = {TestProgram("probe_calls")};
    argv.insert(argv.end(), mode.begin(), mode.end());
    profile.Trace(argv);
    for (const std::string& name : extra) profile.Add(name);
    for (const std::string& name : removed) profile.Remove(name);
    profile.Write(extra_json);
    return path;
  }

  CommandResult RunProbe(const std::string& profile, const std::string& action,
                         const std::vector<std::string>& args,
                         const std::vector<std::string>& options = {}) {
    return RunUnder("probe_calls", profile, action, args, options);
  }

  // `sysfence run` of a test program.
  static CommandResult RunUnder(const std::string& program, const std::string& profile,
                                const std::string& action, const std::vector<std::string>& args,
                                const std::vector<std::string>& options = {}) {
    std::vector<std::string> argv = {SysfenceBinary(), "run",      "--profile",
                                     profile,          "--action", action};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.push_back(TestProgram(program));
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  // sysfence fails with one line naming `culprit`, exit status 2 and no output.
  static void ExpectOneLineError(const std::vector<std::string>& argv, const std::string& culprit) {
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(culprit), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }

  // A profile of phased_run running `steps`, made by `sysfence trace` with the working phase
  // entered at the program's openat of /nonexistent/sysfence-phased-work.
  std::string PhasedProfile(const std::vector<std::string>& steps, const std::string& scope = "") {
    std::string path = dir_.File("phased" + std::to_string(profiles_++) + ".json");
    std::vector<std::string> argv = {SysfenceBinary(),
                                     "trace",
                                     "-o",
                                     path,
                                     "--phase",
                                     "work=openat:/nonexistent/sysfence-phased-work" + scope,
                                     "--",
                                     TestProgram("phased_run")};
    argv.insert(argv.end(), steps.begin(), steps.end());
    CommandResult traced = RunCommand(argv);
    EXPECT_EQ(traced.exit_code, 0) << traced.err;
    return path;
  }

  static CommandResult RunPhased(const std::string& profile, const std::string& action,
                                 const std::vector<std::string>& steps) {
    return RunUnder("phased_run", profile, action, steps, {"--phased"});
  }

  ScratchDir dir_;
  int profiles_ = 0;
};

// What phased_run prints for its getuid step when the call is allowed.
std::string UidLine() { return "uid ret=" + std::to_string(getuid()) + " errno=0\n"; }
const std::string kChildKilled = "child signal " + std::to_string(SIGSYS) + "\n";

TEST_F(Run, ProgramInsideItsProfileRunsWithItsOutputAndExitStatus) {
  std::string profile = ProfileOf({"exit", "7"});
  for (std::string action : {"errno", "kill", "trap", "log"}) {
    CommandResult r = RunProbe(profile, action, {"exit", "7"});
    EXPECT_EQ(r.exit_code, 7) << action << ": " << r.err;
    EXPECT_EQ(r.out, "probe_calls: start\n") << action;
  }
}

TEST_F(Run, CallOutsideTheProfileGetsEpermKillOrTrapAsChosen) {
  std::string profile = ProfileOf({}, {"syscall_600"});
  CommandResult errno_mode = RunProbe(profile, "errno", {"600", "601"});
  EXPECT_EQ(errno_mode.exit_code, 0) << errno_mode.err;
  // 600 is in the profile: allowed by number, and the kernel says ENOSYS (38).
  EXPECT_EQ(errno_mode.out, "probe_calls: start\n600 ret=-1 errno=38\n601 ret=-1 errno=1\n");

  CommandResult kill_mode = RunProbe(profile, "kill", {"600", "601"});
  EXPECT_EQ(kill_mode.exit_code, 128 + SIGSYS);
  EXPECT_EQ(kill_mode.out, "probe_calls: start\n600 ret=-1 errno=38\n");

  CommandResult trap_mode = RunProbe(profile, "trap", {"601"});
  EXPECT_EQ(trap_mode.exit_code, 128 + SIGSYS);
  EXPECT_EQ(trap_mode.out, "probe_calls: start\n");
}

TEST_F(Run, OnlyTheLaunchersOwnExecPassesAProfileWithoutExecve) {
  std::string profile = ProfileOf({}, {}, {"execve"});
  CommandResult r = RunProbe(profile, "errno", {"exec", "/bin/true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "probe_calls: start\nexec errno=1\n");
  r = RunProbe(profile, "kill", {"exec", "/bin/true"});
  EXPECT_EQ(r.exit_code, 128 + SIGSYS);
}

TEST_F(Run, ExitBySignalIs128PlusTheSignal) {
  std::string profile = ProfileOf({"signal", "15"});
  CommandResult r = RunProbe(profile, "kill", {"signal", "15"});
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.err;
}

TEST_F(Run, LearningModeLetsEverythingRunAndReportsCallsOutsideTheProfile) {
  std::string profile = ProfileOf({});
  std::string learned = dir_.File("learned.json");
  CommandResult r = RunProbe(profile, "log", {"601", "39", "601"}, {"--learn-output", learned});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The calls ran: 601 reached the kernel (ENOSYS) and getpid returned a pid.
  EXPECT_NE(r.out.find("601 ret=-1 errno=38\n39 ret="), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("system calls outside the profile (2 distinct, 3 calls)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("syscall_601  2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("getpid       1"), std::string::npos) << r.err;
  json profile_json = json::parse(ReadWholeFile(learned));
  EXPECT_EQ(profile_json["syscalls"], json({"getpid", "syscall_601"}));
  EXPECT_EQ(profile_json["counts"]["syscall_601"], 2);
}

TEST_F(Run, LearningModeFollowsChildrenAndThreadsOfTheProgram) {
  std::string empty = dir_.File("empty.json");
  WriteWholeFile(empty, R"({"sysfence": 1, "syscalls": []})");
  CommandResult r = RunCommand({SysfenceBinary(), "run", "--profile", empty, "--action", "log",
                                "--", "/bin/sh", "-c", "echo one | cat; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "one\n");
  for (std::string name : {"execve", "pipe2", "wait4", "write", "exit_group"}) {
    EXPECT_NE(r.err.find("\n  " + name + " "), std::string::npos) << name << "\n" << r.err;
  }
}

TEST_F(Run, HybridSoftCallsDegradeInsteadOfKilling) {
  std::string hybrid =
      ProfileOf({}, {"getppid"}, {}, R"("kind": "hybrid", "soft_syscalls": ["getppid"])");
  CommandResult soft_errno = RunProbe(hybrid, "kill", {"110"}, {"--soft-action", "errno"});
  EXPECT_EQ(soft_errno.exit_code, 0) << soft_errno.err;
  EXPECT_EQ(soft_errno.out, "probe_calls: start\n110 ret=-1 errno=1\n");
  CommandResult soft_log = RunProbe(hybrid, "kill", {"110"});
  EXPECT_EQ(soft_log.exit_code, 0);
  EXPECT_NE(soft_log.out.find("110 ret="), std::string::npos);
  EXPECT_NE(soft_log.out.find(" errno=0\n"), std::string::npos) << soft_log.out;
  CommandResult learn = RunProbe(hybrid, "log", {"110"});
  EXPECT_NE(learn.err.find("soft (static-only) calls the program made (1 distinct, 1 calls)"),
            std::string::npos)
      << learn.err;
}

TEST_F(Run, I386CallsAreAllowedOnlyFromTheCompatList) {
  // Kernels without i386 emulation (or with it switched off, ia32_emulation=0) answer
  // int 0x80 with ENOSYS or a general protection fault.
  CommandResult native = RunCommand({TestProgram("probe_calls"), "i386", "20"});
  if (native.exit_code != 0 || native.out.find("ret=-38") != std::string::npos) {
    GTEST_SKIP() << "int 0x80 does not work on this kernel (exit " << native.exit_code
                 << "): i386 calls are covered by the BPF evaluator tests only";
  }
  std::string plain = ProfileOf({"i386", "20"});
  std::string compat =
      ProfileOf({"i386", "20"}, {}, {}, R"("compat_syscalls": {"i386": {"getpid": 1}})");
  CommandResult denied = RunProbe(plain, "errno", {"i386", "20"});
  EXPECT_NE(denied.out.find("i386 20 ret=-1\n"), std::string::npos) << denied.out;
  CommandResult killed = RunProbe(plain, "kill", {"i386", "20"});
  EXPECT_EQ(killed.exit_code, 128 + SIGSYS);
  CommandResult allowed = RunProbe(compat, "kill", {"i386", "20"});
  EXPECT_EQ(allowed.exit_code, 0);
  EXPECT_EQ(allowed.out.find("ret=-1"), std::string::npos) << allowed.out;
}

TEST_F(Run, BadInputIsOneLineAndExitTwo) {
  std::string profile = ProfileOf({});
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", dir_.File("missing.json"), "--", "true"},
      "missing.json");
  ExpectOneLineError({SysfenceBinary(), "run", "--profile", profile, "--", "no-such-command-here"},
                     "no-such-command-here: command not found");
  ExpectOneLineError({SysfenceBinary(), "run", "--profile", profile, "--", dir_.File("nothing")},
                     "nothing");
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", profile, "--action", "maim", "--", "true"}, "'maim'");
  std::string learned = dir_.File("learned.json");
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", profile, "--learn-output", learned, "--", "true"},
      "--learn-output");
  EXPECT_FALSE(FileExists(learned));
  // A file the kernel cannot execute: the failure is found after the filter is in place.
  std::string script = dir_.File("script.sh");
  WriteWholeFile(script, "#!/no/such/interpreter\n");
  chmod(script.c_str(), 0755);
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", profile, "--action", "kill", "--", script},
      "cannot execute");
}

// phased_run's getuid is a start-up call; the program runs while it keeps to its phases.
TEST_F(Run, PhasedProgramThatKeepsToItsPhasesRuns) {
  std::string profile = PhasedProfile({"uid", "work", "ppid"});
  CommandResult r = RunPhased(profile, "kill", {"uid", "work", "ppid"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, UidLine() + "work\n");
}

TEST_F(Run, PhasedStartUpCallAfterTheTriggerIsKilledOrGetsEperm) {
  std::string profile = PhasedProfile({"uid", "work", "ppid"});
  CommandResult killed = RunPhased(profile, "kill", {"uid", "work", "uid", "ppid"});
  EXPECT_EQ(killed.exit_code, 128 + SIGSYS) << killed.err;
  EXPECT_EQ(killed.out, UidLine() + "work\n");

  CommandResult refused = RunPhased(profile, "errno", {"uid", "work", "uid", "ppid"});
  EXPECT_EQ(refused.exit_code, 0) << refused.err;
  EXPECT_EQ(refused.out, UidLine() + "work\nuid ret=-1 errno=1\n");

  // Without --phased the same profile allows getuid at any time: it is in the union.
  CommandResult unphased = RunUnder("phased_run", profile, "kill", {"uid", "work", "uid", "ppid"});
  EXPECT_EQ(unphased.exit_code, 0) << unphased.err;
  EXPECT_EQ(unphased.out, UidLine() + "work\n" + UidLine());
}

TEST_F(Run, PhasedChildStartedAfterATreeTriggerIsInTheWorkingPhase) {
  std::string profile = PhasedProfile({"uid", "work", "fork", "ppid", "join"});
  CommandResult good = RunPhased(profile, "kill", {"uid", "work", "fork", "ppid", "join"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, UidLine() + "work\nchild exit 0\n");

  CommandResult bad = RunPhased(profile, "kill", {"uid", "work", "fork", "uid", "join"});
  EXPECT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_EQ(bad.out, UidLine() + "work\n" + kChildKilled);
}

TEST_F(Run, PhasedProcessScopedTriggerNarrowsOnlyTheProcessThatFiredIt) {
  // The child enters the working phase; its parent stays in start-up and may call getuid.
  std::string profile = PhasedProfile({"uid", "fork", "work", "join", "uid"}, "@process");
  CommandResult good = RunPhased(profile, "kill", {"uid", "fork", "work", "join", "uid"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, UidLine() + "work\nchild exit 0\n" + UidLine());

  CommandResult bad = RunPhased(profile, "kill", {"uid", "fork", "work", "uid", "join", "uid"});
  EXPECT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_EQ(bad.out, UidLine() + "work\n" + kChildKilled + UidLine());
}

TEST_F(Run, PhasedNeedsEnforceablePhasesOrIsAOneLineError) {
  std::string flat = dir_.File("flat.json");
  WriteWholeFile(flat, R"({"sysfence": 1, "syscalls": ["read"]})");
  ExpectOneLineError({SysfenceBinary(), "run", "--profile", flat, "--phased", "--", "true"},
                     "no phases");
  std::string marked = dir_.File("marked.json");
  WriteWholeFile(marked, R"({"sysfence": 1, "syscalls": ["read"], "phases": [
      {"name": "init", "syscalls": ["read"]},
      {"name": "work", "trigger": "mark", "syscalls": ["read"]}]})");
  ExpectOneLineError({SysfenceBinary(), "run", "--profile", marked, "--phased", "--", "true"},
                     "sysfence mark");
  std::string profile = PhasedProfile({"uid", "work"});
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", profile, "--phased", "--action", "log", "--", "true"},
      "blocking --action");
  ExpectOneLineError(
      {SysfenceBinary(), "run", "--profile", profile, "--phase-log", "x", "--", "true"},
      "--phase-log needs --phased");
}

// Argument rules (tests/programs/argument_calls.c, profile traced from its "fork" run: sockets
// AF_INET and AF_UNIX, ioctl TCGETS, mprotect without PROT_EXEC, clone for fork and CLONE_VM):
// the traced run passes with --action kill; each call an argument rule should refuse gets
// EPERM or kills; --no-args gives the syscall-level filter back.
class ArgumentRules : public Run {
 protected:
  std::string Profile() {
    std::string path = dir_.File("arguments.json");
    CommandResult traced = RunCommand({SysfenceBinary(), "trace", "--backend", "ptrace", "-o", path,
                                       "--", TestProgram("argument_calls"), "fork"});
    EXPECT_EQ(traced.exit_code, 0) << traced.err;
    return path;
  }
};

TEST_F(ArgumentRules, TheTracedRunPassesUnderKill) {
  std::string profile = Profile();
  CommandResult r = RunUnder("argument_calls", profile, "kill", {"fork"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "usual done\nfork 0\n");
}

TEST_F(ArgumentRules, RefusedValuesGetEpermOrKill) {
  std::string profile = Profile();
  for (const char* call : {"netlink", "packet", "tiocsti", "exec", "newuser"}) {
    SCOPED_TRACE(call);
    CommandResult denied = RunUnder("argument_calls", profile, "errno", {call});
    EXPECT_EQ(denied.exit_code, 0) << denied.err;
    EXPECT_EQ(denied.out, "usual done\n" + std::string(call) + " -1 EPERM\n");
    CommandResult killed = RunUnder("argument_calls", profile, "kill", {call});
    EXPECT_EQ(killed.exit_code, 128 + SIGSYS) << killed.err;
    EXPECT_EQ(killed.out, "usual done\n");
  }
}

TEST_F(ArgumentRules, NoArgsChecksSyscallsOnly) {
  std::string profile = Profile();
  CommandResult r = RunUnder("argument_calls", profile, "kill", {"exec"}, {"--no-args"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "usual done\nexec 0\n");
}

}  // namespace
}  // namespace sysfence::testing
