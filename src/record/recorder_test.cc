// The recording core fed with events by hand, as any backend would deliver them: image
// attribution (launcher, fork, exec, threads), provisional creations, phases switched by an
// observer, i386 and unrecordable calls, lost events and interruption.
#include "record/recorder.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

namespace sysfence {
namespace {

using Names = std::vector<std::string>;

constexpr pid_t kRoot = 100;

int64_t g_clock = 0;

CallRecord Call(pid_t pid, uint64_t number, SyscallArch arch = SyscallArch::kX86_64) {
  CallRecord call;
  call.pid = pid;
  call.arch = arch;
  call.number = number;
  call.monotonic_ns = ++g_clock;
  return call;
}

ProcessCreated Created(pid_t parent, pid_t child, pid_t child_tgid,
                       SpawnKind kind = SpawnKind::kFork) {
  ProcessCreated event;
  event.parent = parent;
  event.child = child;
  event.child_tgid = child_tgid;
  event.kind = kind;
  event.monotonic_ns = ++g_clock;
  return event;
}

ExecRecord Exec(pid_t pid, std::string_view image, pid_t former_tid = 0) {
  return ExecRecord{pid, former_tid != 0 ? former_tid : pid, image, ++g_clock};
}

ExitEvent Exit(pid_t pid, int status, bool killed = false) {
  return ExitEvent{pid, killed, status, ++g_clock};
}

Names ImageNames(const Profile& profile, const std::string& image) {
  auto it = profile.images.find(image);
  return it == profile.images.end() ? Names{"(no such image)"} : it->second.Names();
}

// The launch every test starts with: sysfence's set-up, then the command's execve.
void Launch(Recorder& recorder, std::string_view image) {
  recorder.Start(kRoot);
  recorder.OnSyscall(Call(kRoot, SYS_rt_sigaction));  // the launcher's own set-up
  recorder.OnSyscall(Call(kRoot, SYS_execve));
  recorder.OnExec(Exec(kRoot, image));
}

TEST(Recorder, LauncherSetUpIsLeftOutAndItsExecveCountsForTheLauncherKey) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/dash");
  EXPECT_TRUE(recorder.root_execed());
  recorder.OnSyscall(Call(kRoot, SYS_write));
  recorder.OnSyscall(Call(kRoot, SYS_write));
  recorder.OnExit(Exit(kRoot, 3));
  Recording done = recorder.Finish("/usr/bin/dash", false);
  const Profile& profile = done.profile;
  EXPECT_EQ(profile.kind, ProfileKind::kDynamic);
  EXPECT_EQ(profile.target, "/usr/bin/dash");
  EXPECT_EQ(profile.runs, 1);
  EXPECT_EQ(profile.syscalls.Names(), (Names{"execve", "write"}));
  EXPECT_EQ(ImageNames(profile, std::string(kLauncherImage)), (Names{"execve"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/dash"), (Names{"write"}));
  EXPECT_EQ(profile.counts.at(SYS_write), 2u);
  EXPECT_EQ(profile.seen_in_runs.at(SYS_write), 1);
  EXPECT_EQ(done.exit_status, 3);
  EXPECT_EQ(profile.exit_status, 3);
  EXPECT_FALSE(profile.incomplete);
  EXPECT_EQ(done.calls, 3u) << "the two writes and the execve";
  EXPECT_TRUE(done.warnings.empty());
}

TEST(Recorder, ChildRunsItsCreatorsImageUntilItsOwnExecve) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/dash");
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, 101)));
  recorder.OnSyscall(Call(101, SYS_dup2));
  recorder.OnSyscall(Call(101, SYS_execve));  // counts for the image that calls it
  recorder.OnExec(Exec(101, "/usr/bin/ls"));
  recorder.OnSyscall(Call(101, SYS_getdents64));
  recorder.OnExit(Exit(101, 0));
  recorder.OnSyscall(Call(kRoot, SYS_wait4));
  recorder.OnExit(Exit(kRoot, 0));
  Profile profile = recorder.Finish("/usr/bin/dash", false).profile;
  EXPECT_EQ(ImageNames(profile, "/usr/bin/dash"), (Names{"dup2", "execve", "wait4"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/ls"), (Names{"getdents64"}));
}

TEST(Recorder, EventsOfThreadsItDoesNotKnowAreIgnored) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/dash");
  EXPECT_FALSE(recorder.OnProcessCreated(Created(555, 556, 556)));
  EXPECT_FALSE(recorder.Knows(556));
  recorder.OnSyscall(Call(556, SYS_read));
  recorder.OnSyscall(Call(555, SYS_read));
  Profile profile = recorder.Finish("/usr/bin/dash", false).profile;
  EXPECT_EQ(profile.syscalls.Names(), (Names{"execve"}));
}

TEST(Recorder, ProvisionalCreationIsSettledByTheCreatorsEvent) {
  struct SpawnLog : TraceObserver {
    void OnSpawn(TraceContext&, const SpawnEvent& event) override {
      spawns.push_back(event.child);
      images.emplace_back(event.image);
    }
    std::vector<pid_t> spawns;
    Names images;
  } log;
  Recorder recorder(&log);
  Launch(recorder, "/usr/bin/dash");
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, 101)));
  recorder.OnExec(Exec(101, "/usr/bin/make"));
  // 102's first stop before its creator's event: /proc names 100 as its parent (it was
  // reparented, or created with CLONE_PARENT), but 101 created it.
  ProcessCreated early = Created(kRoot, 102, 102);
  early.provisional = true;
  ASSERT_TRUE(recorder.OnProcessCreated(early));
  recorder.OnSyscall(Call(102, SYS_brk));  // counts for the relative's image meanwhile
  ASSERT_TRUE(recorder.OnProcessCreated(Created(101, 102, 102)));
  recorder.OnSyscall(Call(102, SYS_mmap));
  // 103 ran as far as its own execve before its creator's event: it keeps that image.
  ProcessCreated ahead = Created(101, 103, 103);
  ahead.provisional = true;
  ASSERT_TRUE(recorder.OnProcessCreated(ahead));
  recorder.OnExec(Exec(103, "/usr/bin/cc"));
  ASSERT_TRUE(recorder.OnProcessCreated(Created(101, 103, 103, SpawnKind::kVfork)));
  recorder.OnSyscall(Call(103, SYS_openat));
  Profile profile = recorder.Finish("/usr/bin/dash", false).profile;
  EXPECT_EQ(ImageNames(profile, "/usr/bin/dash"), (Names{"brk"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/make"), (Names{"mmap"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/cc"), (Names{"openat"}));
  EXPECT_EQ(log.spawns, (std::vector<pid_t>{101, 102, 103})) << "one event per creation";
  EXPECT_EQ(log.images, (Names{"/usr/bin/dash", "/usr/bin/make", "/usr/bin/make"}));
}

