// What ParseStraceLine takes from each form of strace output line, with lines copied from
// strace 6.1 runs (the option that makes each form is named in the test).
#include "strace/strace_line.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(StraceLine, ReadsPlainCallWithResult) {
  StraceLine line = ParseStraceLine(
      "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3");
  EXPECT_EQ(line.kind, StraceLineKind::kCall);
  EXPECT_FALSE(line.pid.has_value());
  EXPECT_EQ(line.name, "openat");
  EXPECT_EQ(line.result, 3);
  EXPECT_EQ(line.arguments, "AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC)");
}

TEST(StraceLine, ReadsBothPidPrefixForms) {
  StraceLine to_file = ParseStraceLine("6594  close(3)                          = 0");
  EXPECT_EQ(to_file.pid, 6594);
  EXPECT_FALSE(to_file.pid_in_brackets);
  EXPECT_EQ(to_file.name, "close");
  StraceLine to_terminal = ParseStraceLine("[pid  6960] dup2(4, 1)  = 1");
  EXPECT_EQ(to_terminal.pid, 6960);
  EXPECT_TRUE(to_terminal.pid_in_brackets);
  EXPECT_EQ(to_terminal.name, "dup2");
  EXPECT_EQ(to_terminal.result, 1);
  StraceLine six_digits = ParseStraceLine("123456 getpid() = 123456");
  EXPECT_EQ(six_digits.pid, 123456);
}

TEST(StraceLine, StripsTimestampsAndDurations) {
  for (const char* text : {
           "10:12:13 brk(NULL) = 0x5633b12a4000",                      // -t
           "10:12:13.123456 brk(NULL) = 0x5633b12a4000 <0.000012>",    // -tt -T
           "1795707773.608539 brk(NULL) = 0x5633b12a4000",             // -ttt
           "     0.009115 brk(NULL)                 = 0x5633b12a4000",  // -r
           "7815  1795707773.608539 [  12] [00007fde0bb65c47] brk(NULL) = 0x5633b12a4000 "
           "<0.000053>",                                                 // -f -ttt -n -i -T
       }) {
    StraceLine line = ParseStraceLine(text);
    EXPECT_EQ(line.kind, StraceLineKind::kCall) << text;
    EXPECT_EQ(line.name, "brk") << text;
    EXPECT_EQ(line.result, 0x5633b12a4000) << text;
  }
  StraceLine with_pid = ParseStraceLine("7815  10:12:13.123456 getpid() = 7815 <0.000010>");
  EXPECT_EQ(with_pid.pid, 7815);
  EXPECT_EQ(with_pid.result, 7815);
}

TEST(StraceLine, ReadsUnfinishedAndResumedHalves) {
  StraceLine started = ParseStraceLine("6597  execve(\"/usr/bin/wc\", [\"wc\", \"-l\"], "
                                       "0x5563560e7c88 /* 41 vars */ <unfinished ...>");
  EXPECT_EQ(started.kind, StraceLineKind::kUnfinished);
  EXPECT_EQ(started.name, "execve");
  EXPECT_EQ(ExecutedPath(started.name, started.arguments), "/usr/bin/wc");
  StraceLine resumed = ParseStraceLine("6597  <... execve resumed>)             = 0");
  EXPECT_EQ(resumed.kind, StraceLineKind::kResumed);
  EXPECT_EQ(resumed.name, "execve");
  EXPECT_EQ(resumed.result, 0);
  StraceLine wait = ParseStraceLine(
      "6594  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 6596");
  EXPECT_EQ(wait.name, "wait4");
  EXPECT_EQ(wait.result, 6596);
  StraceLine detached = ParseStraceLine("read(0,  <detached ...>");
  EXPECT_EQ(detached.kind, StraceLineKind::kUnfinished);
}

