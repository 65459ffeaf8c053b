// Filters compiled from profiles decide every call as the profile says: each x86-64 number
// 0..1023, each i386 number and each x32 number is run through the BPF evaluator for every
// default action and for a hybrid profile's soft calls. Also pins down the binary-tree cost,
// the action-cache property (no argument loads for plain calls) and the launcher's markers.
#include "filter/filter_builder.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>

#include <algorithm>

#include "filter/filter_policy.h"
#include "filter/filter_test_util.h"
#include "seccomp/bpf_evaluator.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

FilterOptions Options(FilterAction action, FilterAction soft_action = FilterAction::kLog,
                      std::string phase = "") {
  FilterOptions options;
  options.action = action;
  options.soft_action = soft_action;
  options.phase = std::move(phase);
  return options;
}

Profile SampleProfile() {
  Profile profile;
  profile.target = "/usr/bin/sample";
  profile.syscalls = SyscallSet::FromNames({"read", "write", "openat", "close", "mmap", "brk",
                                            "exit_group", "execve", "newfstatat", "getrandom",
                                            "rt_sigreturn", "mseal", "syscall_600"})
                         .value();
  profile.compat_i386 = {{"socketcall", 1}, {"write", 2}};
  return profile;
}

TEST(FilterBuilder, EveryCallOnEveryArchitectureGetsThePolicyVerdict) {
  for (FilterAction action : {FilterAction::kErrno, FilterAction::kKill, FilterAction::kTrap,
                              FilterAction::kLog, FilterAction::kTrace}) {
    SCOPED_TRACE(std::string(FilterActionName(action)));
    Result<FilterPolicy> policy = MakeFilterPolicy(SampleProfile(), Options(action));
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
    ASSERT_TRUE(filter.ok()) << filter.error().message();
    testing::ExpectProgramMatchesPolicy(*policy, filter->program);
  }
}

TEST(FilterBuilder, NumbersOutsideTheTableAreAllowedByNumber) {
  Result<FilterPolicy> policy = MakeFilterPolicy(SampleProfile(), {});
  ASSERT_TRUE(policy.ok());
  Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
  ASSERT_TRUE(filter.ok());
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
  ASSERT_TRUE(evaluator.ok());
  seccomp_data data{};
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = 600;
  EXPECT_EQ(evaluator->Evaluate(data).value, SECCOMP_RET_ALLOW);
  data.nr = 601;
  EXPECT_EQ(evaluator->Evaluate(data).value, SECCOMP_RET_ERRNO | 1);
  data.nr = 462;  // mseal: newer than this libseccomp's table
  EXPECT_EQ(evaluator->Evaluate(data).value, SECCOMP_RET_ALLOW);
}

TEST(FilterBuilder, HybridSoftCallsGetTheSoftAction) {
  Profile profile = SampleProfile();
  profile.kind = ProfileKind::kHybrid;
  SyscallSet soft = SyscallSet::FromNames({"socket", "connect", "unlink"}).value();
  profile.syscalls |= soft;
  profile.soft_syscalls = soft;
  for (FilterAction soft_action : {FilterAction::kLog, FilterAction::kErrno}) {
    for (FilterAction action : {FilterAction::kKill, FilterAction::kErrno}) {
      Result<FilterPolicy> policy = MakeFilterPolicy(profile, Options(action, soft_action));
      ASSERT_TRUE(policy.ok());
      EXPECT_EQ(policy->soft, soft);
      EXPECT_FALSE(policy->allowed.Contains("socket"));
      Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
      ASSERT_TRUE(filter.ok()) << filter.error().message();
      testing::ExpectProgramMatchesPolicy(*policy, filter->program);
    }
  }
}

TEST(FilterBuilder, BinaryTreeKeepsTheCostLogarithmic) {
  SyscallSet hundred;
  for (int nr = 0; nr < 99; ++nr) hundred.Insert(nr);
  hundred.Insert(*SyscallNumber("getppid"));
  Result<CompiledFilter> filter = FilterBuilder(FilterAction::kErrno).Allow(hundred).Build();
  ASSERT_TRUE(filter.ok());
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
  ASSERT_TRUE(evaluator.ok());
  int worst = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    seccomp_data data{};
    data.arch = AUDIT_ARCH_X86_64;
    data.nr = nr;
    worst = std::max(worst, evaluator->Evaluate(data).instructions);
  }
  // A chain of one comparison per syscall would need more than 100 for the last one; a
  // balanced tree over 100 values needs about log2(100) = 7 levels plus the arch checks.
  EXPECT_LE(worst, 16) << DisassembleBpf(filter->program);
}