TEST(Recorder, ThreadThatExecsTakesOverItsProcesssId) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/python3");
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, kRoot, SpawnKind::kClone)));
  recorder.OnSyscall(Call(101, SYS_execve));
  recorder.OnExec(Exec(kRoot, "/usr/bin/true", /*former_tid=*/101));
  EXPECT_FALSE(recorder.Knows(101));
  recorder.OnSyscall(Call(kRoot, SYS_exit_group));
  Profile profile = recorder.Finish("/usr/bin/python3", false).profile;
  EXPECT_EQ(ImageNames(profile, "/usr/bin/python3"), (Names{"execve"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/true"), (Names{"exit_group"}));
}

// Starts phase "work" for the whole tree at the first write, and moves only the calling
// process to phase "serve" at its first accept.
class PhaseSwitcher : public TraceObserver {
 public:
  void OnStart(TraceContext& context) override {
    context.AddPhase("init", "");
    work_ = context.AddPhase("work", "syscall:write");
    serve_ = context.AddPhase("serve", "syscall:accept@process");
    context.EnterPhase(1, 0);
  }
  void OnSyscall(TraceContext& context, const SyscallStop& stop) override {
    if (stop.number == SYS_write) context.EnterPhase(work_, 0);
    if (stop.number == SYS_accept) context.EnterPhase(serve_, stop.tgid);
  }

 private:
  int work_ = 0;
  int serve_ = 0;
};

TEST(Recorder, ObserverSwitchesPhasesForTheTreeOrOneProcess) {
  PhaseSwitcher switcher;
  Recorder recorder(&switcher);
  Launch(recorder, "/usr/sbin/sshd");
  recorder.OnSyscall(Call(kRoot, SYS_socket));
  recorder.OnSyscall(Call(kRoot, SYS_write));  // the trigger is the new phase's first call
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, 101)));
  recorder.OnSyscall(Call(101, SYS_accept));
  recorder.OnSyscall(Call(101, SYS_read));
  recorder.OnSyscall(Call(kRoot, SYS_poll));  // the parent stays in "work"
  ASSERT_TRUE(recorder.OnProcessCreated(Created(101, 102, 102)));
  recorder.OnSyscall(Call(102, SYS_close));  // a child started afterwards follows 101
  Profile profile = recorder.Finish("/usr/sbin/sshd", false).profile;
  ASSERT_EQ(profile.phases.size(), 3u);
  EXPECT_EQ(profile.phases[0].syscalls.Names(), (Names{"execve", "socket"}));
  EXPECT_EQ(profile.phases[1].syscalls.Names(), (Names{"poll", "write"}));
  EXPECT_EQ(profile.phases[2].syscalls.Names(), (Names{"accept", "close", "read"}));
  EXPECT_EQ(profile.phases[2].trigger, "syscall:accept@process");
}

