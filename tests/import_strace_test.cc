// `sysfence import-strace` on real strace output: each workload is recorded three ways
// (strace -f -o LOG, strace -ff -o DIR/trace, strace -f -tt -T -y -o LOG) and the three imports
// must agree on syscalls, per-image sets and counts. Then bad input through the CLI: one error
// line naming it, exit 2, no output file; skipped lines: warnings with file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profile_match.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

enum class StraceMode { kFollowFork, kOneFilePerPid, kFollowForkDecorated };
constexpr StraceMode kAllModes[] = {StraceMode::kFollowFork, StraceMode::kOneFilePerPid,
                                    StraceMode::kFollowForkDecorated};

std::string ModeName(StraceMode mode) {
  switch (mode) {
    case StraceMode::kFollowFork:
      return "strace -f -o LOG";
    case StraceMode::kOneFilePerPid:
      return "strace -ff -o DIR/trace";
    case StraceMode::kFollowForkDecorated:
      return "strace -f -tt -T -y -o LOG";
  }
  return "";
}

bool StraceWorks() {
  static const bool works = RunCommand({"strace", "-o", "/dev/null", "true"}).exit_code == 0;
  return works;
}

// One recorded run: what to give import-strace, and the profile it made.
struct Recording {
  std::string log;  // a file, or the -ff directory
  NamedProfile imported;
};

// Runs `argv` under strace in `mode` (with a fixed environment, so every run sees the same PATH
// and locale) and imports the log.
Recording RecordAndImport(const ScratchDir& dir, StraceMode mode,
                          const std::vector<std::string>& argv) {
  std::string base = dir.File("mode" + std::to_string(static_cast<int>(mode)));
  std::vector<std::string> command = {"env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", "strace"};
  std::string log;
  switch (mode) {
    case StraceMode::kFollowFork:
      log = base + ".log";
      command.insert(command.end(), {"-f", "-o", log});
      break;
    case StraceMode::kOneFilePerPid:
      log = base;
      std::filesystem::create_directory(log);
      command.insert(command.end(), {"-ff", "-o", log + "/trace"});
      break;
    case StraceMode::kFollowForkDecorated:
      log = base + ".log";
      command.insert(command.end(), {"-f", "-tt", "-T", "-y", "-o", log});
      break;
  }
  command.insert(command.end(), argv.begin(), argv.end());
  CommandResult traced = RunCommand(command);
  EXPECT_FALSE(traced.timed_out) << ModeName(mode);

  std::string out = base + ".json";
  CommandResult imported = RunCommand({SysfenceBinary(), "import-strace", "-o", out, log});
  EXPECT_EQ(imported.exit_code, 0) << ModeName(mode) << ": " << imported.err;
  EXPECT_EQ(imported.err, "") << ModeName(mode) << ": real strace output imports without warnings";
  json profile = FileExists(out) ? json::parse(ReadWholeFile(out)) : json::object();
  return Recording{log, NamedProfile{ModeName(mode), profile}};
}

std::vector<Recording> RecordThreeWays(const ScratchDir& dir,
                                       const std::vector<std::string>& argv) {
  std::vector<Recording> recordings;
  for (StraceMode mode : kAllModes) recordings.push_back(RecordAndImport(dir, mode, argv));
  return recordings;
}

