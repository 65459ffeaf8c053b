// `sysfence trace` against `strace -f` on purpose-built and real workloads (the syscall sets
// must be exactly equal), on both backends, and the two backends against each other (the same
// syscalls, images and counts); the behaviour around the trace: image attribution, exit
// status, signals passed through, SIGTERM to sysfence, bad commands, refused ptrace, the
// choice of backend.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "backend.h"
#include "profile/profile_json.h"
#include "session.h"
#include "syscalls/argument_table.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

// ---- A minimal reader of `strace -f -qq` logs, for these tests only ----------------------
//
// Each line is "PID  name(args) = result", or a line that is not a call: "--- SIGCHLD ...",
// "+++ exited with 0 +++", "<... read resumed>" (the second half of an interrupted line) and
// "[ Process PID=N runs in 32 bit mode. ]" (then N's calls are i386 calls). Unknown numbers
// appear as "syscall_0x258"; profiles call that "syscall_600".
struct StraceCalls {
  std::map<std::string, uint64_t> x86_64;
  std::map<std::string, uint64_t> i386;
};

StraceCalls ReadStraceLog(const std::string& text) {
  StraceCalls calls;
  std::map<std::string, bool> in_32_bit_mode;  // by pid
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t space = line.find(' ');
    std::string pid = line.substr(0, space);
    std::string body = line.substr(line.find_first_not_of(' ', space));
    if (body.starts_with("---") || body.starts_with("+++") || body.starts_with("<...")) continue;
    if (body.starts_with("[ Process PID=")) {
      in_32_bit_mode[pid] = body.find("runs in 32 bit mode") != std::string::npos;
      continue;
    }
    size_t paren = body.find('(');
    std::string name = body.substr(0, paren);
    if (paren == std::string::npos || name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      ADD_FAILURE() << "unexpected strace line: " << line;
      continue;
    }
    if (name.starts_with("syscall_0x")) {
      name = "syscall_" + std::to_string(std::stoul(name.substr(10), nullptr, 16));
    }
    ++(in_32_bit_mode[pid] ? calls.i386 : calls.x86_64)[name];
  }
  return calls;
}

std::set<std::string> Keys(const std::map<std::string, uint64_t>& map) {
  std::set<std::string> keys;
  for (const auto& [key, value] : map) keys.insert(key);
  return keys;
}

std::set<std::string> Names(const SyscallSet& set) {
  std::vector<std::string> names = set.Names();
  return {names.begin(), names.end()};
}

std::map<std::string, uint64_t> CountsByName(const Profile& profile) {
  std::map<std::string, uint64_t> counts;
  for (const auto& [number, count] : profile.counts) counts[SyscallDisplayName(number)] = count;
  return counts;
}

// The profile's sites with call names, which a failed comparison prints readably.
std::map<std::string, std::map<uint64_t, std::vector<std::string>>> SitesByName(
    const Profile& profile) {
  std::map<std::string, std::map<uint64_t, std::vector<std::string>>> sites;
  for (const auto& [path, offsets] : profile.sites) {
    for (const auto& [offset, calls] : offsets) sites[path][offset] = calls.Names();
  }
  return sites;
}

std::string Canonical(const std::string& path) { return std::filesystem::canonical(path).string(); }

struct Traced {
  CommandResult run;
  Profile profile;
  nlohmann::json json;
};

// Runs `sysfence trace --backend BACKEND -o OUT [extra] -- argv` and reads the profile back.
Traced Trace(const std::string& backend, const ScratchDir& dir,
             const std::vector<std::string>& argv, const std::vector<std::string>& extra = {}) {
  std::string out = dir.File("profile.json");
  std::vector<std::string> command = {SysfenceBinary(), "trace", "--backend", backend, "-o", out};
  command.insert(command.end(), extra.begin(), extra.end());
  command.push_back("--");
  command.insert(command.end(), argv.begin(), argv.end());
  Traced traced;
  traced.run = RunCommand(command);
  Result<Profile> profile = ReadProfileFile(out);
  EXPECT_TRUE(profile.ok()) << (profile.ok() ? "" : profile.error().message()) << "\n"
                            << traced.run.err;
  if (profile.ok()) {
    traced.profile = *profile;
    traced.json = nlohmann::json::parse(ReadWholeFile(out));
  }
  return traced;
}

// ---- The same calls as strace -f ---------------------------------------------------------

struct Workload {
  std::string name;
  std::vector<std::string> argv;  // TestProgram names are resolved in the test
  bool same_counts;               // false where the number of calls depends on timing
};

void PrintTo(const Workload& workload, std::ostream* os) { *os << workload.name; }

