// Runs the sysfence executable as a user would: names/numbers, merge, compare, and the
// one-line errors with exit status 2 that bad input must get.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace sysfence::testing {
namespace {

TEST(CliNames, TranslatesNumbersAndNames) {
  auto r = RunCommand({SysfenceBinary(), "names", "0", "59", "0x101"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "read\nexecve\nopenat\n");
  r = RunCommand({SysfenceBinary(), "numbers", "openat", "exit_group"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "257\n231\n");
  r = RunCommand({SysfenceBinary(), "names", "--i386", "1"});
  EXPECT_EQ(r.out, "exit\n");
}

TEST(CliNames, UnknownValuesExitTwoWithTheValueNamed) {
  auto r = RunCommand({SysfenceBinary(), "numbers", "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos);
  r = RunCommand({SysfenceBinary(), "names", "abc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("abc"), std::string::npos);
}

TEST(CliUsage, UnknownVerbOrMissingArgumentExitsTwo) {
  EXPECT_EQ(RunCommand({SysfenceBinary(), "frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunCommand({SysfenceBinary()}).exit_code, 2);
  EXPECT_EQ(RunCommand({SysfenceBinary(), "merge"}).exit_code, 2);
  EXPECT_EQ(RunCommand({SysfenceBinary(), "--help"}).exit_code, 0);
}

class CliProfiles : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteWholeFile(dir_.File("a.json"),
                   R"({"sysfence":1,"runs":1,"syscalls":["read","write","clone"],)"
                   R"("counts":{"read":2,"write":1,"clone":1}})");
    WriteWholeFile(dir_.File("b.json"),
                   R"({"sysfence":1,"runs":1,"syscalls":["read","socket"],"counts":{"read":5}})");
  }
  ScratchDir dir_;
};

TEST_F(CliProfiles, MergeWritesUnionWithRunsAndSeenInRuns) {
  std::string out = dir_.File("merged.json");
  auto r = RunCommand({SysfenceBinary(), "merge", "-o", out, dir_.File("a.json"),
                       dir_.File("b.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = nlohmann::json::parse(ReadWholeFile(out));
  EXPECT_EQ(json["kind"], "merged");
  EXPECT_EQ(json["runs"], 2);
  EXPECT_EQ(json["syscalls"], (nlohmann::json{"clone", "read", "socket", "write"}));
  EXPECT_EQ(json["seen_in_runs"]["read"], 2);
  EXPECT_EQ(json["seen_in_runs"]["socket"], 1);
  EXPECT_EQ(json["counts"]["read"], 7);
}

TEST_F(CliProfiles, MergeWithoutOutputWritesToStdout) {
  auto r = RunCommand({SysfenceBinary(), "merge", dir_.File("a.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["runs"], 1);
}

TEST_F(CliProfiles, CompareInThreeFormats) {
  auto r = RunCommand({SysfenceBinary(), "compare", "--format", "json", dir_.File("a.json"),
                       dir_.File("b.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["only_a"], (nlohmann::json{"clone", "write"}));
  EXPECT_EQ(json["only_b"], (nlohmann::json{"socket"}));
  r = RunCommand({SysfenceBinary(), "compare", "--format", "csv", dir_.File("a.json"),
                  dir_.File("b.json")});
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "syscall,number,category,in_a,in_b,count_a,count_b");
  r = RunCommand({SysfenceBinary(), "compare", dir_.File("a.json"), dir_.File("b.json")});
  EXPECT_NE(r.out.find("Only in B (1):"), std::string::npos) << r.out;
  r = RunCommand({SysfenceBinary(), "compare", "--format", "yaml", dir_.File("a.json"),
                  dir_.File("b.json")});
  EXPECT_EQ(r.exit_code, 2);
}

// `compare --soundness`: each traced image against the static profile given for it, or
// against its own analysis (/bin/true is analysed here); the launcher's calls are not an
// image's; a miss exits 1 and names the call.
TEST_F(CliProfiles, SoundnessChecksEveryTracedImage) {
  std::string real_true = std::filesystem::canonical("/bin/true").string();
  WriteWholeFile(dir_.File("traced.json"),
                 R"({"sysfence":1,"kind":"dynamic","syscalls":["execve","read","write","exit_group"],)"
                 R"("images":{"[launcher]":["execve"],"/usr/bin/fake-tool":["read","write"],)"
                 R"(")" + real_true + R"(":["exit_group"]}})");
  WriteWholeFile(dir_.File("tool.json"),
                 R"({"sysfence":1,"kind":"static","target":"/usr/bin/fake-tool",)"
                 R"("syscalls":["read","openat"]})");
  auto r = RunCommand({SysfenceBinary(), "compare", "--soundness", dir_.File("traced.json"),
                       dir_.File("tool.json")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("/usr/bin/fake-tool: 2 traced, 2 static, missed: write\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(real_true + ": 1 traced, "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("[launcher]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missed: none"), std::string::npos) << r.out;

  WriteWholeFile(dir_.File("tool.json"),
                 R"({"sysfence":1,"kind":"static","target":"/usr/bin/fake-tool",)"
                 R"("syscalls":["read","write"]})");
  r = RunCommand({SysfenceBinary(), "compare", "--soundness", "--format", "json",
                  dir_.File("traced.json"), dir_.File("tool.json")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["sound"], true);
}

TEST_F(CliProfiles, SoundnessOfAnImageThatCannotBeAnalysedFails) {
  WriteWholeFile(dir_.File("traced.json"),
                 R"({"sysfence":1,"kind":"dynamic","syscalls":["read"],)"
                 R"("images":{"/no/such/program":["read"]}})");
  auto r = RunCommand({SysfenceBinary(), "compare", "--soundness", dir_.File("traced.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("/no/such/program: cannot analyse: ", 0), 0u) << r.out;
  // Not a dynamic profile first, or a dynamic one among the static ones: sysfence's own errors.
  r = RunCommand({SysfenceBinary(), "compare", "--soundness", dir_.File("a.json"),
                  dir_.File("a.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("a.json"), std::string::npos) << r.err;
  r = RunCommand({SysfenceBinary(), "compare", "--soundness", dir_.File("traced.json"),
                  dir_.File("a.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a static profile"), std::string::npos) << r.err;
  r = RunCommand({SysfenceBinary(), "compare", dir_.File("a.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("two profiles"), std::string::npos) << r.err;
}

TEST_F(CliProfiles, BadProfileIsOneLineErrorNamingFileAndNoOutputFile) {
  WriteWholeFile(dir_.File("bad.json"), R"({"sysfence":1,"syscalls":["read","frobnicate"]})");
  std::string out = dir_.File("out.json");
  auto r = RunCommand({SysfenceBinary(), "merge", "-o", out, dir_.File("a.json"),
                       dir_.File("bad.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.json"), std::string::npos);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(FileExists(out));

  r = RunCommand({SysfenceBinary(), "compare", dir_.File("missing.json"), dir_.File("a.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace sysfence::testing
