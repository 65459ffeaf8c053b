// Pins down the trigger language: every kind parses, bad triggers name the problem, and
// matching reads tracee memory only for the syscall the trigger names.
#include "phases/phase_trigger.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

class FakeInspector : public TraceeInspector {
 public:
  std::optional<std::string> ReadString(int /*pid*/, uint64_t address) override {
    ++reads;
    auto it = strings.find(address);
    if (it == strings.end()) return std::nullopt;
    return it->second;
  }
  FdKind KindOfFd(int /*pid*/, int fd) override {
    auto it = fds.find(fd);
    return it == fds.end() ? FdKind::kUnknown : it->second;
  }
  std::map<uint64_t, std::string> strings;
  std::map<int, FdKind> fds;
  int reads = 0;
};

SyscallEvent Call(std::string_view name, std::array<uint64_t, 6> args = {}) {
  SyscallEvent e;
  e.pid = e.tgid = 100;
  e.number = *SyscallNumber(name);
  e.args = args;
  return e;
}

TEST(PhaseTrigger, ParsesEveryKind) {
  EXPECT_EQ(ParsePhaseTrigger("syscall:connect")->kind, TriggerKind::kFirstCall);
  auto open = ParsePhaseTrigger("openat:/etc/*");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->kind, TriggerKind::kPathArgument);
  EXPECT_EQ(open->path_arg, 1);
  auto write = ParsePhaseTrigger("write:fd=1");
  EXPECT_EQ(write->kind, TriggerKind::kFdArgument);
  EXPECT_EQ(write->number, 1);
  auto alarm = ParsePhaseTrigger("alarm:arg0=0");
  EXPECT_EQ(alarm->kind, TriggerKind::kFdArgument);
  EXPECT_EQ(alarm->path_arg, 0);
  EXPECT_EQ(ParsePhaseTrigger("kill:arg1=15")->path_arg, 1);
  EXPECT_EQ(ParsePhaseTrigger("socket:AF_INET")->number, AF_INET);
  EXPECT_EQ(ParsePhaseTrigger("exec:/usr/bin/ls")->kind, TriggerKind::kExec);
  EXPECT_EQ(ParsePhaseTrigger("read:tty")->fd_kind, FdKind::kTty);
  EXPECT_EQ(ParsePhaseTrigger("signal:SIGUSR1")->number, SIGUSR1);
  EXPECT_EQ(ParsePhaseTrigger("signal:USR2")->number, SIGUSR2);
  EXPECT_EQ(ParsePhaseTrigger("mark")->kind, TriggerKind::kMark);
  EXPECT_EQ(ParsePhaseTrigger("syscall:connect@process")->scope, TriggerScope::kProcess);
  EXPECT_EQ(ParsePhaseTrigger("syscall:connect@tree")->scope, TriggerScope::kTree);
}

TEST(PhaseTrigger, RejectsBadTriggersNamingThePart) {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"syscall:frobnicate", "unknown syscall 'frobnicate'"},
      {"connect", "expected KIND:VALUE"},
      {"write:/etc/passwd", "takes no path"},
      {"socket:AF_MARTIAN", "unknown socket family"},
      {"signal:SIGFOO", "unknown signal"},
      {"write:fd=x", "not a descriptor number"},
      {"alarm:arg0=x", "is not a number"},
      {"frob:1", "unknown syscall or trigger kind 'frob'"},
  };
  for (const Case& c : cases) {
    auto t = ParsePhaseTrigger(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.error().message().find(c.expected), std::string::npos) << t.error().message();
  }
  EXPECT_FALSE(ParsePhaseSpec("=syscall:read").ok());
  EXPECT_FALSE(ParsePhaseSpec("a b=syscall:read").ok());
  EXPECT_FALSE(ParsePhaseSpec("work").ok());
}

TEST(PhaseTrigger, SpecRoundTripsThroughFormat) {
  for (const char* text :
       {"auth=syscall:connect", "work=write:fd=1@process", "x=mark", "late=openat:/home/**/id_*"}) {
    auto spec = ParsePhaseSpec(text);
    ASSERT_TRUE(spec.ok()) << text;
    EXPECT_EQ(FormatPhaseSpec(*spec), text);
  }
}