TEST(FilterBuilder, MarkedCallsPassOnlyWithTheMarker) {
  CallMarker marker{{0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x5555aaaa5555aaaaULL}};
  SyscallSet allowed = SyscallSet::FromNames({"read", "close"}).value();
  Result<CompiledFilter> filter =
      FilterBuilder(FilterAction::kKill).Allow(allowed).AllowWithMarker(SYS_execve, marker).Build();
  ASSERT_TRUE(filter.ok()) << filter.error().message();
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
  ASSERT_TRUE(evaluator.ok());
  seccomp_data data{};
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = SYS_execve;
  data.args[3] = marker.values[0];
  data.args[4] = marker.values[1];
  data.args[5] = marker.values[2];
  BpfEvaluator::Verdict with_marker = evaluator->Evaluate(data);
  EXPECT_EQ(with_marker.value, SECCOMP_RET_ALLOW);
  EXPECT_TRUE(with_marker.read_arguments);
  // Any single 32-bit half wrong, and the call gets the default action.
  for (int arg = 3; arg <= 5; ++arg) {
    for (uint64_t flip : {1ULL, 1ULL << 40}) {
      seccomp_data wrong = data;
      wrong.args[arg] ^= flip;
      EXPECT_EQ(evaluator->Evaluate(wrong).value, SECCOMP_RET_KILL_PROCESS) << arg;
    }
  }
  // The same registers on i386 (int 0x80 execve is 11) do not pass.
  seccomp_data i386 = data;
  i386.arch = AUDIT_ARCH_I386;
  i386.nr = 11;
  EXPECT_EQ(evaluator->Evaluate(i386).value, SECCOMP_RET_KILL_PROCESS);
}

TEST(FilterBuilder, KeepsTheFirstErrorUntilBuild) {
  FilterBuilder builder(FilterAction::kErrno);
  builder.Allow(5000).AllowI386("frobnicate").Allow(0);
  Result<CompiledFilter> filter = builder.Build();
  ASSERT_FALSE(filter.ok());
  EXPECT_NE(filter.error().message().find("5000"), std::string::npos);

  SyscallSet read = SyscallSet::FromNames({"read"}).value();
  Result<CompiledFilter> conflict =
      FilterBuilder(FilterAction::kErrno).Allow(read).SetAction(read, FilterAction::kLog).Build();
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.error().message().find("read"), std::string::npos);
}

// A profile with argument values (format version 2): socket families and types, ioctl
// requests, mprotect without PROT_EXEC, clone without new namespaces.
Profile ArgumentProfile() {
  Profile profile = SampleProfile();
  for (const char* name : {"socket", "ioctl", "mprotect", "clone"}) {
    profile.syscalls.Insert(*SyscallNumber(name));
  }
  profile.args[SYS_socket] = {{0, {AF_INET, AF_INET6, AF_UNIX}}, {1, {SOCK_STREAM, SOCK_DGRAM}}};
  profile.args[SYS_ioctl] = {{1, {TCGETS, TIOCGWINSZ}}};
  profile.args[SYS_mprotect] = {{2, {0, PROT_WRITE}}};
  profile.args[SYS_clone] = {{0, {0, CLONE_VM | CLONE_THREAD}}};
  return profile;
}