TEST(StraceLine, ReadsErrorsAndUnknownResults) {
  StraceLine error = ParseStraceLine(
      "access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)");
  EXPECT_EQ(error.result, -1);
  StraceLine exit = ParseStraceLine("exit_group(0)                     = ?");
  EXPECT_EQ(exit.kind, StraceLineKind::kCall);
  EXPECT_FALSE(exit.result.has_value());
  StraceLine unavailable = ParseStraceLine("1234  <... futex resumed>) = ? <unavailable>");
  EXPECT_EQ(unavailable.kind, StraceLineKind::kResumed);
  EXPECT_FALSE(unavailable.result.has_value());
  StraceLine restart = ParseStraceLine(
      "restart_syscall(<... resuming interrupted read ...>) = 0");
  EXPECT_EQ(restart.name, "restart_syscall");
  EXPECT_EQ(restart.result, 0);
  StraceLine erestart = ParseStraceLine(
      "wait4(-1, 0x7ffd1a85550c, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");
  EXPECT_FALSE(erestart.result.has_value());
}

TEST(StraceLine, FindsTheResultPastEqualsSignsInArguments) {
  StraceLine in_string = ParseStraceLine("write(1, \"x) = 5\\n\", 7) = 7");
  EXPECT_EQ(in_string.result, 7);
  // -yy decorates the result with the path, which may hold " = " itself.
  StraceLine in_decoration = ParseStraceLine(
      "openat(AT_FDCWD</tmp>, \"a = b\", O_RDONLY) = 3</tmp/a = b>");
  EXPECT_EQ(in_decoration.result, 3);
}

TEST(StraceLine, ReadsSignalAndExitEvents) {
  EXPECT_EQ(ParseStraceLine("6594  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, "
                            "si_pid=6596, si_uid=0, si_status=0} ---")
                .kind,
            StraceLineKind::kSignal);
  StraceLine exited = ParseStraceLine("6596  +++ exited with 3 +++");
  EXPECT_EQ(exited.kind, StraceLineKind::kExited);
  EXPECT_EQ(exited.status, 3);
  EXPECT_EQ(exited.pid, 6596);
  StraceLine killed = ParseStraceLine("+++ killed by SIGKILL +++");
  EXPECT_EQ(killed.kind, StraceLineKind::kKilled);
  EXPECT_EQ(killed.status, 9);
  StraceLine cored = ParseStraceLine("7576  +++ killed by SIGSEGV (core dumped) +++");
  EXPECT_EQ(cored.status, 11);
  StraceLine superseded = ParseStraceLine("7588  +++ superseded by execve in pid 7589 +++");
  EXPECT_EQ(superseded.kind, StraceLineKind::kSuperseded);
  EXPECT_EQ(superseded.subject_pid, 7589);
  StraceLine with_ip = ParseStraceLine("7816  [????????????????] +++ exited with 0 +++");
  EXPECT_EQ(with_ip.kind, StraceLineKind::kExited);
}

TEST(StraceLine, ReadsPersonalitySwitches) {
  StraceLine to32 = ParseStraceLine("1234  [ Process PID=1234 runs in 32 bit mode. ]");
  EXPECT_EQ(to32.kind, StraceLineKind::kPersonality);
  EXPECT_EQ(to32.subject_pid, 1234);
  EXPECT_EQ(to32.personality, Personality::k32Bit);
  StraceLine to64 = ParseStraceLine("[ Process PID 1234 runs in 64 bit mode. ]");
  EXPECT_EQ(to64.personality, Personality::k64Bit);
  EXPECT_EQ(ParseStraceLine("[ Process PID=9 runs in x32 mode. ]").personality,
            Personality::kX32);
}

TEST(StraceLine, TreatsStraceMessagesAndStackFramesAsNotes) {
  StraceLine attached = ParseStraceLine("strace: Process 6960 attached");
  EXPECT_EQ(attached.kind, StraceLineKind::kAttached);
  EXPECT_EQ(attached.subject_pid, 6960);
  EXPECT_EQ(ParseStraceLine("strace: Process 6960 detached").kind, StraceLineKind::kDetached);
  EXPECT_EQ(ParseStraceLine("strace: Process 77 attached with 3 threads").kind,
            StraceLineKind::kAttached);
  EXPECT_EQ(ParseStraceLine(" > /usr/lib/x86_64-linux-gnu/libc.so.6(read+0x12) [0x10d7e2]").kind,
            StraceLineKind::kNote);
  EXPECT_EQ(ParseStraceLine("strace: exec: No such file or directory").kind,
            StraceLineKind::kNote);
  EXPECT_EQ(ParseStraceLine("").kind, StraceLineKind::kNote);
}