// `sysfence trace` of the same workload, for the comparison with the imports.
NamedProfile TraceWithSysfence(const ScratchDir& dir, const std::vector<std::string>& argv) {
  std::string out = dir.File("sysfence-trace.json");
  // The same fixed environment as the strace runs (RecordAndImport).
  std::vector<std::string> command = {
      "env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", SysfenceBinary(), "trace", "-o", out, "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  CommandResult r = RunCommand(command, 60);
  EXPECT_TRUE(FileExists(out)) << r.err;
  return NamedProfile{"sysfence trace", json::parse(ReadWholeFile(out), nullptr, false)};
}

// The three imports agree with each other, and with `sysfence trace` of the same workload.
void ExpectAllAgree(const std::vector<Recording>& recordings, const MatchOptions& options = {},
                    const NamedProfile* traced = nullptr) {
  for (size_t i = 1; i < recordings.size(); ++i) {
    EXPECT_TRUE(
        SameSyscallsImagesAndCounts(recordings[0].imported, recordings[i].imported, options));
  }
  if (traced != nullptr) {
    for (const Recording& recording : recordings) {
      EXPECT_TRUE(SameSyscallsImagesAndCounts(recording.imported, *traced, options));
    }
  }
}

std::vector<std::string> ImageKeys(const json& profile) {
  std::vector<std::string> keys;
  for (const auto& [key, list] : profile["images"].items()) keys.push_back(key);
  return keys;
}

bool ImageHas(const json& profile, const std::string& image, const std::string& name) {
  const json& list = profile["images"].value(image, json::array());
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Lines holding `needle` in a log file, or in every file of a -ff directory.
int CountLinesContaining(const std::string& log, const std::string& needle) {
  std::vector<std::string> files;
  if (std::filesystem::is_directory(log)) {
    for (const auto& entry : std::filesystem::directory_iterator(log)) {
      files.push_back(entry.path().string());
    }
  } else {
    files.push_back(log);
  }
  int count = 0;
  for (const std::string& file : files) {
    std::string text = ReadWholeFile(file);
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++count;
    }
  }
  return count;
}

TEST(ImportStraceIntegration, ShellPipelineImportsTheSameThreeWays) {
  if (!StraceWorks()) GTEST_SKIP() << "strace cannot trace here (not installed, or no ptrace)";
  ScratchDir dir;
  std::vector<Recording> recordings = RecordThreeWays(dir, {"/bin/sh", "-c", "ls / | wc -l"});
  NamedProfile traced = TraceWithSysfence(dir, {"/bin/sh", "-c", "ls / | wc -l"});
  // dash handles SIGCHLD: one rt_sigreturn per delivery, and the two children's SIGCHLDs may
  // merge into one delivery. So rt_sigreturn is checked against each log's own deliveries.
  MatchOptions options;
  options.counts_may_differ = {"rt_sigreturn"};
  ExpectAllAgree(recordings, options, &traced);
  for (const Recording& recording : recordings) {
    const json& profile = recording.imported.profile;
    SCOPED_TRACE(recording.imported.source);
    EXPECT_EQ(profile["counts"].value("rt_sigreturn", 0),
              CountLinesContaining(recording.log, "--- SIGCHLD"));
    EXPECT_EQ(profile["kind"], "dynamic");
    EXPECT_EQ(profile["runs"], 1);
    EXPECT_EQ(profile["target"], "/usr/bin/dash") << "/bin/sh, resolved as the tracer sees it";
    EXPECT_EQ(profile["exit_status"], 0);
    EXPECT_EQ(ImageKeys(profile), (std::vector<std::string>{"/usr/bin/dash", "/usr/bin/ls",
                                                            "/usr/bin/wc", "[launcher]"}));
    EXPECT_EQ(profile["images"]["[launcher]"], json::array({"execve"}));
    EXPECT_TRUE(ImageHas(profile, "/usr/bin/dash", "pipe2"));
    EXPECT_TRUE(ImageHas(profile, "/usr/bin/dash", "wait4"));
    EXPECT_TRUE(ImageHas(profile, "/usr/bin/dash", "execve"));  // the children's execs of ls and wc
    EXPECT_TRUE(ImageHas(profile, "/usr/bin/ls", "getdents64"));
    EXPECT_FALSE(ImageHas(profile, "/usr/bin/wc", "getdents64"));
    EXPECT_EQ(profile["counts"]["execve"], 3);
  }
}

TEST(ImportStraceIntegration, DiffOfTwoFilesImportsTheSameThreeWays) {
  if (!StraceWorks()) GTEST_SKIP() << "strace cannot trace here (not installed, or no ptrace)";
  ScratchDir dir;
  WriteWholeFile(dir.File("a.txt"), "one\ntwo\nthree\n");
  WriteWholeFile(dir.File("b.txt"), "one\n2\nthree\nfour\n");
  std::vector<Recording> recordings =
      RecordThreeWays(dir, {"diff", dir.File("a.txt"), dir.File("b.txt")});
  NamedProfile traced = TraceWithSysfence(dir, {"diff", dir.File("a.txt"), dir.File("b.txt")});
  ExpectAllAgree(recordings, {}, &traced);
  for (const Recording& recording : recordings) {
    const json& profile = recording.imported.profile;
    SCOPED_TRACE(recording.imported.source);
    EXPECT_EQ(profile["target"], "/usr/bin/diff");
    EXPECT_EQ(profile["exit_status"], 1);  // the files differ
    EXPECT_EQ(ImageKeys(profile), (std::vector<std::string>{"/usr/bin/diff", "[launcher]"}));
    for (const char* name : {"openat", "read", "write", "exit_group"}) {
      EXPECT_TRUE(ImageHas(profile, "/usr/bin/diff", name)) << name;
    }
  }
}

TEST(ImportStraceIntegration, ProgramWithAThreadImportsTheSameThreeWays) {
  if (!StraceWorks()) GTEST_SKIP() << "strace cannot trace here (not installed, or no ptrace)";
  ScratchDir dir;
  std::string program = TestProgram("thread_marker");
  std::vector<Recording> recordings = RecordThreeWays(dir, {program});
  NamedProfile traced = TraceWithSysfence(dir, {program});
  ExpectAllAgree(recordings, {}, &traced);
  for (const Recording& recording : recordings) {
    const json& profile = recording.imported.profile;
    SCOPED_TRACE(recording.imported.source);
    EXPECT_EQ(profile["target"], program);
    EXPECT_EQ(profile["exit_status"], 0);
    EXPECT_EQ(ImageKeys(profile), (std::vector<std::string>{program, "[launcher]"}));
    // The thread's calls belong to the image of its process.
    for (const char* name : {"clone", "futex", "syscall_600", "syscall_601", "exit"}) {
      EXPECT_TRUE(ImageHas(profile, program, name)) << name;
    }
    EXPECT_EQ(profile["counts"]["syscall_600"], 1);
    EXPECT_EQ(profile["counts"]["syscall_601"], 1);
    EXPECT_EQ(profile["counts"]["futex"], 1);
  }
}

int LineCount(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(ImportStraceCli, RejectsBadInputWithOneLineNamingItAndNoOutputFile) {
  ScratchDir dir;
  WriteWholeFile(dir.File("empty.log"), "");
  WriteWholeFile(dir.File("garbage.bin"), std::string("\x7f"
                                                      "ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0",
                                                      20) +
                                              "\n\xff\xfe random bytes\n");
  WriteWholeFile(dir.File("words.txt"), "hello\nworld\n");
  std::filesystem::create_directory(dir.File("no-traces"));
  WriteWholeFile(dir.File("no-traces/notes.txt"), "brk(NULL) = 0x55\n");
  WriteWholeFile(dir.File("good.log"), "execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0\n");
  for (const std::string& bad :
       {dir.File("empty.log"), dir.File("garbage.bin"), dir.File("words.txt"),
        dir.File("missing.log"), dir.File("no-traces")}) {
    SCOPED_TRACE(bad);
    std::string out = dir.File("out.json");
    // A good log next to the bad one does not make the bad one acceptable.
    CommandResult r =
        RunCommand({SysfenceBinary(), "import-strace", "-o", out, dir.File("good.log"), bad});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(LineCount(r.err), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("sysfence: " + bad + ": ")) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(FileExists(out));
  }
}

TEST(ImportStraceCli, WarnsAboutSkippedLinesWithFileAndLineAndCountsTheRest) {
  ScratchDir dir;
  std::string log = dir.File("noisy.log");
  std::string text = "execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0\n";
  for (int i = 0; i < 14; ++i) text += "program output mixed into the log\n";
  text += "exit_group(0) = ?\n+++ exited with 0 +++\n";
  WriteWholeFile(log, text);
  CommandResult r = RunCommand({SysfenceBinary(), "import-strace", log});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LineCount(r.err), 11) << r.err;
  EXPECT_NE(r.err.find("sysfence: warning: " + log + ":2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sysfence: warning: " + log + ":11: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(log + ":12:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 more warnings not shown (14 in all)"), std::string::npos) << r.err;
  json profile = json::parse(r.out);
  EXPECT_EQ(profile["syscalls"], json::array({"execve", "exit_group"}));
}

TEST(ImportStraceCli, CountsEachLogAsOneRun) {
  ScratchDir dir;
  WriteWholeFile(dir.File("1.log"),
                 "execve(\"/usr/bin/diff\", [\"diff\"], 0x1 /* 1 var */) = 0\n"
                 "openat(AT_FDCWD, \"a\", O_RDONLY) = 3\n+++ exited with 0 +++\n");
  WriteWholeFile(dir.File("2.log"),
                 "execve(\"/usr/bin/diff\", [\"diff\"], 0x1 /* 1 var */) = 0\n"
                 "unlink(\"a\") = 0\n+++ exited with 0 +++\n");
  std::string out = dir.File("diff.json");
  CommandResult r = RunCommand(
      {SysfenceBinary(), "import-strace", "-o", out, dir.File("1.log"), dir.File("2.log")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json profile = json::parse(ReadWholeFile(out));
  EXPECT_EQ(profile["kind"], "dynamic");
  EXPECT_EQ(profile["runs"], 2);
  EXPECT_EQ(profile["seen_in_runs"]["execve"], 2);
  EXPECT_EQ(profile["seen_in_runs"]["unlink"], 1);
  EXPECT_EQ(profile["target"], "/usr/bin/diff");
}

TEST(ImportStraceCli, ReadsALogFromStandardInput) {
  CommandResult r = RunCommand({SysfenceBinary(), "import-strace", "-"}, 60,
                               "execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0\n"
                               "exit_group(0) = ?\n+++ exited with 0 +++\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json profile = json::parse(r.out);
  EXPECT_EQ(profile["target"], "/usr/bin/true");
  EXPECT_EQ(profile["syscalls"], json::array({"execve", "exit_group"}));
  r = RunCommand({SysfenceBinary(), "import-strace", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sysfence: standard input: empty file, not an strace log\n");
}

}  // namespace
}  // namespace sysfence::testing