TEST(Recorder, ChildAheadOfItsCreatorsEventRunsInTheCreatorsPhase) {
  PhaseSwitcher switcher;
  Recorder recorder(&switcher);
  Launch(recorder, "/usr/sbin/sshd");
  recorder.OnSyscall(Call(kRoot, SYS_write));
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, 101)));
  recorder.OnSyscall(Call(101, SYS_accept));  // 101 alone moves on to "serve"
  // 102's first calls come before 101's fork event: /proc already names 101 as its parent.
  ProcessCreated early = Created(101, 102, 102);
  early.provisional = true;
  ASSERT_TRUE(recorder.OnProcessCreated(early));
  recorder.OnSyscall(Call(102, SYS_chroot));
  recorder.OnSyscall(Call(102, SYS_setuid));
  ASSERT_TRUE(recorder.OnProcessCreated(Created(101, 102, 102)));
  recorder.OnSyscall(Call(102, SYS_read));
  Profile profile = recorder.Finish("/usr/sbin/sshd", false).profile;
  ASSERT_EQ(profile.phases.size(), 3u);
  EXPECT_EQ(profile.phases[1].syscalls.Names(), (Names{"write"}));
  EXPECT_EQ(profile.phases[2].syscalls.Names(), (Names{"accept", "chroot", "read", "setuid"}));
}

TEST(Recorder, I386CallsGoToCompatAndUnnamedNumbersAreWarnedAbout) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/int80");
  recorder.OnSyscall(Call(kRoot, 20, SyscallArch::kI386));  // i386 getpid
  recorder.OnSyscall(Call(kRoot, kX32SyscallBit | SYS_getpid, SyscallArch::kX32));
  recorder.OnSyscall(Call(kRoot, 5000));
  Recording done = recorder.Finish("/usr/bin/int80", false);
  EXPECT_EQ(done.profile.compat_i386.at("getpid"), 1u);
  EXPECT_EQ(done.profile.syscalls.Names(), (Names{"execve"}));
  ASSERT_EQ(done.warnings.size(), 1u);
  EXPECT_EQ(done.warnings[0].rfind("2 call(s) with numbers outside", 0), 0u) << done.warnings[0];
}