TEST(StraceLine, FlagsWhatIsNotStraceOutput) {
  EXPECT_EQ(ParseStraceLine("hello world").kind, StraceLineKind::kMalformed);
  EXPECT_EQ(ParseStraceLine("x = 5").kind, StraceLineKind::kMalformed);
  EXPECT_EQ(ParseStraceLine("+++ frobnicated +++").kind, StraceLineKind::kMalformed);
  EXPECT_EQ(ParseStraceLine(std::string_view("read(3\0, 4) = 4", 15)).kind,
            StraceLineKind::kMalformed);
  StraceLine cut = ParseStraceLine("1234  read(3, \"abc");
  EXPECT_EQ(cut.kind, StraceLineKind::kCall);
  EXPECT_TRUE(cut.cut_short);
}

TEST(StraceLine, DecodesExecutedPaths) {
  EXPECT_EQ(ExecutedPath("execve", "\"/usr/bin/a\\\"b\\\\c\\x41\\101\", [\"x\"], 0x1 /* 1 var */)"),
            "/usr/bin/a\"b\\cAA");
  EXPECT_EQ(ExecutedPath("execve", "0x7ffd0000, [], NULL)"), std::nullopt);
  EXPECT_EQ(ExecutedPath("execveat", "3</usr/bin>, \"ls\", [\"ls\"], NULL, 0)"), "/usr/bin/ls");
  EXPECT_EQ(ExecutedPath("execveat", "AT_FDCWD, \"/bin/true\", [\"true\"], NULL, 0)"),
            "/bin/true");
  EXPECT_EQ(ExecutedPath("execveat", "5</usr/bin/env>, \"\", [\"env\"], NULL, AT_EMPTY_PATH)"),
            "/usr/bin/env");
  EXPECT_EQ(ExecutedPath("execveat", "5, \"\", [\"env\"], NULL, AT_EMPTY_PATH)"), std::nullopt);
  EXPECT_EQ(ExecutedPath("openat", "AT_FDCWD, \"/x\", O_RDONLY)"), std::nullopt);
}

TEST(StraceLine, KeepsExecutedPathsValidUtf8ForJson) {
  // UTF-8 names (printed as octal escapes) decode; a byte that is not UTF-8 stays escaped.
  EXPECT_EQ(ExecutedPath("execve", "\"/tmp/caf\\303\\251\", [\"x\"], NULL)"), "/tmp/caf\u00e9");
  EXPECT_EQ(ExecutedPath("execve", "\"/tmp/\\375x\", [\"x\"], NULL)"), "/tmp/\\xfdx");
  EXPECT_EQ(ExecutedPath("execve", "\"/tmp/\\355\\240\\200\", [], NULL)"),  // a surrogate
            "/tmp/\\xed\\xa0\\x80");
}

TEST(StraceLine, FindsStraceMessagesSplicedIntoALine) {
  EXPECT_EQ(SplicedStraceMessagePrefix("clone(child_stack=NULL, flags=SIGCHLDstrace: Process "
                                       "6960 attached"),
            "clone(child_stack=NULL, flags=SIGCHLD");
  EXPECT_EQ(SplicedStraceMessagePrefix("strace: Process 6960 attached"), std::nullopt);
  EXPECT_EQ(SplicedStraceMessagePrefix("write(1, \"strace: Process 1 attached\", 26) = 26"),
            std::nullopt);
}

TEST(StraceLine, NamesSignals) {
  EXPECT_EQ(SignalNumber("SIGKILL"), 9);
  EXPECT_EQ(SignalNumber("SIGSYS"), 31);
  EXPECT_EQ(SignalNumber("SIGRT_2"), 34);
  EXPECT_EQ(SignalNumber("SIGBOGUS"), 0);
}

}  // namespace
}  // namespace sysfence