std::vector<std::string> Resolve(const std::vector<std::string>& argv, const ScratchDir& dir) {
  std::vector<std::string> resolved;
  for (const std::string& arg : argv) {
    if (arg.starts_with("@program:")) {
      resolved.push_back(TestProgram(arg.substr(9)));
    } else if (arg.starts_with("@scratch:")) {
      resolved.push_back(dir.File(arg.substr(9)));
    } else {
      resolved.push_back(arg);
    }
  }
  return resolved;
}

// Creates the files the workloads read in a scratch directory.
class WorkloadFiles {
 protected:
  WorkloadFiles() {
    WriteWholeFile(dir_.File("a.txt"), "one\ntwo\nthree\nfour\n");
    WriteWholeFile(dir_.File("b.txt"), "one\n2\nthree\nfour\nfive\n");
    std::filesystem::create_directories(dir_.File("tree/sub/deeper"));
    WriteWholeFile(dir_.File("tree/x"), "x");
    WriteWholeFile(dir_.File("tree/sub/y"), "y");
  }
  ScratchDir dir_;
};

class SameCallsAsStrace : public WorkloadFiles,
                          public ::testing::TestWithParam<std::tuple<Workload, std::string>> {};

TEST_P(SameCallsAsStrace, SyscallSetsAreEqual) {
  const auto& [workload, backend] = GetParam();
  SKIP_UNLESS_BACKEND_WORKS(backend);
  std::vector<std::string> argv = Resolve(workload.argv, dir_);
  // Every message quiet but personality changes: the log's "[ Process PID=N runs in 32 bit
  // mode. ]" lines say which calls are i386 ones. (strace 6.1 here writes them to a log file
  // only when the quiet set is given: not under -qq, nor without -q.)
  std::vector<std::string> strace = {"strace", "-f", "--quiet=attach,exit,thread-execve", "-o",
                                     dir_.File("strace.log")};
  strace.insert(strace.end(), argv.begin(), argv.end());
  CommandResult reference = RunCommand(strace);
  StraceCalls expected = ReadStraceLog(ReadWholeFile(dir_.File("strace.log")));
  ASSERT_FALSE(expected.x86_64.empty()) << reference.err;

  Traced traced = Trace(backend, dir_, argv);
  EXPECT_EQ(traced.run.exit_code, reference.exit_code) << traced.run.err;
  EXPECT_EQ(traced.run.out, reference.out);
  EXPECT_EQ(Names(traced.profile.syscalls), Keys(expected.x86_64));
  EXPECT_EQ(Keys(traced.profile.compat_i386), Keys(expected.i386));
  if (workload.same_counts) {
    EXPECT_EQ(CountsByName(traced.profile), expected.x86_64);
  }
}

// Both backends on the same workload: the same syscalls, images, i386 calls and exit status,
// and the same counts wherever the number of calls does not depend on timing.
class BackendsAgree : public WorkloadFiles, public ::testing::TestWithParam<Workload> {};

TEST_P(BackendsAgree, SameSyscallsImagesAndCounts) {
  SKIP_UNLESS_BACKEND_WORKS("ebpf");
  std::vector<std::string> argv = Resolve(GetParam().argv, dir_);
  Traced ptrace = Trace("ptrace", dir_, argv);
  Traced ebpf = Trace("ebpf", dir_, argv);
  EXPECT_EQ(ebpf.run.exit_code, ptrace.run.exit_code) << ebpf.run.err;
  EXPECT_EQ(ebpf.run.out, ptrace.run.out);
  EXPECT_EQ(Names(ebpf.profile.syscalls), Names(ptrace.profile.syscalls));
  EXPECT_EQ(ebpf.profile.images, ptrace.profile.images);
  EXPECT_EQ(Keys(ebpf.profile.compat_i386), Keys(ptrace.profile.compat_i386));
  EXPECT_EQ(ebpf.profile.exit_status, ptrace.profile.exit_status);
  EXPECT_FALSE(ebpf.profile.incomplete);
  EXPECT_EQ(ebpf.profile.args, ptrace.profile.args);
  EXPECT_EQ(ebpf.profile.image_args, ptrace.profile.image_args);
  if (GetParam().same_counts) {
    EXPECT_EQ(CountsByName(ebpf.profile), CountsByName(ptrace.profile));
    EXPECT_EQ(ebpf.profile.compat_i386, ptrace.profile.compat_i386);
    // The same syscall instructions, file by file, each with the same calls.
    EXPECT_EQ(SitesByName(ebpf.profile), SitesByName(ptrace.profile));
  }
}

