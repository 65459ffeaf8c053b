// Pins down phase semantics: order, tree vs process scope, inheritance across fork, marks, and
// that the triggering call belongs to the new phase.
#include "phases/phase_tracker.h"

#include <gtest/gtest.h>

#include <csignal>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

class NoMemory : public TraceeInspector {
 public:
  std::optional<std::string> ReadString(int, uint64_t) override { return std::nullopt; }
  FdKind KindOfFd(int, int) override { return FdKind::kUnknown; }
};

SyscallEvent Call(int tgid, std::string_view name, uint64_t arg0 = 0) {
  SyscallEvent e;
  e.pid = e.tgid = tgid;
  e.number = *SyscallNumber(name);
  e.args[0] = arg0;
  return e;
}

std::vector<PhaseSpec> Specs(std::initializer_list<const char*> texts) {
  std::vector<PhaseSpec> specs;
  for (const char* text : texts) specs.push_back(*ParsePhaseSpec(text));
  return specs;
}

TEST(PhaseTracker, TriggeringCallOpensTheNewPhaseAndPhasesGoInOrder) {
  PhaseTracker tracker(Specs({"auth=syscall:connect", "work=write:fd=1"}));
  NoMemory memory;
  EXPECT_EQ(tracker.OnSyscall(Call(1, "write", 1), memory), 0) << "work is not next yet";
  EXPECT_EQ(tracker.OnSyscall(Call(1, "brk"), memory), 0);
  EXPECT_EQ(tracker.OnSyscall(Call(1, "connect"), memory), 1);
  EXPECT_EQ(tracker.OnSyscall(Call(1, "read"), memory), 1);
  EXPECT_EQ(tracker.OnSyscall(Call(1, "write", 2), memory), 1);
  EXPECT_EQ(tracker.OnSyscall(Call(1, "write", 1), memory), 2);
  EXPECT_EQ(tracker.OnSyscall(Call(1, "connect"), memory), 2) << "phases never go back";
  ASSERT_EQ(tracker.log().size(), 2u);
  EXPECT_EQ(tracker.log()[1].phase, "work");
  EXPECT_EQ(tracker.log()[1].event, "write(1)");
}

TEST(PhaseTracker, TreeScopeMovesEveryProcess) {
  PhaseTracker tracker(Specs({"work=syscall:connect"}));
  NoMemory memory;
  tracker.OnSyscall(Call(2, "connect"), memory);
  EXPECT_EQ(tracker.PhaseOf(1), 1);
  EXPECT_EQ(tracker.PhaseOf(99), 1);
}

TEST(PhaseTracker, ProcessScopeMovesOnlyThatProcessAndItsLaterChildren) {
  PhaseTracker tracker(Specs({"work=syscall:connect@process"}));
  NoMemory memory;
  tracker.OnFork(1, 2);
  EXPECT_EQ(tracker.OnSyscall(Call(2, "connect"), memory), 1);
  EXPECT_EQ(tracker.PhaseOf(1), 0);
  tracker.OnFork(2, 3);
  EXPECT_EQ(tracker.PhaseOf(3), 1);
  EXPECT_FALSE(tracker.log()[0].whole_tree);
}

// The tracer can learn of a child's exec before its parent's fork event: the late fork event
// must not take the child back to its parent's phase.
TEST(PhaseTracker, ALateForkEventDoesNotTakeAChildBack) {
  PhaseTracker tracker(
      Specs({"listening=syscall:listen@process", "preauth=exec:/usr/sbin/sshd@process"}));
  NoMemory memory;
  EXPECT_EQ(tracker.OnSyscall(Call(1, "listen"), memory), 1);
  // The child runs ahead of its parent's fork event: its own calls, then its exec.
  EXPECT_EQ(tracker.OnSyscall(Call(2, "listen"), memory), 1);
  EXPECT_EQ(tracker.OnExec(2, 2, "/usr/sbin/sshd", 0.1), 2);
  tracker.OnFork(1, 2);  // the parent's fork event, seen last
  EXPECT_EQ(tracker.PhaseOf(2), 2);
  EXPECT_EQ(tracker.PhaseOf(1), 1);
}

TEST(PhaseTracker, ExecAndSignalTriggers) {
  PhaseTracker tracker(Specs({"child=exec:/bin/*", "stop=signal:SIGUSR1"}));
  EXPECT_EQ(tracker.OnExec(5, 5, "/usr/bin/ls", 0.1), 0);
  EXPECT_EQ(tracker.OnExec(5, 5, "/bin/ls", 0.2), 1);
  EXPECT_EQ(tracker.OnSignal(5, 5, SIGUSR2, 0.3), 1);
  EXPECT_EQ(tracker.OnSignal(5, 5, SIGUSR1, 0.4), 2);
  EXPECT_EQ(tracker.log()[1].event, "SIGUSR1");
}

TEST(PhaseTracker, ManualMarkAppliesAtTheNextEventAndOnlyForward) {
  PhaseTracker tracker(Specs({"auth=mark", "work=mark"}));
  NoMemory memory;
  EXPECT_FALSE(tracker.RequestMark("nosuch"));
  EXPECT_TRUE(tracker.RequestMark("work"));
  EXPECT_EQ(tracker.PhaseOf(1), 0) << "applies only when the tracer sees the next event";
  EXPECT_EQ(tracker.OnSyscall(Call(1, "read"), memory), 2);
  EXPECT_FALSE(tracker.RequestMark("auth")) << "phases are entered in order";
  EXPECT_EQ(tracker.log()[0].trigger, "mark");
}

TEST(PhaseTracker, ManualMarkAppliesWhenIdleWithoutAnEvent) {
  PhaseTracker tracker(Specs({"auth=mark", "work=mark"}));
  EXPECT_EQ(tracker.OnIdle(0.5), 0) << "nothing asked for";
  EXPECT_TRUE(tracker.RequestMark("auth"));
  EXPECT_EQ(tracker.OnIdle(1.5), 1);
  EXPECT_EQ(tracker.PhaseOf(42), 1);
  ASSERT_EQ(tracker.log().size(), 1u);
  EXPECT_EQ(tracker.log()[0].time, 1.5);
}

TEST(PhaseTracker, InitProfileCreatesEveryPhaseWithItsTrigger) {
  PhaseTracker tracker(Specs({"auth=syscall:connect", "work=write:fd=1@process"}), "start");
  Profile profile;
  tracker.InitProfile(profile);
  ASSERT_EQ(profile.phases.size(), 3u);
  EXPECT_EQ(profile.phases[0].name, "start");
  EXPECT_EQ(profile.phases[0].trigger, "");
  EXPECT_EQ(profile.phases[2].trigger, "write:fd=1@process");
}

}  // namespace
}  // namespace sysfence
