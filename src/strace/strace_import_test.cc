// The strace importer on small hand-written logs, one per form of strace output: what each
// form must add to the profile (syscalls, counts, per-image sets, target, exit status) and
// what must be skipped with a warning or refused.
#include "strace/strace_import.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

Profile Import(std::string_view text, StraceImportReport* report = nullptr) {
  Result<Profile> profile = ImportStraceText(text, "test.log", report);
  EXPECT_TRUE(profile.ok()) << profile.error().message();
  return profile.ok() ? *profile : Profile{};
}

std::vector<std::string> ImageNames(const Profile& profile, const std::string& image) {
  auto it = profile.images.find(image);
  return it == profile.images.end() ? std::vector<std::string>{} : it->second.Names();
}

std::vector<std::string> ImageKeys(const Profile& profile) {
  std::vector<std::string> keys;
  for (const auto& [key, set] : profile.images) keys.push_back(key);
  return keys;
}

uint64_t CountOf(const Profile& profile, std::string_view name) {
  std::optional<int> number = ParseSyscallName(name);
  EXPECT_TRUE(number.has_value()) << name;
  auto it = profile.counts.find(number.value_or(-1));
  return it == profile.counts.end() ? 0 : it->second;
}

using Names = std::vector<std::string>;

// The same run as the tests below write it in other forms: sh starts ls and a helper that
// never execs.
constexpr std::string_view kFollowForkLog =
    "300   execve(\"/bin/sh\", [\"sh\", \"-c\", \"ls\"], 0x7ffc /* 3 vars */) = 0\n"
    "300   brk(NULL) = 0x5633b12a4000\n"
    "300   execve(\"/usr/local/bin/ls\", [\"ls\"], 0x7ffc /* 3 vars */) = -1 ENOENT (No such file "
    "or directory)\n"
    "300   clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n"
    "301   set_robust_list(0x7f563cc20a20, 24) = 0\n"
    "300   <... clone resumed>, child_tidptr=0x7f563cc20a10) = 301\n"
    "301   execve(\"/usr/bin/ls\", [\"ls\"], 0x5633 /* 3 vars */ <unfinished ...>\n"
    "300   clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f563cc20a10) = 302\n"
    "301   <... execve resumed>) = 0\n"
    "302   write(2, \"helper\\n\", 7) = 7\n"
    "301   getdents64(3, 0x5612a5427 /* 5 entries */, 32768) = 136\n"
    "302   exit_group(0) = ?\n"
    "302   +++ exited with 0 +++\n"
    "301   exit_group(0) = ?\n"
    "301   +++ exited with 0 +++\n"
    "300   wait4(-1, NULL, 0, NULL) = 301\n"
    "300   --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=301} ---\n"
    "300   exit_group(0) = ?\n"
    "300   +++ exited with 0 +++\n";

