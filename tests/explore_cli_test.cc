// `sysfence explore` on a study of a purpose-built program (tests/programs/explore_target.c)
// written in a temporary directory: exploring finds the syscall of its rare option, of an
// empty input and of a directory input, each with the run that found it; the kept runs are a
// runs file the study adopts as it stands; nothing is left outside the scratch directory and
// no process is left behind; bad arguments are clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/subprocess.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every path under `dir` with its size, or "dir" for a directory.
std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> entries;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    entries.insert(entry.path().string() + " " +
                   (entry.is_directory()
                        ? std::string("dir")
                        : std::to_string(entry.is_regular_file() ? entry.file_size() : 0)));
  }
  return entries;
}

class ExploreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    study_ = scratch_.File("target-study");
    fs::create_directories(study_);
    WriteWholeFile(study_ + "/study.txt",
                   "title explore's test program\n"
                   "inputs inputs.sh\n"
                   "program target " +
                       TestProgram("explore_target") +
                       "\n"
                       "runs target runs.txt\n");
    WriteWholeFile(study_ + "/inputs.sh",
                   "mkdir -p \"$1\"\nprintf 'one\\ntwo\\nthree\\n' > \"$1/text.txt\"\n");
    WriteWholeFile(study_ + "/runs.txt",
                   "count | " + TestProgram("explore_target") + " {in}/text.txt\n");
    for (const char* dir : {"cwd", "home", "tmp", "out"})
      fs::create_directories(scratch_.File(dir));
  }

  // Runs sysfence explore from the "cwd" directory, HOME and TMPDIR set to directories of the
  // test's own, with a budget long enough to try every candidate (the test program has few).
  CommandResult Explore(const std::string& arguments) {
    return RunShell(fmt::format("cd {} && HOME={} TMPDIR={} exec {} explore {} {}",
                                scratch_.File("cwd"), scratch_.File("home"), scratch_.File("tmp"),
                                SysfenceBinary(), study_, arguments),
                    300);
  }

  ScratchDir scratch_;
  std::string study_;
};