const std::vector<Workload> kWorkloads = {
    Workload{"raw_syscalls", {"@program:raw_syscalls"}, true},
    Workload{"site_calls", {"@program:site_calls"}, true},
    Workload{"thread", {"@program:thread_syscall"}, false},
    Workload{"fork_child", {"@program:fork_child"}, true},
    Workload{"exec_program", {"@program:exec_other", "@program:raw_syscalls"}, true},
    Workload{"exec_true", {"@program:exec_other", "/bin/true"}, true},
    Workload{"vfork_exec", {"@program:vfork_exec", "/bin/true"}, true},
    Workload{"int80", {"@program:int80_getpid"}, true},
    Workload{"killed_by_signal", {"@program:killed_by_signal"}, true},
    Workload{"ignore_sigterm", {"@program:ignore_sigterm"}, true},
    Workload{"handle_signal", {"@program:handle_signal"}, true},
    Workload{"exit_code", {"@program:exit_code"}, true},
    Workload{"stop_continue", {"@program:stop_continue"}, false},
    Workload{"sh_ls_wc", {"/bin/sh", "-c", "ls / | wc -l"}, false},
    Workload{"diff", {"diff", "@scratch:a.txt", "@scratch:b.txt"}, true},
    Workload{"find", {"/usr/bin/find", "@scratch:tree"}, true},
    Workload{"sh_pipeline",
             {"sh", "-c", "printf 'b\\na\\nb\\n' | sort | uniq -c | tr -s ' ' | wc -c"},
             false}};

INSTANTIATE_TEST_SUITE_P(
    Trace, SameCallsAsStrace,
    ::testing::Combine(::testing::ValuesIn(kWorkloads), ::testing::ValuesIn(kBackends)),
    [](const ::testing::TestParamInfo<std::tuple<Workload, std::string>>& param_info) {
      return std::get<0>(param_info.param).name + "_" + std::get<1>(param_info.param);
    });
INSTANTIATE_TEST_SUITE_P(Trace, BackendsAgree, ::testing::ValuesIn(kWorkloads),
                         [](const ::testing::TestParamInfo<Workload>& param_info) {
                           return param_info.param.name;
                         });

// ---- What the profile says, on each backend ---------------------------------------------

class TraceOn : public ::testing::TestWithParam<std::string> {};

TEST_P(TraceOn, RawCallsAreRecordedByNumber) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("raw_syscalls")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  const Profile& profile = traced.profile;
  EXPECT_EQ(profile.kind, ProfileKind::kDynamic);
  EXPECT_EQ(profile.target, Canonical(TestProgram("raw_syscalls")));
  EXPECT_EQ(profile.runs, 1);
  EXPECT_EQ(profile.exit_status, 0);
  for (const char* name : {"sysinfo", "getcpu", "syscall_600", "execve", "exit_group"}) {
    EXPECT_TRUE(profile.syscalls.Contains(name)) << name;
  }
  EXPECT_EQ(profile.counts.at(600), 1u);
  EXPECT_EQ(profile.seen_in_runs.at(600), 1);
  EXPECT_FALSE(traced.json.contains("incomplete"));
}

// The argument table's values, masked, per image: argument_calls makes known calls, then
// execs nothing; the shell that runs it makes its own.
TEST_P(TraceOn, ArgumentValuesOfTheTableAreRecordedPerImage) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  std::string program = TestProgram("argument_calls");
  Traced traced = Trace(GetParam(), dir, {"/bin/sh", "-c", program + " fork; true"});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  EXPECT_EQ(traced.run.out, "usual done\nfork 0\n");
  auto values = [&](const std::string& image, const char* call, uint8_t index) {
    std::vector<std::string> names;
    const ArgumentValues& args = traced.profile.image_args.at(image);
    int number = *SyscallNumber(call);
    if (!args.contains(number) || !args.at(number).contains(index)) return names;
    const ArgumentSpec* spec = FindArgumentSpec(number, index);
    for (uint64_t v : args.at(number).at(index)) names.push_back(FormatArgumentValue(*spec, v));
    return names;
  };
  using Names = std::vector<std::string>;
  std::string image = Canonical(program);
  EXPECT_EQ(values(image, "socket", 0), (Names{"AF_UNIX", "AF_INET"}));
  EXPECT_EQ(values(image, "socket", 1), (Names{"SOCK_STREAM", "SOCK_DGRAM"}));
  EXPECT_EQ(values(image, "ioctl", 1), (Names{"TCGETS"}));
  EXPECT_EQ(values(image, "prctl", 0), (Names{"PR_GET_DUMPABLE"}));
  EXPECT_EQ(values(image, "kill", 1), (Names{"0"}));
  EXPECT_EQ(values(image, "madvise", 2), (Names{"MADV_DONTNEED"}));
  Names protections = values(image, "mprotect", 2);
  // Only PROT_WRITE and PROT_EXEC are compared: mprotect(PROT_READ) is kept as PROT_NONE.
  EXPECT_NE(std::find(protections.begin(), protections.end(), "PROT_NONE"), protections.end());
  for (const std::string& prot : protections) EXPECT_EQ(prot.find("PROT_EXEC"), std::string::npos);
  Names clones = values(image, "clone", 0);
  EXPECT_NE(std::find(clones.begin(), clones.end(), "CLONE_VM"), clones.end())
      << ::testing::PrintToString(clones);
  EXPECT_TRUE(traced.profile.args.contains(*SyscallNumber("openat")));
  EXPECT_FALSE(
      traced.profile.image_args.at(Canonical("/bin/sh")).contains(*SyscallNumber("socket")));
  // What the file says reads back (format version 2).
  EXPECT_EQ(traced.json["sysfence"], 2);
}