TEST(PhaseTrigger, PathTriggerReadsMemoryOnlyForItsSyscall) {
  FakeInspector inspector;
  inspector.strings[0x1000] = "/etc/passwd";
  auto trigger = *ParsePhaseTrigger("openat:/etc/pass*");
  EXPECT_FALSE(TriggerMatchesSyscall(trigger, Call("read", {3, 0x1000}), inspector));
  EXPECT_EQ(inspector.reads, 0);
  EXPECT_TRUE(TriggerMatchesSyscall(trigger, Call("openat", {0, 0x1000}), inspector));
  EXPECT_FALSE(TriggerMatchesSyscall(trigger, Call("openat", {0, 0x2000}), inspector));
}

TEST(PhaseTrigger, FdAndFamilyAndReadFromTriggers) {
  FakeInspector inspector;
  inspector.fds[4] = FdKind::kSocket;
  inspector.fds[0] = FdKind::kTty;
  EXPECT_TRUE(
      TriggerMatchesSyscall(*ParsePhaseTrigger("write:fd=1"), Call("write", {1}), inspector));
  EXPECT_FALSE(
      TriggerMatchesSyscall(*ParsePhaseTrigger("write:fd=1"), Call("write", {2}), inspector));
  EXPECT_TRUE(
      TriggerMatchesSyscall(*ParsePhaseTrigger("alarm:arg0=0"), Call("alarm", {0}), inspector));
  EXPECT_FALSE(
      TriggerMatchesSyscall(*ParsePhaseTrigger("alarm:arg0=0"), Call("alarm", {120}), inspector));
  EXPECT_TRUE(
      TriggerMatchesSyscall(*ParsePhaseTrigger("kill:arg1=15"), Call("kill", {7, 15}), inspector));
  EXPECT_TRUE(TriggerMatchesSyscall(*ParsePhaseTrigger("socket:AF_INET6"),
                                    Call("socket", {AF_INET6}), inspector));
  auto from_socket = *ParsePhaseTrigger("read:socket");
  EXPECT_TRUE(TriggerMatchesSyscall(from_socket, Call("recvfrom", {4}), inspector));
  EXPECT_TRUE(TriggerMatchesSyscall(from_socket, Call("read", {4}), inspector));
  EXPECT_FALSE(TriggerMatchesSyscall(from_socket, Call("read", {0}), inspector));
  EXPECT_FALSE(TriggerMatchesSyscall(from_socket, Call("write", {4}), inspector));
}

TEST(PhaseTrigger, ExecAndSignalTriggers) {
  EXPECT_TRUE(TriggerMatchesExec(*ParsePhaseTrigger("exec:/usr/bin/*"), "/usr/bin/ls"));
  EXPECT_FALSE(TriggerMatchesExec(*ParsePhaseTrigger("exec:/usr/bin/*"), "/usr/bin/x/ls"));
  EXPECT_TRUE(TriggerMatchesSignal(*ParsePhaseTrigger("signal:SIGUSR1"), SIGUSR1));
  EXPECT_FALSE(TriggerMatchesSignal(*ParsePhaseTrigger("signal:SIGUSR1"), SIGUSR2));
}

TEST(PhaseTrigger, CallNumbersAreTheCallsThatCanFireIt) {
  auto numbers = [](std::string_view text) { return TriggerCallNumbers(*ParsePhaseTrigger(text)); };
  EXPECT_EQ(numbers("syscall:connect"), std::vector<int>{*SyscallNumber("connect")});
  EXPECT_EQ(numbers("openat:/etc/*"), std::vector<int>{*SyscallNumber("openat")});
  EXPECT_EQ(numbers("write:fd=1@process"), std::vector<int>{*SyscallNumber("write")});
  EXPECT_EQ(numbers("socket:AF_INET"), std::vector<int>{*SyscallNumber("socket")});
  std::vector<int> reads = numbers("read:socket");
  EXPECT_EQ(reads.size(), 8u);
  EXPECT_NE(std::find(reads.begin(), reads.end(), *SyscallNumber("recvmsg")), reads.end());
  EXPECT_TRUE(numbers("exec:/bin/*").empty());
  EXPECT_TRUE(numbers("signal:SIGUSR1").empty());
  EXPECT_TRUE(numbers("mark").empty());
}

TEST(GlobMatch, StarStopsAtSlashUnlessDoubled) {
  EXPECT_TRUE(GlobMatch("/etc/*", "/etc/passwd"));
  EXPECT_FALSE(GlobMatch("/etc/*", "/etc/ssh/sshd_config"));
  EXPECT_TRUE(GlobMatch("/etc/**", "/etc/ssh/sshd_config"));
  EXPECT_TRUE(GlobMatch("/root/.ssh/id_?d25519", "/root/.ssh/id_ed25519"));
}

}  // namespace
}  // namespace sysfence
