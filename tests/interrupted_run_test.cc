// SIGINT and SIGTERM to `sysfence static` and `sysfence study` while they work: whatever
// moment the signal lands, each output file is complete or absent, no temporary file is left,
// and no process outlives sysfence. (`sysfence trace` interrupted: trace_robustness_test.cc
// and trace_test.cc.) Where the moment matters it is made certain with a FIFO or the
// program's own progress lines, not with sleeps.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "profile/profile_json.h"
#include "session.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

namespace fs = std::filesystem;

// Every file under `dir`, relative to it.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    files.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const std::string& file : FilesUnder(dir)) {
    if (file.find(".tmp.") != std::string::npos) found.push_back(file);
  }
  return found;
}

class InterruptedRun : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { BecomeSubreaper(); }
  void TearDown() override { EXPECT_EQ(ReapLeftovers(), "") << "processes outlived sysfence"; }
  ScratchDir dir_;
};

std::string SignalName(const ::testing::TestParamInfo<int>& param_info) {
  return sigabbrev_np(param_info.param);
}

// A program whose analysis reaches NSS look-ups (getpwuid), so `sysfence static` reads the
// nsswitch file half-way, after analysing the program and its libraries.
constexpr const char* kNssProgram = "/usr/bin/id";

// The analysis blocks opening the FIFO given as its nsswitch.conf: when our open for writing
// returns, it is certainly mid-analysis. The signal lands there.
TEST_P(InterruptedRun, StaticInTheMiddleOfTheAnalysisWritesNothing) {
  std::string fifo = dir_.File("nsswitch.conf");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string out = dir_.File("out/profile.json");
  fs::create_directory(dir_.File("out"));
  Session session(
      {SysfenceBinary(), "static", "--no-cache", "--nsswitch", fifo, "-o", out, kNssProgram},
      dir_.File("stderr"));
  int writer = open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(kill(session.pid(), GetParam()), 0);
  EXPECT_EQ(session.Wait(), 128 + GetParam()) << ReadWholeFile(dir_.File("stderr"));
  close(writer);
  EXPECT_EQ(FilesUnder(dir_.File("out")), std::vector<std::string>{}) << "no output at all";
}

// The same signal at other moments (start-up, analysis, writing, after the end): when it lands
// is left to chance here, but the outcome must be one of the two allowed ones every time.
TEST_P(InterruptedRun, StaticAtAnyMomentLeavesACompleteProfileOrNone) {
  std::string out = dir_.File("profile.json");
  int completed = 0, interrupted = 0;
  for (int delay_ms : {0, 1, 3, 10, 30, 100, 300, 1000, 3000}) {
    Session session({SysfenceBinary(), "static", "--no-cache", "-o", out, kNssProgram},
                    dir_.File("stderr"));
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    kill(session.pid(), GetParam());
    int status = session.Wait();
    if (status == 0) {
      ++completed;
      Result<Profile> profile = ReadProfileFile(out);
      ASSERT_TRUE(profile.ok()) << profile.error().message();
      EXPECT_TRUE(profile->syscalls.Contains("getuid"));
    } else {
      ++interrupted;
      EXPECT_EQ(status, 128 + GetParam()) << ReadWholeFile(dir_.File("stderr"));
      if (FileExists(out)) {  // a signal after the rename, before exit
        EXPECT_TRUE(ReadProfileFile(out).ok());
      }
    }
    EXPECT_EQ(Temporaries(dir_.path()), std::vector<std::string>{}) << "after " << delay_ms;
    fs::remove(out);
  }
  RecordProperty("completed", completed);
  RecordProperty("interrupted", interrupted);
}

// The study prints a progress line as each step starts; the signal comes after the first
// few of them: while setting up, tracing, analysing. Its scratch directory is under TMPDIR,
// which points into the test's directory, so a left-over one shows.
TEST_P(InterruptedRun, StudyKillsItsChildrenRemovesItsScratchAndWritesNoReport) {
  std::string out = dir_.File("report");
  std::string tmp = dir_.File("tmp");
  fs::create_directory(tmp);
  for (int lines : {1, 2, 4}) {
    Session session({"/bin/sh", "-c", "exec 2>&1; exec env TMPDIR=\"$0\" \"$@\"", tmp,
                     SysfenceBinary(), "study", "diff", "-o", out},
                    dir_.File("stderr"));
    std::string progress;
    for (int i = 0; i < lines; ++i) progress += session.ReadLine();
    ASSERT_EQ(kill(session.pid(), GetParam()), 0);
    std::string rest;
    for (std::string line = session.ReadLine(); !line.empty(); line = session.ReadLine()) {
      rest += line;
    }
    EXPECT_EQ(session.Wait(), 128 + GetParam()) << progress << rest;
    EXPECT_TRUE(
        rest.ends_with(fmt::format("sysfence: warning: interrupted by SIG{}: the study's "
                                   "processes were killed and its scratch directory "
                                   "removed\n",
                                   sigabbrev_np(GetParam()))))
        << rest;
    EXPECT_EQ(session.Members(), std::vector<pid_t>{}) << "after " << lines << " lines";
    EXPECT_EQ(FilesUnder(tmp), std::vector<std::string>{}) << "after " << lines << " lines";
    EXPECT_EQ(FilesUnder(out), std::vector<std::string>{}) << "after " << lines << " lines";
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedRun, ::testing::Values(SIGINT, SIGTERM), SignalName);

}  // namespace
}  // namespace sysfence::testing