// Every site is a `syscall` instruction (0f 05) at its offset in its file: site_calls's own
// code (two instructions for 603), libc's (604) and the vDSO's; its call from anonymous memory
// (605) has none. Every other call has a site, except the launcher's execve.
TEST_P(TraceOn, SyscallSitesAreTheSyscallInstructionsInTheirFiles) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  std::string program = Canonical(TestProgram("site_calls"));
  Traced traced = Trace(GetParam(), dir, {program});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  const Profile& profile = traced.profile;
  SyscallSet from_sites;
  for (const auto& [path, offsets] : profile.sites) {
    for (const auto& [offset, calls] : offsets) {
      from_sites |= calls;
      if (path == "[vdso]") continue;
      std::ifstream file(path, std::ios::binary);
      char bytes[2] = {};
      file.seekg(static_cast<std::streamoff>(offset));
      file.read(bytes, 2);
      EXPECT_TRUE(file && bytes[0] == '\x0f' && bytes[1] == '\x05') << path << " at " << offset;
    }
  }
  ASSERT_TRUE(profile.sites.contains(program));
  std::vector<uint64_t> own;
  for (const auto& [offset, calls] : profile.sites.at(program)) {
    if (calls.Contains("syscall_603")) own.push_back(offset);
  }
  EXPECT_EQ(own.size(), 2u);
  ASSERT_TRUE(profile.sites.contains("[vdso]"));
  EXPECT_TRUE(from_sites.Contains("clock_gettime"));
  EXPECT_TRUE(from_sites.Contains("syscall_604"));
  SyscallSet expected = profile.syscalls;
  expected.Erase(*SyscallNumber("execve"));
  expected.Erase(605);
  EXPECT_EQ(from_sites.Names(), expected.Names());
}

TEST_P(TraceOn, CallsOfAThreadAreRecorded) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("thread_syscall")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  const SyscallSet& image = traced.profile.images.at(Canonical(TestProgram("thread_syscall")));
  EXPECT_TRUE(image.Contains("syscall_601"));
  EXPECT_TRUE(image.Contains("clone3") || image.Contains("clone"));
}

TEST_P(TraceOn, ForkedChildCountsForItsParentsImage) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("fork_child")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  EXPECT_EQ(traced.profile.images.size(), 2u) << "the program and the launcher";
  const SyscallSet& image = traced.profile.images.at(Canonical(TestProgram("fork_child")));
  EXPECT_TRUE(image.Contains("syscall_602"));
  EXPECT_TRUE(image.Contains("getppid"));
}

TEST_P(TraceOn, ExecAttributesCallsToTheImageThatMadeThem) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("exec_other"), TestProgram("raw_syscalls")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  const auto& images = traced.profile.images;
  ASSERT_EQ(images.size(), 3u);
  const SyscallSet& before = images.at(Canonical(TestProgram("exec_other")));
  const SyscallSet& after = images.at(Canonical(TestProgram("raw_syscalls")));
  EXPECT_TRUE(before.Contains("syscall_603"));
  EXPECT_TRUE(before.Contains("execve")) << "the execve counts for the image that called it";
  EXPECT_FALSE(before.Contains("syscall_600"));
  EXPECT_TRUE(after.Contains("syscall_600"));
  EXPECT_FALSE(after.Contains("syscall_603"));
  // The command's own first execve is made by sysfence's child, still running sysfence.
  EXPECT_EQ(Names(images.at("[launcher]")), std::set<std::string>{"execve"});
  EXPECT_EQ(traced.profile.target, Canonical(TestProgram("exec_other")));
  EXPECT_EQ(traced.profile.counts.at(*SyscallNumber("execve")), 2u);
}