TEST(Recorder, LostEventsAndInterruptionMarkTheProfileIncomplete) {
  Recorder lossy(nullptr);
  Launch(lossy, "/usr/bin/yes");
  lossy.OnLost(7);
  lossy.OnExit(Exit(kRoot, 9, /*killed=*/true));
  Recording lost = lossy.Finish("/usr/bin/yes", false);
  EXPECT_TRUE(lost.profile.incomplete);
  EXPECT_EQ(lost.exit_status, 137) << "the command's end was seen";
  ASSERT_EQ(lost.warnings.size(), 1u);
  EXPECT_NE(lost.warnings[0].find("7 event(s) were lost"), std::string::npos);

  Recorder cut(nullptr);
  Launch(cut, "/usr/bin/yes");
  Recording interrupted = cut.Finish("/usr/bin/yes", true);
  EXPECT_TRUE(interrupted.profile.incomplete);
  EXPECT_EQ(interrupted.exit_status, -1);
  EXPECT_EQ(interrupted.profile.exit_status, -1);
}

// A backend that counts in the kernel: each syscall's first call comes through OnSyscall for
// the observer only, the counts in batches tagged with the phase they were made in.
TEST(Recorder, CountsDeliveredInBatchesGoToTheirPhaseAndTheObserverSeesOnlyFirstCalls) {
  struct CallLog : TraceObserver {
    void OnStart(TraceContext& context) override {
      context.AddPhase("init", "");
      context.AddPhase("work", "mark");
      context.EnterPhase(1, 0);
    }
    void OnSyscall(TraceContext&, const SyscallStop& stop) override {
      seen.push_back(static_cast<int>(stop.number));
    }
    void OnIdle(TraceContext& context, int64_t) override {
      if (mark_requested) context.EnterPhase(2, 0);
    }
    std::vector<int> seen;
    bool mark_requested = false;
  } log;
  Recorder recorder(&log);
  recorder.Start(kRoot);
  CallRecord first_execve = Call(kRoot, SYS_execve);
  first_execve.observe_only = true;
  recorder.OnSyscall(first_execve);
  recorder.OnCallCounts({kRoot, SyscallArch::kX86_64, SYS_execve, 1, recorder.TreePhase()});
  recorder.OnExec(Exec(kRoot, "/usr/bin/yes"));
  EXPECT_EQ(recorder.TreePhase(), 1);
  CallRecord first_write = Call(kRoot, SYS_write);
  first_write.observe_only = true;
  recorder.OnSyscall(first_write);
  log.mark_requested = true;
  recorder.OnIdle(++g_clock);
  EXPECT_EQ(recorder.TreePhase(), 2);
  // The batch of writes made before the switch arrives after it, tagged with its phase.
  recorder.OnCallCounts({kRoot, SyscallArch::kX86_64, SYS_write, 1000, 1});
  recorder.OnCallCounts({kRoot, SyscallArch::kX86_64, SYS_write, 500, 2});
  recorder.OnCallCounts({kRoot, SyscallArch::kOther, ~uint64_t{0}, 3, 2});
  recorder.OnExit(Exit(kRoot, 0));
  Recording done = recorder.Finish("/usr/bin/yes", false);
  EXPECT_EQ(log.seen, (std::vector<int>{SYS_execve, SYS_write}));
  EXPECT_EQ(done.profile.counts.at(SYS_write), 1500u);
  EXPECT_EQ(done.profile.counts.at(SYS_execve), 1u) << "the observe-only call is not counted";
  ASSERT_EQ(done.profile.phases.size(), 2u);
  EXPECT_EQ(done.profile.phases[0].syscalls.Names(), (Names{"execve", "write"}));
  EXPECT_EQ(done.profile.phases[1].syscalls.Names(), (Names{"write"}));
  EXPECT_EQ(done.calls, 1504u);
  ASSERT_EQ(done.warnings.size(), 1u);
  EXPECT_EQ(done.warnings[0].rfind("3 call(s) with numbers outside", 0), 0u) << done.warnings[0];
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

TEST(Recorder, AttachedThreadsCountForTheImageTheyRunAndHaveNoExitStatus) {
  Recorder recorder(nullptr);
  recorder.StartAttached();
  recorder.Attach(500, 500, "/usr/sbin/sshd");
  recorder.Attach(501, 500, "/usr/sbin/sshd");
  recorder.OnSyscall(Call(501, SYS_accept4));
  recorder.OnProcessCreated(Created(500, 600, 600));
  recorder.OnSyscall(Call(600, SYS_execve));
  recorder.OnExec(Exec(600, "/usr/bin/true"));
  recorder.OnSyscall(Call(600, SYS_exit_group));
  recorder.OnExit({600, false, 0, ++g_clock});
  Recording done = recorder.Finish("/usr/sbin/sshd", false);
  EXPECT_EQ(done.exit_status, -1);
  EXPECT_FALSE(done.profile.incomplete);
  EXPECT_EQ(done.profile.images.at("/usr/sbin/sshd").Names(), (Names{"accept4", "execve"}));
  EXPECT_EQ(done.profile.images.at("/usr/bin/true").Names(), (Names{"exit_group"}));
}

TEST(Recorder, FinishWithAddsHeldCountsAndLeavesTheRecorderAsItWas) {
  Recorder recorder(nullptr);
  recorder.StartAttached();
  recorder.Attach(500, 500, "/usr/bin/loop");
  recorder.OnCallCounts({500, SyscallArch::kX86_64, SYS_getppid, 3, 0});
  std::vector<CallCountRecord> held = {{500, SyscallArch::kX86_64, SYS_getppid, 2, 0},
                                       {500, SyscallArch::kX86_64, SYS_nanosleep, 4, 0}};
  Recording with = recorder.FinishWith(held, "/usr/bin/loop");
  EXPECT_EQ(with.calls, 9u);
  EXPECT_EQ(with.profile.counts.at(SYS_getppid), 5u);
  EXPECT_EQ(with.profile.counts.at(SYS_nanosleep), 4u);
  Recording without = recorder.Finish("/usr/bin/loop", false);
  EXPECT_EQ(without.calls, 3u);
  EXPECT_EQ(without.profile.images.at("/usr/bin/loop").Names(), (Names{"getppid"}));
  EXPECT_EQ(without.profile.counts.at(SYS_getppid), 3u);
}

// Argument values: from the registers of a backend that stops at every call, or reported one
// by one by a backend that reads them in the kernel; per image and per phase; dropped (so that
// the profile allows any value) when events were lost.
CallRecord WithArguments(pid_t pid, uint64_t number, std::array<uint64_t, 6> args) {
  CallRecord call = Call(pid, number);
  call.args = args;
  call.with_arguments = true;
  return call;
}

TEST(Recorder, ArgumentValuesFromRegistersArePerImageAndPhase) {
  struct SwitchAtSecondSocket : TraceObserver {
    void OnSyscall(TraceContext& context, const SyscallStop& stop) override {
      if (stop.number == SYS_socket && ++sockets == 2) context.StartPhase("serving", "socket");
    }
    int sockets = 0;
  } observer;
  Recorder recorder(&observer);
  Launch(recorder, "/usr/sbin/daemon");
  recorder.OnSyscall(WithArguments(kRoot, SYS_mmap, {0, 4096, 3, 0x22, ~0ull, 0}));
  recorder.OnSyscall(WithArguments(kRoot, SYS_socket, {2, 1 | 02000000, 0, 0, 0, 0}));
  recorder.OnSyscall(WithArguments(kRoot, SYS_socket, {1, 2, 0, 0, 0, 0}));
  recorder.OnSyscall(WithArguments(kRoot, SYS_read, {0, 0, 0, 0, 0, 0}));
  recorder.OnSyscall(Call(kRoot, SYS_mprotect));  // no registers: no values
  ASSERT_TRUE(recorder.OnProcessCreated(Created(kRoot, 101, 101)));
  recorder.OnSyscall(WithArguments(101, SYS_execve, {0, 0, 0, 0, 0, 0}));
  recorder.OnExec(Exec(101, "/usr/bin/helper"));
  recorder.OnSyscall(WithArguments(101, SYS_ioctl, {0, 0x5401, 0, 0, 0, 0}));
  Profile profile = recorder.Finish("/usr/sbin/daemon", false).profile;

  using Values = std::set<uint64_t>;
  EXPECT_EQ(profile.args.at(SYS_socket).at(0), (Values{1, 2})) << "both families";
  EXPECT_EQ(profile.args.at(SYS_socket).at(1), (Values{1, 2})) << "SOCK_CLOEXEC masked out";
  EXPECT_EQ(profile.args.at(SYS_mmap).at(2), (Values{2})) << "PROT_WRITE of PROT_READ|PROT_WRITE";
  EXPECT_FALSE(profile.args.contains(SYS_read)) << "read has no argument of the table";
  EXPECT_FALSE(profile.args.contains(SYS_mprotect)) << "unknown values: any value";
  EXPECT_EQ(profile.image_args.at("/usr/bin/helper").at(SYS_ioctl).at(1), (Values{0x5401}));
  EXPECT_FALSE(profile.image_args.at("/usr/sbin/daemon").contains(SYS_ioctl));
  ASSERT_EQ(profile.phases.size(), 1u);
  EXPECT_EQ(profile.phases[0].args.at(SYS_socket).at(0), (Values{1}))
      << "the call that started the phase is its first";
  EXPECT_EQ(profile.phases[0].args.at(SYS_ioctl).at(1), (Values{0x5401}));
  EXPECT_FALSE(profile.phases[0].args.contains(SYS_mmap));
}

TEST(Recorder, ArgumentValuesReportedByTheBackendGoToTheirPhase) {
  Recorder recorder(nullptr);
  recorder.StartAttached();
  recorder.Attach(500, 500, "/usr/bin/loop");
  recorder.OnArgument({500, SYS_prctl, 0, 38, 0});
  recorder.OnArgument({500, SYS_prctl, 0, 38, 0});
  recorder.OnArgument({501, SYS_prctl, 0, 22, 0});  // a thread it does not know
  recorder.OnCallCounts({500, SyscallArch::kX86_64, SYS_prctl, 2, 0});
  Recording done = recorder.Finish("/usr/bin/loop", false);
  EXPECT_EQ(done.profile.args.at(SYS_prctl).at(0), (std::set<uint64_t>{38}));

  // A value whose call was not counted (a snapshot taken meanwhile) is not written.
  recorder.OnArgument({500, SYS_socket, 0, 16, 0});
  Recording snapshot = recorder.FinishWith({}, "/usr/bin/loop");
  EXPECT_FALSE(snapshot.profile.args.contains(SYS_socket));
  EXPECT_FALSE(snapshot.profile.image_args.at("/usr/bin/loop").contains(SYS_socket));
}

TEST(Recorder, LostEventsDropEveryArgumentValue) {
  Recorder recorder(nullptr);
  Launch(recorder, "/usr/bin/yes");
  recorder.OnSyscall(WithArguments(kRoot, SYS_socket, {2, 1, 0, 0, 0, 0}));
  recorder.OnLost(1);
  Recording done = recorder.Finish("/usr/bin/yes", false);
  EXPECT_TRUE(done.profile.syscalls.Contains("socket"));
  EXPECT_TRUE(done.profile.args.empty()) << "a value may be missing: allow any";
  EXPECT_TRUE(done.profile.image_args.empty());
  ASSERT_EQ(done.warnings.size(), 1u);
  EXPECT_NE(done.warnings[0].find("no argument values"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