TEST_F(ExploreCli, FindsTheRareOptionEmptyInputAndDirectoryEachWithItsRun) {
  std::string out = scratch_.File("out/result");
  CommandResult r = Explore("--budget 2m --timeout 1s --seed 7 -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json data = json::parse(ReadWholeFile(out + "/explore.json"));
  EXPECT_EQ(data["baseline"]["runs"], 1);
  EXPECT_EQ(data["candidates"]["tried"], data["candidates"]["planned"]) << "all of them tried";
  std::map<std::string, std::string> found;
  for (const json& added : data["new_syscalls"]) found[added["syscall"]] = added["run"];
  ASSERT_TRUE(found.contains("getcpu")) << data.dump(2);
  EXPECT_NE(found["getcpu"].find("option --rare"), std::string::npos) << found["getcpu"];
  ASSERT_TRUE(found.contains("sysinfo")) << data.dump(2);
  EXPECT_NE(found["sysinfo"].find("text.txt: empty"), std::string::npos) << found["sysinfo"];
  ASSERT_TRUE(found.contains("statfs")) << data.dump(2);
  EXPECT_NE(found["statfs"].find("text.txt: a directory"), std::string::npos) << found["statfs"];
  for (const char* name : {"getcpu", "sysinfo", "statfs"}) {
    EXPECT_EQ(std::count(data["baseline"]["syscall_names"].begin(),
                         data["baseline"]["syscall_names"].end(), name),
              0);
  }
  EXPECT_GT(data["final"]["sites"].get<int>(), data["baseline"]["sites"].get<int>());
  // The lingering child outlives the time limit: the run is not kept.
  EXPECT_GE(data["candidates"]["timed_out"].get<int>(), 1);
  // The curve starts with the hand-written run and ends at the final counts.
  ASSERT_GE(data["curve"].size(), 2u);
  EXPECT_TRUE(data["curve"][0]["hand_written"].get<bool>());
  EXPECT_EQ(data["curve"].back()["syscalls"], data["final"]["syscalls"]);
  // The summary names each new syscall with its run's line.
  EXPECT_NE(r.out.find("getcpu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--rare"), std::string::npos) << r.out;
  std::string runs = ReadWholeFile(out + "/runs.txt");
  EXPECT_NE(runs.find("# adds getcpu"), std::string::npos) << runs;
  std::string svg = ReadWholeFile(out + "/curve.svg");
  EXPECT_NE(svg.find("1 hand-written runs"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // Progress went to stderr.
  EXPECT_NE(r.err.find("tried"), std::string::npos) << r.err;
}

// The same seed tries the same candidates and keeps the same runs.
TEST_F(ExploreCli, TheSameSeedKeepsTheSameRuns) {
  std::vector<std::string> kept[2];
  for (int i = 0; i < 2; ++i) {
    std::string out = scratch_.File("out/seed-" + std::to_string(i));
    CommandResult r = Explore("--budget 2m --timeout 1s --seed 3 --json -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    json data = json::parse(r.out);
    for (const json& run : data["new_syscalls"]) kept[i].push_back(run["run"]);
  }
  EXPECT_EQ(kept[0], kept[1]);
}

// The kept runs and their inputs script go into the study as they stand, and the study's traces
// then have the syscalls exploring found.
TEST_F(ExploreCli, TheStudyAdoptsTheRunsFile) {
  std::string out = scratch_.File("out/adopt");
  CommandResult r = Explore("--budget 2m --timeout 1s -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  fs::copy_file(out + "/inputs.sh", study_ + "/explore-inputs.sh");
  WriteWholeFile(study_ + "/inputs.sh", ReadWholeFile(study_ + "/inputs.sh") +
                                            "sh \"$(dirname \"$0\")/explore-inputs.sh\" \"$1\"\n");
  WriteWholeFile(study_ + "/runs.txt",
                 ReadWholeFile(study_ + "/runs.txt") + ReadWholeFile(out + "/runs.txt"));
  std::string report = scratch_.File("out/report");
  // A study runs its runs where it is started, as the user's commands: here, in a directory
  // of the test's own (explore_target writes a file in its working directory and $TMPDIR).
  std::string where = scratch_.File("study-cwd");
  fs::create_directories(where);
  CommandResult study =
      RunShell("cd '" + where + "' && TMPDIR='" + where + "' '" + SysfenceBinary() + "' study '" +
                   study_ + "' -o '" + report + "'",
               600);
  ASSERT_LE(study.exit_code, 1) << study.out << study.err;
  json data = json::parse(ReadWholeFile(report + "/data.json"));
  json dynamic = data["programs"][0]["dynamic"];
  for (const char* name : {"getcpu", "sysinfo", "statfs"}) {
    EXPECT_NE(std::find(dynamic.begin(), dynamic.end(), name), dynamic.end()) << name;
  }
}

// Every run wrote a file in its working directory, $TMPDIR and $HOME, and one left a child
// running: none of it is found outside the scratch directory, which is gone, and no process
// is left.
TEST_F(ExploreCli, LeavesNothingOutsideItsScratchDirectoryAndNoProcess) {
  ScopedChildSubreaper subreaper;  // a process left behind would be reparented here
  std::set<std::string> study_before = Listing(study_);
  std::string out = scratch_.File("out/clean");
  CommandResult r = Explore("--budget 2m --timeout 1s -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Listing(study_), study_before);
  EXPECT_TRUE(Listing(scratch_.File("cwd")).empty());
  EXPECT_TRUE(Listing(scratch_.File("home")).empty());
  EXPECT_TRUE(Listing(scratch_.File("tmp")).empty()) << "the scratch directory is removed";
  EXPECT_TRUE(ChildrenOf(getpid()).empty());
  std::set<std::string> outputs;
  for (const fs::directory_entry& entry : fs::directory_iterator(out)) {
    outputs.insert(entry.path().filename().string());
  }
  EXPECT_EQ(outputs, (std::set<std::string>{"curve.svg", "explore.json", "inputs.sh", "runs.txt"}));
}

TEST_F(ExploreCli, BadArgumentsAreClearErrors) {
  CommandResult r = Explore("--program nosuch");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--program nosuch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target"), std::string::npos) << "names the study's programs: " << r.err;

  r = Explore("--budget soon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--budget soon"), std::string::npos) << r.err;

  r = Explore("--timeout 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;

  r = RunCommand({SysfenceBinary(), "explore", scratch_.File("no-such-study")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-study"), std::string::npos) << r.err;

  r = RunCommand({SysfenceBinary(), "explore"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("STUDY"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(scratch_.File("cwd/explore-results"))) << "no output on errors";
}

// A program that only runs as a service has no runs to start from.
TEST_F(ExploreCli, AServiceOnlyProgramIsRefusedByName) {
  WriteWholeFile(study_ + "/study.txt", "program target " + TestProgram("explore_target") +
                                            "\n"
                                            "program server /bin/sleep\n"
                                            "runs target runs.txt\n"
                                            "service server /bin/sleep 60\n"
                                            "ready file /\n");
  CommandResult r = Explore("--program server");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("server has no runs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("service"), std::string::npos) << r.err;
  r = Explore("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("several programs"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sysfence::testing