TEST_P(TraceOn, VforkChildsExecCountsForTheParent) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("vfork_exec"), "/bin/true"});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  EXPECT_EQ(traced.run.out, "child exited 0\n");
  const SyscallSet& parent = traced.profile.images.at(Canonical(TestProgram("vfork_exec")));
  EXPECT_TRUE(parent.Contains("vfork"));
  EXPECT_TRUE(parent.Contains("execve"));
  const SyscallSet& child = traced.profile.images.at(Canonical("/bin/true"));
  EXPECT_TRUE(child.Contains("exit_group"));
  EXPECT_FALSE(child.Contains("vfork"));
}

TEST_P(TraceOn, Int80CallsAreRecordedAsI386) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  if (RunCommand({TestProgram("int80_getpid"), "--probe"}).exit_code != 0) {
    GTEST_SKIP() << "this kernel has no 32-bit emulation (int 0x80 raises SIGSEGV)";
  }
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("int80_getpid")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
  EXPECT_EQ(traced.run.out, "i386 getpid matches\n");
  EXPECT_EQ(traced.profile.compat_i386.at("getpid"), 1u);
  EXPECT_FALSE(traced.profile.syscalls.Contains("writev")) << "i386 20 is not x86-64 20";
}

// ---- Exit status and signals -------------------------------------------------------------

TEST_P(TraceOn, ExitsWithTheCommandsExitCode) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced three = Trace(GetParam(), dir, {TestProgram("exit_code")});
  EXPECT_EQ(three.run.exit_code, 3);
  EXPECT_EQ(three.profile.exit_status, 3);
  Traced zero = Trace(GetParam(), dir, {TestProgram("exit_code"), "0"});
  EXPECT_EQ(zero.run.exit_code, 0);
  EXPECT_EQ(zero.json["exit_status"], 0);
}

TEST_P(TraceOn, ExitsWith128PlusSignalWhenTheCommandIsKilled) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced usr2 = Trace(GetParam(), dir, {TestProgram("killed_by_signal")});
  EXPECT_EQ(usr2.run.exit_code, 128 + SIGUSR2);
  EXPECT_EQ(usr2.profile.exit_status, 128 + SIGUSR2);
  Traced kill9 = Trace(GetParam(), dir, {TestProgram("killed_by_signal"), "9"});
  EXPECT_EQ(kill9.run.exit_code, 128 + SIGKILL);
}

TEST_P(TraceOn, SignalsReachTheirHandlers) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("handle_signal")});
  EXPECT_EQ(traced.run.exit_code, 0);
  EXPECT_EQ(traced.run.out, "handled SIGUSR1\n");
  EXPECT_TRUE(traced.profile.syscalls.Contains("rt_sigreturn"));
}

TEST_P(TraceOn, IgnoredSignalsStayIgnored) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("ignore_sigterm")});
  EXPECT_EQ(traced.run.exit_code, 0);
  EXPECT_EQ(traced.run.out, "survived SIGTERM\n");
}