void ExpectFollowForkProfile(const Profile& profile) {
  EXPECT_EQ(profile.kind, ProfileKind::kDynamic);
  EXPECT_EQ(profile.runs, 1);
  EXPECT_EQ(profile.target, "/bin/sh");
  EXPECT_EQ(profile.exit_status, 0);
  EXPECT_EQ(ImageKeys(profile), (Names{"/bin/sh", "/usr/bin/ls", "[launcher]"}));
  EXPECT_EQ(ImageNames(profile, "[launcher]"), (Names{"execve"}));
  EXPECT_EQ(ImageNames(profile, "/bin/sh"),
            (Names{"brk", "clone", "execve", "exit_group", "set_robust_list", "wait4", "write"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/ls"), (Names{"exit_group", "getdents64"}));
  EXPECT_EQ(CountOf(profile, "execve"), 3u);
  EXPECT_EQ(CountOf(profile, "clone"), 2u);
  EXPECT_EQ(CountOf(profile, "exit_group"), 3u);
  EXPECT_EQ(profile.seen_in_runs.at(*SyscallNumber("clone")), 1);
}

// A scratch directory for -ff files, removed at the end of the test.
class TraceDir {
 public:
  TraceDir() {
    std::string pattern = ::testing::TempDir() + "/strace-import-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TraceDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(const std::string& name, std::string_view contents) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << contents;
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Profile ImportFiles(const std::vector<std::string>& paths, StraceImportReport* report = nullptr) {
  Result<Profile> profile = ImportStraceLogs(paths, report);
  EXPECT_TRUE(profile.ok()) << profile.error().message();
  return profile.ok() ? *profile : Profile{};
}

TEST(StraceImport, JoinsUnfinishedAndResumedLines) {
  Profile profile = Import(
      "100   execve(\"/bin/prog\", [\"prog\"], 0x7ffc /* 3 vars */) = 0\n"
      "100   read(0,  <unfinished ...>\n"
      "101   futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>\n"
      "100   <... read resumed>\"x\", 1) = 1\n"
      "100   read(0,  <unfinished ...>\n"
      "100   <... read resumed>\"\", 1) = 0\n"
      "101   <... futex resumed>) = 0\n"
      "100   exit_group(0) = ?\n"
      "100   +++ exited with 0 +++\n");
  EXPECT_EQ(CountOf(profile, "read"), 2u);
  EXPECT_EQ(CountOf(profile, "futex"), 1u);
  EXPECT_EQ(CountOf(profile, "exit_group"), 1u);
}

TEST(StraceImport, CountsAResumedLineWithoutItsStartAsOneCall) {
  // What a log attached to a running process (strace -p) starts with.
  Profile profile = Import(
      "<... read resumed>\"x\", 1) = 1\n"
      "write(1, \"x\", 1) = 1\n");
  EXPECT_EQ(CountOf(profile, "read"), 1u);
  EXPECT_EQ(CountOf(profile, "write"), 1u);
  EXPECT_EQ(ImageKeys(profile), (Names{"[launcher]"}));
}

TEST(StraceImport, AttributesCallsToImagesAcrossExec) {
  ExpectFollowForkProfile(Import(kFollowForkLog));
}

TEST(StraceImport, GivesAChildSeenBeforeItsForkReturnsItsParentsImage) {
  Profile profile = Import(
      "400   execve(\"/bin/sh\", [\"sh\"], 0x7ffc /* 3 vars */) = 0\n"
      "400   vfork( <unfinished ...>\n"
      "401   set_robust_list(0x7f, 24) = 0\n"
      "401   execve(\"/usr/bin/true\", [\"true\"], 0x7ffc /* 3 vars */ <unfinished ...>\n"
      "400   <... vfork resumed>) = 401\n"
      "401   <... execve resumed>) = 0\n"
      "401   brk(NULL) = 0x55\n"
      "401   +++ exited with 0 +++\n"
      "400   +++ exited with 0 +++\n");
  EXPECT_EQ(ImageNames(profile, "/bin/sh"), (Names{"execve", "set_robust_list", "vfork"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/true"), (Names{"brk"}));
}

TEST(StraceImport, GivesAThreadThatEndsBeforeItsCloneReturnsItsParentsImage) {
  // A short thread can run to its end while strace still holds the clone3 in the parent.
  Profile profile = Import(
      "400   execve(\"/bin/prog\", [\"prog\"], 0x7ffc /* 3 vars */) = 0\n"
      "400   clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0}, 88 <unfinished ...>\n"
      "401   gettid() = 401\n"
      "401   exit(0) = ?\n"
      "401   +++ exited with 0 +++\n"
      "400   <... clone3 resumed>) = 401\n"
      "400   exit_group(0) = ?\n"
      "400   +++ exited with 0 +++\n");
  EXPECT_EQ(ImageNames(profile, "/bin/prog"), (Names{"clone3", "exit", "exit_group", "gettid"}));
}

TEST(StraceImport, ReadsPidPrefixedFollowForkOutput) {
  // strace -f to a terminal (stderr) writes "[pid  300] " instead of "300   " once a second
  // process exists.
  std::string bracketed;
  std::string_view rest = kFollowForkLog;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    size_t space = line.find(' ');
    bracketed += "[pid  " + std::string(line.substr(0, space)) + "] " +
                 std::string(line.substr(line.find_first_not_of(' ', space))) + "\n";
  }
  ExpectFollowForkProfile(Import(bracketed));
}

TEST(StraceImport, ReadsTerminalOutputWhereTheFirstProcessHasNoPrefix) {
  // strace -f 2>log: no prefix while one process is traced, "strace: Process N attached"
  // spliced into the line strace was writing, "[pid N]" while several are, none again after.
  StraceImportReport report;
  Profile profile = Import(
      "execve(\"/bin/sh\", [\"sh\", \"-c\", \"ls\"], 0x7ffc /* 3 vars */) = 0\n"
      "brk(NULL)                               = 0x5633b12a4000\n"
      "clone(child_stack=NULL, flags=SIGCHLDstrace: Process 501 attached\n"
      ", child_tidptr=0x7f563cc20a10) = 501\n"
      "[pid   501] set_robust_list(0x7f563cc20a20, 24 <unfinished ...>\n"
      "[pid   500] wait4(-1,  <unfinished ...>\n"
      "[pid   501] <... set_robust_list resumed>) = 0\n"
      "[pid   501] execve(\"/usr/bin/ls\", [\"ls\"], 0x5563 /* 3 vars */) = 0\n"
      "[pid   501] getdents64(3, 0x55 /* 5 entries */, 32768) = 136\n"
      "[pid   501] +++ exited with 0 +++\n"
      "<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 501\n"
      "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=501, si_status=0} ---\n"
      "rt_sigreturn({mask=[]})                 = 501\n"
      "exit_group(4)                           = ?\n"
      "+++ exited with 4 +++\n",
      &report);
  EXPECT_EQ(report.warning_count, 0u);
  EXPECT_EQ(profile.exit_status, 4);
  EXPECT_EQ(ImageKeys(profile), (Names{"/bin/sh", "/usr/bin/ls", "[launcher]"}));
  EXPECT_EQ(ImageNames(profile, "/bin/sh"),
            (Names{"brk", "clone", "execve", "exit_group", "rt_sigreturn", "set_robust_list",
                   "wait4"}));
  EXPECT_EQ(ImageNames(profile, "/usr/bin/ls"), (Names{"getdents64"}));
  EXPECT_EQ(CountOf(profile, "wait4"), 1u);
}

TEST(StraceImport, JoinsACallTheFirstProcessStartedUnprefixedAndResumedWithItsPid) {
  Profile profile = Import(
      "execve(\"/bin/sh\", [\"sh\"], 0x7ffc /* 3 vars */) = 0\n"
      "clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n"
      "[pid   601] set_robust_list(0x7f, 24) = 0\n"
      "[pid   600] <... clone resumed>, child_tidptr=0x7f) = 601\n"
      "[pid   601] +++ exited with 0 +++\n"
      "[pid   600] +++ killed by SIGTERM +++\n");
  EXPECT_EQ(CountOf(profile, "clone"), 1u);
  EXPECT_EQ(ImageNames(profile, "/bin/sh"), (Names{"clone", "set_robust_list"}));
  EXPECT_EQ(profile.exit_status, 128 + 15);
}

// kFollowForkLog as strace -ff -o DIR/trace writes it: one file per process, no pid prefix.
void WriteFollowForkFiles(const TraceDir& dir, const std::string& prefix) {
  dir.Write(prefix + ".300",
            "execve(\"/bin/sh\", [\"sh\", \"-c\", \"ls\"], 0x7ffc /* 3 vars */) = 0\n"
            "brk(NULL) = 0x5633b12a4000\n"
            "execve(\"/usr/local/bin/ls\", [\"ls\"], 0x7ffc /* 3 vars */) = -1 ENOENT (No such "
            "file or directory)\n"
            "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f563cc20a10) = 301\n"
            "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f563cc20a10) = 302\n"
            "wait4(-1, NULL, 0, NULL) = 301\n"
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=301} ---\n"
            "exit_group(0) = ?\n"
            "+++ exited with 0 +++\n");
  dir.Write(prefix + ".301",
            "set_robust_list(0x7f563cc20a20, 24) = 0\n"
            "execve(\"/usr/bin/ls\", [\"ls\"], 0x5633 /* 3 vars */) = 0\n"
            "getdents64(3, 0x5612a5427 /* 5 entries */, 32768) = 136\n"
            "exit_group(0) = ?\n"
            "+++ exited with 0 +++\n");
  dir.Write(prefix + ".302",
            "write(2, \"helper\\n\", 7) = 7\n"
            "exit_group(0) = ?\n"
            "+++ exited with 0 +++\n");
}

TEST(StraceImport, ReadsOneFilePerPidDirectory) {
  TraceDir dir;
  WriteFollowForkFiles(dir, "trace");
  StraceImportReport report;
  ExpectFollowForkProfile(ImportFiles({dir.path()}, &report));
  EXPECT_EQ(report.runs, 1);
  EXPECT_EQ(report.warning_count, 0u);
}

TEST(StraceImport, ReadsOneFilePerPidFilesGivenOneByOne) {
  TraceDir dir;
  WriteFollowForkFiles(dir, "trace");
  // The order a shell glob gives is not the order of the process tree.
  ExpectFollowForkProfile(ImportFiles(
      {dir.path() + "/trace.302", dir.path() + "/trace.300", dir.path() + "/trace.301"}));
}

TEST(StraceImport, KeepsNumberedLogsOfSeparateCommandsAsSeparateRuns) {
  TraceDir dir;
  std::string first = dir.Write("run.1",
                                "execve(\"/usr/bin/diff\", [\"diff\"], 0x1 /* 1 var */) = 0\n"
                                "openat(AT_FDCWD, \"a\", O_RDONLY) = 3\n"
                                "+++ exited with 1 +++\n");
  std::string second = dir.Write("run.2",
                                 "execve(\"/usr/bin/diff\", [\"diff\"], 0x1 /* 1 var */) = 0\n"
                                 "unlink(\"a\") = 0\n"
                                 "+++ exited with 1 +++\n");
  StraceImportReport report;
  Profile profile = ImportFiles({first, second}, &report);
  EXPECT_EQ(report.runs, 2);
  EXPECT_EQ(profile.runs, 2);
  EXPECT_EQ(profile.kind, ProfileKind::kDynamic);
  EXPECT_EQ(profile.target, "/usr/bin/diff");
  EXPECT_EQ(profile.exit_status, 1);
  EXPECT_EQ(profile.seen_in_runs.at(*SyscallNumber("execve")), 2);
  EXPECT_EQ(profile.seen_in_runs.at(*SyscallNumber("unlink")), 1);
  EXPECT_EQ(profile.seen_in_runs.at(*SyscallNumber("openat")), 1);
}

TEST(StraceImport, MergesSeveralLogsAndDirectoriesAsRuns) {
  TraceDir dir;
  std::string log = dir.Write("sh.log", kFollowForkLog);
  TraceDir ff;
  WriteFollowForkFiles(ff, "trace");
  StraceImportReport report;
  Profile profile = ImportFiles({log, ff.path()}, &report);
  EXPECT_EQ(report.runs, 2);
  EXPECT_EQ(profile.runs, 2);
  EXPECT_EQ(CountOf(profile, "execve"), 6u);
  EXPECT_EQ(profile.seen_in_runs.at(*SyscallNumber("getdents64")), 2);
  EXPECT_EQ(ImageNames(profile, "/usr/bin/ls"), (Names{"exit_group", "getdents64"}));
}

TEST(StraceImport, StripsTimestampsAndDurations) {
  Profile plain = Import(
      "900   execve(\"/usr/bin/cat\", [\"cat\", \"f\"], 0x7ffc /* 3 vars */) = 0\n"
      "900   openat(AT_FDCWD, \"f\", O_RDONLY) = 3\n"
      "900   read(3, \"abc\", 131072) = 3\n"
      "900   write(1, \"abc\", 3) = 3\n"
      "900   close(3) = 0\n"
      "900   +++ exited with 0 +++\n");
  Profile decorated = Import(
      "900   10:12:13.000001 execve(\"/usr/bin/cat\", [\"cat\", \"f\"], 0x7ffc /* 3 vars */) = 0 "
      "<0.000412>\n"
      "900   10:12:13.000500 openat(AT_FDCWD</home/u>, \"f\", O_RDONLY) = 3</home/u/f> "
      "<0.000012>\n"
      "900   10:12:13.000600 read(3</home/u/f>, \"abc\", 131072) = 3 <0.000008>\n"
      "900   10:12:13.000700 write(1</dev/pts/0<char 136:0>>, \"abc\", 3) = 3 <0.000020>\n"
      "900   10:12:13.000800 close(3</home/u/f>) = 0 <0.000005>\n"
      "900   10:12:13.000900 +++ exited with 0 +++\n");
  EXPECT_EQ(plain.syscalls, decorated.syscalls);
  EXPECT_EQ(plain.counts, decorated.counts);
  EXPECT_EQ(plain.images, decorated.images);
  EXPECT_EQ(plain.target, decorated.target);
}

TEST(StraceImport, ReadsVerboseAndAbbreviatedArguments) {
  // -v -s 10 -X verbose -i -n -ttt: expanded structures, cut strings, comments, numbers.
  StraceImportReport report;
  Profile profile = Import(
      "7815  1795707773.606076 [  59] [00007f42d1734ad7] execve(\"/bin/sh\", [\"/bin/sh\", "
      "\"-c\", \"ls / | wc \"...], [\"SHELL=/bin\"..., \"HOME=/root\"]) = 0 <0.001316>\n"
      "7815  1795707773.609135 [   9] [00007fde0bb66ca3] mmap(NULL, 8192, 0x3 /* "
      "PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0) = 0x7fde0bb3c000 "
      "<0.000023>\n"
      "7815  1795707773.615854 [ 262] [00007fde0ba4686a] newfstatat(-100 /* AT_FDCWD "
      "*/</tmp/explore>, \".\", {st_dev=0xfe00 /* makedev(0xfe, 0) */, st_ino=10952835, "
      "st_mode=040755 /* S_IFDIR|0755 */, st_atime=1795707675 /* "
      "2026-11-26T15:41:15.740605102+0000 */}, 0) = 0 <0.000021>\n"
      "7815  1795707773.616075 [  13] [00007fde0b98b11f] rt_sigaction(2 /* SIGINT */, NULL, "
      "{sa_handler=0 /* SIG_DFL */, sa_mask=[], sa_flags=0}, 8) = 0 <0.000013>\n"
      "7816  1795707773.664436 [ 231] [????????????????] +++ exited with 0 +++\n",
      &report);
  EXPECT_EQ(report.warning_count, 0u);
  EXPECT_EQ(profile.target, "/bin/sh");
  EXPECT_EQ(ImageNames(profile, "/bin/sh"), (Names{"mmap", "newfstatat", "rt_sigaction"}));
}

TEST(StraceImport, ReadsLogsFilteredWithTraceExpressions) {
  // strace -e trace=openat,read: no execve and no fork, so no image is known.
  StraceImportReport report;
  Profile profile = Import(
      "openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3\n"
      "read(3, \"vm\\n\", 131072)                 = 3\n"
      "read(3, \"\", 131072)                     = 0\n"
      "+++ exited with 0 +++\n",
      &report);
  EXPECT_EQ(report.warning_count, 0u);
  EXPECT_EQ(profile.target, "");
  EXPECT_EQ(profile.exit_status, 0);
  EXPECT_EQ(ImageNames(profile, "[launcher]"), (Names{"openat", "read"}));
  EXPECT_EQ(CountOf(profile, "read"), 2u);
}

TEST(StraceImport, IgnoresStackFramesAndStraceMessages) {
  StraceImportReport report;
  Profile profile = Import(
      "strace: Process 77 attached\n"
      "77    brk(NULL) = 0x55\n"
      " > /usr/lib/x86_64-linux-gnu/libc.so.6(brk+0xb) [0x10d7e2]\n"
      " > /usr/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x271c5]\n"
      "strace: Process 77 detached\n",
      &report);
  EXPECT_EQ(report.warning_count, 0u);
  EXPECT_EQ(profile.syscalls.Names(), (Names{"brk"}));
}

TEST(StraceImport, ReportsMalformedLinesWithLineNumber) {
  StraceImportReport report;
  Profile profile = Import(
      "execve(\"/bin/true\", [\"true\"], 0x7ffc /* 3 vars */) = 0\n"
      "brk(NULL) = 0x55\n"
      "this is not strace output\n"
      "frobnicate(1, 2) = 0\n"
      "read(3, \"abc\"\n"
      "exit_group(0) = ?\n",
      &report);
  EXPECT_EQ(profile.syscalls.Names(), (Names{"brk", "execve", "exit_group"}));
  ASSERT_EQ(report.warning_count, 3u);
  ASSERT_EQ(report.warnings.size(), 3u);
  EXPECT_EQ(report.warnings[0].file, "test.log");
  EXPECT_EQ(report.warnings[0].line, 3u);
  EXPECT_NE(report.warnings[0].message.find("this is not strace output"), std::string::npos);
  EXPECT_EQ(report.warnings[1].line, 4u);
  EXPECT_NE(report.warnings[1].message.find("frobnicate"), std::string::npos);
  EXPECT_EQ(report.warnings[2].line, 5u);
}

TEST(StraceImport, KeepsTheFirstWarningsAndCountsTheRest) {
  std::string log = "brk(NULL) = 0x55\n";
  for (int i = 0; i < 25; ++i) log += "garbage line\n";
  StraceImportReport report;
  StraceImportOptions options;
  options.max_warnings = 10;
  ASSERT_TRUE(ImportStraceText(log, "many.log", &report, options).ok());
  EXPECT_EQ(report.warnings.size(), 10u);
  EXPECT_EQ(report.warning_count, 25u);
  EXPECT_EQ(report.warnings.back().line, 11u);
}

TEST(StraceImport, CountsTheCallOnALastLineCutShort) {
  StraceImportReport report;
  Profile profile = Import(
      "1234  execve(\"/bin/cat\", [\"cat\"], 0x7ffc /* 3 vars */) = 0\n"
      "1234  read(0, \"partial da",
      &report);
  EXPECT_EQ(CountOf(profile, "read"), 1u);
  ASSERT_EQ(report.warning_count, 1u);
  EXPECT_EQ(report.warnings[0].line, 2u);
}

TEST(StraceImport, RejectsGarbage) {
  for (std::string_view text : {std::string_view("hello\nworld\n"),
                                std::string_view("\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0", 20),
                                std::string_view("\n\n   \n"),
                                std::string_view("strace: exec: No such file or directory\n")}) {
    Result<Profile> profile = ImportStraceText(text, "junk.bin", nullptr);
    ASSERT_FALSE(profile.ok());
    EXPECT_NE(profile.error().message().find("junk.bin"), std::string::npos);
    EXPECT_NE(profile.error().message().find("not an strace log"), std::string::npos);
  }
}

TEST(StraceImport, RejectsAnEmptyLog) {
  Result<Profile> profile = ImportStraceText("", "empty.log", nullptr);
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.error().message(), "empty.log: empty file, not an strace log");
}

TEST(StraceImport, RejectsMissingFilesAndDirectoriesWithoutTraceFiles) {
  TraceDir dir;
  dir.Write("notes.txt", "brk(NULL) = 0x55\n");
  Result<Profile> no_traces = ImportStraceLogs({dir.path()}, nullptr);
  ASSERT_FALSE(no_traces.ok());
  EXPECT_NE(no_traces.error().message().find(dir.path()), std::string::npos);
  EXPECT_NE(no_traces.error().message().find("no strace -ff files"), std::string::npos);
  Result<Profile> missing = ImportStraceLogs({dir.path() + "/absent.log"}, nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("absent.log"), std::string::npos);
}

TEST(StraceImport, MapsUnknownSyscallHexNames) {
  StraceImportReport report;
  Profile profile = Import(
      "7582  syscall_0x258(0, 0, 0x7fb877fb80e8, 0, 0xffffffff, 0) = -1 ENOSYS (Function not "
      "implemented)\n"
      "7582  syscall_601(0x1) = -1 ENOSYS (Function not implemented)\n"
      "7582  syscall_0x40000001(0) = -1 ENOSYS (Function not implemented)\n",
      &report);
  EXPECT_EQ(profile.syscalls.Names(), (Names{"syscall_600", "syscall_601"}));
  EXPECT_EQ(CountOf(profile, "syscall_600"), 1u);
  EXPECT_EQ(ImageNames(profile, "[launcher]"), (Names{"syscall_600", "syscall_601"}));
  ASSERT_EQ(report.warning_count, 1u);
  EXPECT_EQ(report.warnings[0].line, 3u);
  EXPECT_NE(report.warnings[0].message.find("syscall_0x40000001"), std::string::npos);
}

TEST(StraceImport, ExitStatusFromKilledBySignal) {
  Profile profile = Import(
      "7576  execve(\"/opt/crash\", [\"crash\"], 0x7ffc /* 3 vars */) = 0\n"
      "7576  --- SIGSEGV {si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL} ---\n"
      "7576  +++ killed by SIGSEGV (core dumped) +++\n");
  EXPECT_EQ(profile.exit_status, 128 + 11);
  EXPECT_EQ(Import("execve(\"/x\", [\"x\"], 0x1 /* 1 var */) = 0\n+++ killed by SIGKILL +++\n")
                .exit_status,
            137);
}

TEST(StraceImport, ExitStatusIsTheFirstProcesssNotAChilds) {
  Profile profile = Import(
      "10    execve(\"/bin/sh\", [\"sh\"], 0x7ffc /* 3 vars */) = 0\n"
      "10    fork() = 11\n"
      "11    +++ exited with 3 +++\n"
      "10    +++ exited with 0 +++\n");
  EXPECT_EQ(profile.exit_status, 0);
  EXPECT_EQ(Import("execve(\"/x\", [\"x\"], 0x1 /* 1 var */) = 0\n").exit_status, -1);
}

TEST(StraceImport, RecordsI386CallsAfterAPersonalitySwitch) {
  StraceImportReport report;
  Profile profile = Import(
      "900   execve(\"/opt/mixed\", [\"mixed\"], 0x7ffc /* 3 vars */) = 0\n"
      "900   [ Process PID=900 runs in 32 bit mode. ]\n"
      "900   getpid() = 900\n"
      "900   waitpid(-1, NULL, 0) = -1 ECHILD (No child processes)\n"
      "900   syscall_0x3e8() = -1 ENOSYS (Function not implemented)\n"
      "900   [ Process PID=900 runs in 64 bit mode. ]\n"
      "900   getpid() = 900\n"
      "900   +++ exited with 0 +++\n",
      &report);
  EXPECT_EQ(profile.compat_i386, (std::map<std::string, uint64_t>{{"getpid", 1}, {"waitpid", 1}}));
  EXPECT_EQ(CountOf(profile, "getpid"), 1u);
  EXPECT_EQ(profile.syscalls.Names(), (Names{"execve", "getpid"}));
  EXPECT_EQ(report.warning_count, 1u);  // i386 number 1000 has no name
}

TEST(StraceImport, JoinsAThreadsExecveThatSupersedesTheLeader) {
  Profile profile = Import(
      "7588  execve(\"/opt/thrx\", [\"thrx\"], 0x7ffc /* 3 vars */) = 0\n"
      "7588  clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0} => {parent_tid=[7589]}, 88) = "
      "7589\n"
      "7589  execve(\"/bin/true\", [\"true\"], 0x7ffd /* 41 vars */ <unfinished ...>\n"
      "7588  +++ superseded by execve in pid 7589 +++\n"
      "7588  <... execve resumed>) = 0\n"
      "7588  brk(NULL) = 0x55\n"
      "7588  exit_group(0) = ?\n"
      "7588  +++ exited with 0 +++\n");
  EXPECT_EQ(CountOf(profile, "execve"), 2u);
  EXPECT_EQ(ImageNames(profile, "/opt/thrx"), (Names{"clone3", "execve"}));
  EXPECT_EQ(ImageNames(profile, "/bin/true"), (Names{"brk", "exit_group"}));
  EXPECT_EQ(profile.exit_status, 0);
}

TEST(StraceImport, JoinsAThreadsExecveAcrossOneFilePerPidFiles) {
  TraceDir dir;
  dir.Write("t.7588",
            "execve(\"/opt/thrx\", [\"thrx\"], 0x7ffc /* 3 vars */) = 0\n"
            "clone3({flags=CLONE_VM|CLONE_THREAD} => {parent_tid=[7589]}, 88) = 7589\n"
            "+++ superseded by execve in pid 7589 +++\n"
            "<... execve resumed>)                   = 0\n"
            "brk(NULL) = 0x55\n"
            "exit_group(0)                           = ?\n"
            "+++ exited with 0 +++\n");
  dir.Write("t.7589",
            "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0\n"
            "execve(\"/bin/true\", [\"true\"], 0x7ffd /* 41 vars */ <pid changed to 7588 ...>\n");
  Profile profile = ImportFiles({dir.path()});
  EXPECT_EQ(CountOf(profile, "execve"), 2u);
  EXPECT_EQ(ImageNames(profile, "/opt/thrx"), (Names{"clone3", "execve", "rt_sigprocmask"}));
  EXPECT_EQ(ImageNames(profile, "/bin/true"), (Names{"brk", "exit_group"}));
}

TEST(StraceImport, StartsAFreshProcessWhenAPidIsReused) {
  Profile profile = Import(
      "1     execve(\"/bin/sh\", [\"sh\"], 0x7ffc /* 3 vars */) = 0\n"
      "1     fork() = 2\n"
      "2     execve(\"/bin/a\", [\"a\"], 0x7ffc /* 3 vars */) = 0\n"
      "2     +++ exited with 0 +++\n"
      "1     fork() = 2\n"
      "2     getuid() = 0\n"
      "2     +++ exited with 0 +++\n");
  EXPECT_EQ(ImageNames(profile, "/bin/a"), (Names{}));
  EXPECT_EQ(ImageNames(profile, "/bin/sh"), (Names{"execve", "fork", "getuid"}));
}

TEST(StraceImport, SurvivesLongLinesNulBytesAndForgedForks) {
  TraceDir dir;
  std::string log = "42    execve(\"/bin/x\", [\"x\"], 0x1 /* 1 var */) = 0\n";
  log += "42    write(1, \"" + std::string(3 << 20, 'y') + "\", 3145728) = 3145728\n";
  log += "42    read(0, \"" + std::string(2, '\0') + "\", 2) = 2\n";
  log += "42    clone(child_stack=NULL) = 42\n";   // a fork that returns its own pid
  log += "43    clone(child_stack=NULL) = 44\n";
  log += "44    clone(child_stack=NULL) = 43\n";   // and a cycle
  log += "43    getuid() = 0\n";
  std::string path = dir.Write("odd.log", log);
  StraceImportReport report;
  Profile profile = ImportFiles({path}, &report);
  EXPECT_EQ(CountOf(profile, "write"), 1u);
  EXPECT_EQ(CountOf(profile, "read"), 0u);
  EXPECT_EQ(CountOf(profile, "getuid"), 1u);
  EXPECT_EQ(report.warning_count, 1u);
  EXPECT_EQ(report.warnings[0].line, 3u);
}

}  // namespace
}  // namespace sysfence