TEST(FilterBuilder, ArgumentRulesDecideByMaskedValue) {
  for (FilterAction action : {FilterAction::kErrno, FilterAction::kKill, FilterAction::kTrap}) {
    SCOPED_TRACE(std::string(FilterActionName(action)));
    Result<FilterPolicy> policy = MakeFilterPolicy(ArgumentProfile(), Options(action));
    ASSERT_TRUE(policy.ok()) << policy.error().message();
    EXPECT_EQ(policy->arguments.size(), 4u);
    Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
    ASSERT_TRUE(filter.ok()) << filter.error().message();
    testing::ExpectProgramMatchesPolicy(*policy, filter->program);

    Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
    ASSERT_TRUE(evaluator.ok());
    auto verdict = [&](int nr, std::array<uint64_t, 6> args) {
      seccomp_data data{};
      data.arch = AUDIT_ARCH_X86_64;
      data.nr = nr;
      std::copy(args.begin(), args.end(), data.args);
      return evaluator->Evaluate(data).value;
    };
    uint32_t deny = SeccompReturnValue(action);
    EXPECT_EQ(verdict(SYS_socket, {AF_INET, SOCK_STREAM | SOCK_CLOEXEC}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_socket, {AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_socket, {AF_NETLINK, SOCK_RAW}), deny);
    EXPECT_EQ(verdict(SYS_socket, {AF_PACKET, SOCK_DGRAM}), deny);
    EXPECT_EQ(verdict(SYS_socket, {AF_INET, SOCK_RAW}), deny);
    EXPECT_EQ(verdict(SYS_ioctl, {1, TCGETS}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_ioctl, {1, TIOCSTI}), deny);
    // An int argument the caller sign-extended: the kernel reads 32 bits, so does the rule.
    EXPECT_EQ(verdict(SYS_ioctl, {1, 0xffffffff00000000 | TCGETS}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_mprotect, {0x1000, 4096, PROT_READ}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_mprotect, {0x1000, 4096, PROT_READ | PROT_WRITE}), SECCOMP_RET_ALLOW);
    EXPECT_EQ(verdict(SYS_mprotect, {0x1000, 4096, PROT_READ | PROT_EXEC}), deny);
    EXPECT_EQ(verdict(SYS_clone, {CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD}),
              SECCOMP_RET_ALLOW)
        << "fork";
    EXPECT_EQ(verdict(SYS_clone, {CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                  CLONE_SYSVSEM | CLONE_SETTLS}),
              SECCOMP_RET_ALLOW)
        << "a thread";
    EXPECT_EQ(verdict(SYS_clone, {CLONE_NEWUSER | SIGCHLD}), deny);
    EXPECT_EQ(verdict(SYS_read, {}), SECCOMP_RET_ALLOW);
  }
}

TEST(FilterPolicy, NoArgsPhasesAndTooManyCombinations) {
  Profile profile = ArgumentProfile();
  FilterOptions plain = Options(FilterAction::kErrno);
  plain.with_arguments = false;
  Result<FilterPolicy> syscall_level = MakeFilterPolicy(profile, plain);
  ASSERT_TRUE(syscall_level.ok());
  EXPECT_TRUE(syscall_level->arguments.empty()) << "--no-args";
  EXPECT_TRUE(syscall_level->allowed.Contains("socket"));

  // A phase's own values.
  Phase serving{"serving", SyscallSet::FromNames({"socket", "read"}).value(), "", {}};
  serving.args[SYS_socket] = {{0, {AF_INET6}}};
  profile.phases.push_back(serving);
  Result<FilterPolicy> phase =
      MakeFilterPolicy(profile, Options(FilterAction::kErrno, FilterAction::kLog, "serving"));
  ASSERT_TRUE(phase.ok());
  EXPECT_EQ(phase->arguments.size(), 1u);
  EXPECT_EQ(phase->arguments.at(SYS_socket).at(0), (std::set<uint64_t>{AF_INET6}));

  // More combinations than a filter should hold: the call takes any arguments.
  std::set<uint64_t> many;
  for (uint64_t request = 0; request <= kMaxArgumentRules; ++request) many.insert(request);
  profile.args[SYS_ioctl] = {{1, many}};
  Result<FilterPolicy> wide = MakeFilterPolicy(profile, Options(FilterAction::kErrno));
  ASSERT_TRUE(wide.ok());
  EXPECT_FALSE(wide->arguments.contains(SYS_ioctl));
  EXPECT_TRUE(wide->allowed.Contains("ioctl"));
}

TEST(FilterPolicy, PhaseSelectsThePhaseSetAndUnknownPhaseIsAnError) {
  Profile profile = SampleProfile();
  profile.phases.push_back({"init", SyscallSet::FromNames({"execve", "brk"}).value(), "", {}});
  profile.phases.push_back({"working", SyscallSet::FromNames({"read", "write"}).value(), "", {}});
  Result<FilterPolicy> working =
      MakeFilterPolicy(profile, Options(FilterAction::kErrno, FilterAction::kLog, "working"));
  ASSERT_TRUE(working.ok());
  EXPECT_EQ(working->allowed, SyscallSet::FromNames({"read", "write"}).value());
  Result<FilterPolicy> missing =
      MakeFilterPolicy(profile, Options(FilterAction::kErrno, FilterAction::kLog, "session"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("'session'"), std::string::npos);
  EXPECT_NE(missing.error().message().find("init, working"), std::string::npos);
}

// Start-up {execve, brk, getuid, read, write}, then (at the first openat of /etc/*) working
// {openat, read, write, getppid}, then (process-scoped, on socket(AF_INET)) serving {socket,
// read, write}.
Profile PhasedProfile() {
  Profile profile;
  profile.target = "/usr/bin/sample";
  profile.phases.push_back(
      {"init",
       SyscallSet::FromNames({"execve", "brk", "getuid", "read", "write"}).value(),
       "",
       {}});
  profile.phases.push_back({"working",
                            SyscallSet::FromNames({"openat", "read", "write", "getppid"}).value(),
                            "openat:/etc/*",
                            {}});
  profile.phases.push_back({"serving",
                            SyscallSet::FromNames({"socket", "read", "write"}).value(),
                            "socket:AF_INET@process",
                            {}});
  for (const Phase& phase : profile.phases) profile.syscalls |= phase.syscalls;
  return profile;
}

TEST(FilterPolicy, PhasedAllowsTheLastPhaseAndTracesOnlyWhatDiffers) {
  Profile profile = PhasedProfile();
  profile.soft_syscalls = SyscallSet::FromNames({"getppid", "mseal"}).value();
  Result<PhasedPolicy> phased = MakePhasedPolicy(profile, Options(FilterAction::kKill));
  ASSERT_TRUE(phased.ok()) << phased.error().message();
  // The hot calls of the last phase are plain ALLOW; the triggers (openat, socket) and what
  // only earlier phases make are traced; a soft call some phase makes is not soft any more.
  EXPECT_EQ(phased->filter.allowed, SyscallSet::FromNames({"read", "write"}).value());
  EXPECT_EQ(
      phased->filter.traced,
      SyscallSet::FromNames({"execve", "brk", "getuid", "openat", "getppid", "socket"}).value());
  EXPECT_EQ(phased->filter.soft, SyscallSet::FromNames({"mseal"}).value());
  ASSERT_EQ(phased->allowed_from.size(), 3u);
  EXPECT_EQ(phased->allowed_from[0], profile.syscalls);
  EXPECT_EQ(phased->allowed_from[1],
            SyscallSet::FromNames({"openat", "read", "write", "getppid", "socket"}).value());
  EXPECT_EQ(phased->allowed_from[2], profile.phases[2].syscalls);
  EXPECT_EQ(phased->names, (std::vector<std::string>{"init", "working", "serving"}));
  ASSERT_EQ(phased->specs.size(), 2u);
  EXPECT_EQ(phased->specs[1].trigger.scope, TriggerScope::kProcess);

  Result<CompiledFilter> filter = CompileFilterPolicy(phased->filter, CallMarker{{1, 2, 3}});
  ASSERT_TRUE(filter.ok()) << filter.error().message();
  // Every verdict as the policy says, and no call reads its arguments except the launcher's
  // marked write and exit_group (execve is traced: the supervisor lets the launcher's through).
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
  ASSERT_TRUE(evaluator.ok());
  for (int nr = 0; nr < kSyscallNumberLimit; ++nr) {
    seccomp_data data{};
    data.arch = AUDIT_ARCH_X86_64;
    data.nr = nr;
    BpfEvaluator::Verdict verdict = evaluator->Evaluate(data);
    EXPECT_EQ(verdict.value, testing::ExpectedVerdict(phased->filter, AUDIT_ARCH_X86_64,
                                                      static_cast<uint32_t>(nr)))
        << SyscallDisplayName(nr);
    EXPECT_EQ(verdict.read_arguments, nr == SYS_exit_group) << SyscallDisplayName(nr);
  }
  seccomp_data denied{};
  denied.arch = AUDIT_ARCH_X86_64;
  denied.nr = kDeniedCallNumber;
  EXPECT_EQ(evaluator->Evaluate(denied).value, SECCOMP_RET_KILL_PROCESS);
}

TEST(FilterPolicy, PhasedNeedsPhasesWithTriggersASupervisorSees) {
  Profile flat = SampleProfile();
  Result<PhasedPolicy> none = MakePhasedPolicy(flat, Options(FilterAction::kErrno));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("no phases"), std::string::npos);
  Profile marked = PhasedProfile();
  marked.phases[1].trigger = "mark";
  Result<PhasedPolicy> mark = MakePhasedPolicy(marked, Options(FilterAction::kErrno));
  ASSERT_FALSE(mark.ok());
  EXPECT_NE(mark.error().message().find("'working'"), std::string::npos);
  Profile broken = PhasedProfile();
  broken.phases[2].trigger = "socket:AF_NOWHERE";
  Result<PhasedPolicy> bad = MakePhasedPolicy(broken, Options(FilterAction::kErrno));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("phase 'serving'"), std::string::npos);
  EXPECT_FALSE(MakePhasedPolicy(PhasedProfile(), Options(FilterAction::kLog)).ok());
}

}  // namespace
}  // namespace sysfence