TEST_P(TraceOn, StopAndContinueWorkAsWithoutTracer) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Traced traced = Trace(GetParam(), dir, {TestProgram("stop_continue")});
  EXPECT_EQ(traced.run.exit_code, 0) << traced.run.out;
  EXPECT_EQ(traced.run.out, "stopped by SIGSTOP\ncontinued\nexited\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, TraceOn, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

// ---- The ptrace backend's stop modes ------------------------------------------------------

TEST(Trace, EverySyscallModeSeesTheSameCalls) {
  ScratchDir dir;
  for (const char* program : {"fork_child", "thread_syscall"}) {
    Traced filtered = Trace("ptrace", dir, {TestProgram(program)});
    Traced every = Trace("ptrace", dir, {TestProgram(program)}, {"--every-syscall"});
    EXPECT_EQ(every.run.exit_code, 0) << every.run.err;
    EXPECT_EQ(Names(every.profile.syscalls), Names(filtered.profile.syscalls)) << program;
    EXPECT_EQ(every.profile.images, filtered.profile.images) << program;
  }
}

TEST(Trace, FallsBackToEveryStopWhenTheKernelRefusesTheFilter) {
  ScratchDir dir;
  Traced normal = Trace("ptrace", dir, {TestProgram("fork_child")});
  std::string out = dir.File("refused.json");
  CommandResult run =
      RunCommand({TestProgram("deny_seccomp"), SysfenceBinary(), "trace", "--backend", "ptrace",
                  "-o", out, "--", TestProgram("fork_child")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err,
            "sysfence: warning: the kernel refused the seccomp trace filter (Operation not "
            "permitted); tracing with two ptrace stops per call instead, which is slower\n");
  Result<Profile> refused = ReadProfileFile(out);
  ASSERT_TRUE(refused.ok()) << refused.error().message();
  EXPECT_EQ(refused->images, normal.profile.images);
  EXPECT_EQ(refused->counts, normal.profile.counts);
}

// A program that sandboxes itself only when it is not under seccomp yet (man-db does this)
// must see the mode it would see without sysfence, so the trace shows its own filter being
// installed (tests/programs/seccomp_mode.c), in both of ptrace's stop modes and under eBPF
// (which installs no filter at all).
TEST(Trace, ProgramSeesItsOwnSeccompModeNotTheTracers) {
  CommandResult untraced = RunCommand({TestProgram("seccomp_mode")});
  ASSERT_EQ(untraced.out, "mode 0\ninstalled\nmode 2\n");
  std::vector<std::vector<std::string>> runs = {{"--backend", "ptrace"},
                                                {"--backend", "ptrace", "--every-syscall"}};
  if (BackendUnavailable("ebpf").empty()) runs.push_back({"--backend", "ebpf"});
  for (const std::vector<std::string>& options : runs) {
    ScratchDir dir;
    std::vector<std::string> extra(options.begin() + 2, options.end());
    Traced traced = Trace(options[1], dir, {TestProgram("seccomp_mode")}, extra);
    EXPECT_EQ(traced.run.exit_code, 0) << traced.run.err;
    EXPECT_EQ(traced.run.out, untraced.out);
    EXPECT_TRUE(traced.profile.syscalls.Contains("seccomp"));
    // Both PR_GET_SECCOMP calls and PR_SET_NO_NEW_PRIVS are prctl calls that ran (or were
    // answered) in the program: all three count.
    EXPECT_EQ(traced.profile.counts.at(*SyscallNumber("prctl")), 3u);
  }
}

TEST(Trace, WritesTheProfileToStandardOutputWithoutOutputOption) {
  CommandResult run = RunCommand({SysfenceBinary(), "trace", "--", TestProgram("exit_code"), "0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["target"], Canonical(TestProgram("exit_code")));
}

// ---- SIGTERM, SIGINT, SIGHUP to sysfence -------------------------------------------------

class TerminationSignal : public ::testing::TestWithParam<std::tuple<int, std::string>> {};

// Both backends end the trace the same way: the eBPF one has no reason of its own to kill the
// program, but a trace that stops the program on one backend and not on the other would be
// a trap.
TEST_P(TerminationSignal, KillsTheTreeWritesAnIncompleteProfileAndExits128PlusSignal) {
  const auto& [signal, backend] = GetParam();
  SKIP_UNLESS_BACKEND_WORKS(backend);
  ScratchDir dir;
  std::string out = dir.File("profile.json");
  // Both processes ignore SIGTERM: only sysfence's SIGKILL ends them.
  Session session({SysfenceBinary(), "trace", "--backend", backend, "-o", out, "--",
                   TestProgram("ignore_sigterm"), "--wait"},
                  dir.File("stderr"));
  std::vector<pid_t> tracees;
  for (int i = 0; i < 2; ++i) {
    std::string line = session.ReadLine();
    ASSERT_EQ(line.substr(0, 6), "ready ") << line;
    tracees.push_back(std::stoi(line.substr(line.rfind(' ') + 1)));
  }
  // "ready" is printed before pause(2): wait until both block in it (/proc/PID/syscall names
  // the call a blocked thread is in, 34 is pause), so the profile has a pause to keep.
  for (pid_t pid : tracees) {
    for (int waited_ms = 0; !ReadWholeFile(fmt::format("/proc/{}/syscall", pid)).starts_with("34 ");
         waited_ms += 1) {
      ASSERT_LT(waited_ms, 60000) << pid << " never blocked in pause";
      usleep(1000);
    }
  }
  EXPECT_GE(session.Members().size(), 3u) << "sysfence and two tracees";
  ASSERT_EQ(kill(session.pid(), signal), 0);
  EXPECT_EQ(session.Wait(), 128 + signal);
  EXPECT_EQ(session.Members(), std::vector<pid_t>{}) << "a process of the trace survived";
  EXPECT_EQ(ReadWholeFile(dir.File("stderr")),
            fmt::format("sysfence: warning: interrupted by SIG{}: the traced processes were "
                        "killed and the profile is marked incomplete\n",
                        sigabbrev_np(signal)));

  Result<Profile> profile = ReadProfileFile(out);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_TRUE(profile->incomplete);
  EXPECT_EQ(profile->exit_status, -1);
  EXPECT_TRUE(profile->syscalls.Contains("pause")) << "what was seen is kept";
  EXPECT_TRUE(profile->syscalls.Contains("clone") || profile->syscalls.Contains("fork"));
  nlohmann::json json = nlohmann::json::parse(ReadWholeFile(out));
  EXPECT_EQ(json["incomplete"], true);
  EXPECT_FALSE(json.contains("exit_status"));
}

// SIGKILL cannot be caught. Under ptrace, PTRACE_O_EXITKILL makes the kernel kill the
// tracees: without a tracer they would stay stopped, or fail every call their trace filter
// sends to it. Nothing of sysfence stays in a program recorded with eBPF: the kernel detaches
// the BPF programs and the program runs on as if it had never been recorded.
class KilledSysfence : public ::testing::TestWithParam<std::string> {};

TEST_P(KilledSysfence, TakesItsTraceesWithItUnderPtraceAndLeavesThemUnderEbpf) {
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  Session session({SysfenceBinary(), "trace", "--backend", GetParam(), "-o",
                   dir.File("profile.json"), "--", TestProgram("ignore_sigterm"), "--wait"},
                  dir.File("stderr"));
  ASSERT_EQ(session.ReadLine().substr(0, 6), "ready ");
  ASSERT_EQ(session.ReadLine().substr(0, 6), "ready ");
  ASSERT_EQ(kill(session.pid(), SIGKILL), 0);
  EXPECT_EQ(session.Wait(), 128 + SIGKILL);
  EXPECT_FALSE(FileExists(dir.File("profile.json")));
  if (GetParam() == "ebpf") {
    std::vector<pid_t> survivors = session.Members(/*alive_only=*/true);
    EXPECT_EQ(survivors.size(), 2u) << "the program's two processes run on";
    for (pid_t pid : survivors) kill(pid, SIGKILL);
    return;
  }
  // The kernel has sent the SIGKILLs once sysfence is gone; wait until the tracees have acted
  // on them (their zombies are init's to reap). The minute is only a guard against hanging:
  // without PTRACE_O_EXITKILL they would live on, paused, forever.
  for (int waited_ms = 0; !session.Members(/*alive_only=*/true).empty(); waited_ms += 10) {
    ASSERT_LT(waited_ms, 60000) << "tracees outlived the killed sysfence";
    usleep(10000);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, KilledSysfence, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

INSTANTIATE_TEST_SUITE_P(
    Trace, TerminationSignal,
    ::testing::Combine(::testing::Values(SIGTERM, SIGINT, SIGHUP), ::testing::ValuesIn(kBackends)),
    [](const ::testing::TestParamInfo<std::tuple<int, std::string>>& param_info) {
      return std::string(sigabbrev_np(std::get<0>(param_info.param))) + "_" +
             std::get<1>(param_info.param);
    });

// ---- sysfence's own failures --------------------------------------------------------------

void ExpectOneLineErrorNaming(const CommandResult& run, const std::string& name,
                              const std::string& output) {
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << "one line: " << run.err;
  EXPECT_TRUE(run.err.starts_with("sysfence: ")) << run.err;
  EXPECT_NE(run.err.find(name), std::string::npos) << run.err;
  EXPECT_FALSE(FileExists(output)) << "no profile for a failed trace";
}

TEST(TraceErrors, MissingCommand) {
  ScratchDir dir;
  std::string out = dir.File("p.json");
  CommandResult run =
      RunCommand({SysfenceBinary(), "trace", "-o", out, "--", "no-such-command-xyz"});
  ExpectOneLineErrorNaming(run, "no-such-command-xyz: command not found in PATH", out);
  run = RunCommand({SysfenceBinary(), "trace", "-o", out, "--", dir.File("absent")});
  ExpectOneLineErrorNaming(run, dir.File("absent") + ": No such file or directory", out);
}

TEST(TraceErrors, NonExecutableFileAndDirectory) {
  ScratchDir dir;
  std::string out = dir.File("p.json");
  WriteWholeFile(dir.File("data.txt"), "not a program\n");
  CommandResult run =
      RunCommand({SysfenceBinary(), "trace", "-o", out, "--", dir.File("data.txt")});
  ExpectOneLineErrorNaming(run, dir.File("data.txt") + ": is not executable", out);
  run = RunCommand({SysfenceBinary(), "trace", "-o", out, "--", dir.path()});
  ExpectOneLineErrorNaming(run, dir.path() + ": is a directory", out);
}

class TraceErrorsOn : public ::testing::TestWithParam<std::string> {};

TEST_P(TraceErrorsOn, FileTheKernelCannotExecute) {
  // Executable bit, but neither ELF nor script: execve itself fails (ENOEXEC).
  SKIP_UNLESS_BACKEND_WORKS(GetParam());
  ScratchDir dir;
  std::string out = dir.File("p.json");
  WriteWholeFile(dir.File("garbage"), "\x01\x02\x03 not a program\n");
  chmod(dir.File("garbage").c_str(), 0755);
  CommandResult run = RunCommand(
      {SysfenceBinary(), "trace", "--backend", GetParam(), "-o", out, "--", dir.File("garbage")});
  ExpectOneLineErrorNaming(run, "cannot execute " + dir.File("garbage") + ": Exec format error",
                           out);
}

INSTANTIATE_TEST_SUITE_P(Backends, TraceErrorsOn, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

TEST(TraceErrors, RefusedPtraceSaysWhy) {
  // Under strace -f the command's process gets strace as its tracer first.
  ScratchDir dir;
  std::string out = dir.File("p.json");
  CommandResult run = RunCommand({"strace", "-f", "-qq", "-o", "/dev/null", SysfenceBinary(),
                                  "trace", "--backend", "ptrace", "-o", out, "--", "/bin/true"});
  ExpectOneLineErrorNaming(run, "ptrace is not permitted", out);
  EXPECT_NE(run.err.find("already being traced by process"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("(strace)"), std::string::npos) << run.err;
}

// ---- Which backend records -----------------------------------------------------------------

TEST(TraceBackend, AutoSaysWhichBackendRecordsAndWhy) {
  ScratchDir dir;
  std::string out = dir.File("p.json");
  CommandResult run =
      RunCommand({SysfenceBinary(), "trace", "-o", out, "--", TestProgram("exit_code"), "0"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::string why_not = BackendUnavailable("ebpf");
  if (why_not.empty()) {
    EXPECT_EQ(run.err, "sysfence: recording with eBPF (--backend auto)\n");
  } else {
    EXPECT_EQ(run.err, "sysfence: recording with ptrace (--backend auto): eBPF cannot be used: " +
                           why_not + "\n");
  }
  // A trigger that must be decided at the call makes auto choose ptrace, and says so.
  run = RunCommand({SysfenceBinary(), "trace", "-o", out, "--phase", "work=syscall:getuid", "--",
                    TestProgram("exit_code"), "0"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.err.starts_with(
      "sysfence: recording with ptrace (--backend auto): eBPF cannot be used: phase "
      "trigger 'work=syscall:getuid' must be decided at the moment it fires, which only "
      "the ptrace backend can do (the eBPF recorder follows `mark` phases only)\n"))
      << run.err;
  EXPECT_TRUE(FileExists(out));
}

TEST(TraceBackend, EbpfRefusesWhatItCannotRecordExactly) {
  ScratchDir dir;
  std::string out = dir.File("p.json");
  for (const char* trigger : {"work=syscall:getuid", "work=exec:/bin/*", "work=signal:SIGUSR1",
                              "work=read:socket", "work=openat:/etc/*@process"}) {
    CommandResult run = RunCommand({SysfenceBinary(), "trace", "--backend", "ebpf", "-o", out,
                                    "--phase", trigger, "--", "/bin/true"});
    ExpectOneLineErrorNaming(run, fmt::format("--backend ebpf: phase trigger '{}'", trigger), out);
  }
  CommandResult run = RunCommand({SysfenceBinary(), "trace", "--backend", "ebpf", "--every-syscall",
                                  "-o", out, "--", "/bin/true"});
  ExpectOneLineErrorNaming(run, "--backend ebpf: --every-syscall", out);
}

TEST(TraceBackend, EbpfRecordsAProgramThatIsItselfUnderStrace) {
  // strace -f runs sysfence and follows it into the command: the command then has a tracer
  // already, which the ptrace backend cannot live with (RefusedPtraceSaysWhy) and the eBPF
  // backend does not care about.
  SKIP_UNLESS_BACKEND_WORKS("ebpf");
  ScratchDir dir;
  std::string out = dir.File("p.json");
  CommandResult run =
      RunCommand({"strace", "-f", "-qq", "-o", dir.File("strace.log"), SysfenceBinary(), "trace",
                  "--backend", "ebpf", "-o", out, "--", TestProgram("raw_syscalls")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  Result<Profile> profile = ReadProfileFile(out);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile->counts.at(600), 1u);
  EXPECT_NE(ReadWholeFile(dir.File("strace.log")).find("syscall_0x258("), std::string::npos)
      << "strace saw the command too";
}

}  // namespace
}  // namespace sysfence::testing
