// `sysfence filter`, `merge --hybrid` and `import-seccomp` as a user runs them: every format
// is written, hybrid profiles come out of merge, imported OCI profiles compare with the
// original, and bad input gets a one-line error, exit status 2 and no output file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

class FilterCli : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteWholeFile(profile_, R"({"sysfence": 1, "target": "/usr/bin/diff",
      "syscalls": ["read", "write", "openat", "close", "exit_group", "execve", "mmap", "brk"],
      "phases": [{"name": "init", "syscalls": ["execve", "brk", "mmap", "openat"]},
                 {"name": "working", "syscalls": ["read", "write", "close", "exit_group"]}]})");
  }

  // Runs sysfence and expects the one-line error of bad input: exit 2, `culprit` named, no
  // output file.
  void ExpectBadInput(std::vector<std::string> args, const std::string& culprit) {
    std::string out = dir_.File("out.bad");
    args.insert(args.begin(), SysfenceBinary());
    args.insert(args.begin() + 2, {"-o", out});
    CommandResult r = RunCommand(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(culprit), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(FileExists(out));
  }

  ScratchDir dir_;
  std::string profile_ = dir_.File("diff.json");
};

TEST_F(FilterCli, WritesEveryFormat) {
  for (std::string format : {"oci", "docker", "systemd", "minijail", "bpf", "pfc", "c"}) {
    std::string out = dir_.File("filter." + format);
    CommandResult r =
        RunCommand({SysfenceBinary(), "filter", "--format", format, "-o", out, profile_});
    EXPECT_EQ(r.exit_code, 0) << format << ": " << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    std::string text = ReadWholeFile(out);
    EXPECT_FALSE(text.empty()) << format;
    if (format == "bpf") {
      EXPECT_EQ(text.size() % 8, 0u);
    }
  }
  CommandResult to_stdout = RunCommand({SysfenceBinary(), "filter", "--format", "oci", profile_});
  EXPECT_EQ(json::parse(to_stdout.out)["defaultAction"], "SCMP_ACT_ERRNO");
}

TEST_F(FilterCli, PhaseOptionExportsThatPhasesSet) {
  CommandResult r = RunCommand({SysfenceBinary(), "filter", "--format", "oci", "--action", "kill",
                                "--phase", "working", profile_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json oci = json::parse(r.out);
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  EXPECT_EQ(oci["syscalls"][0]["names"], json({"close", "exit_group", "read", "write"}));
}

TEST_F(FilterCli, BadInputIsOneLineExitTwoAndNoOutputFile) {
  ExpectBadInput({"filter", "--format", "oci", dir_.File("missing.json")}, "missing.json");
  WriteWholeFile(dir_.File("unknown.json"),
                 R"({"sysfence": 1, "syscalls": ["read", "frobnicate"]})");
  ExpectBadInput({"filter", "--format", "oci", dir_.File("unknown.json")}, "frobnicate");
  ExpectBadInput({"filter", "--format", "yaml", profile_}, "'yaml'");
  ExpectBadInput({"filter", "--format", "oci", "--action", "explode", profile_}, "'explode'");
  ExpectBadInput({"filter", "--format", "oci", "--soft-action", "kill", profile_}, "--soft-action");
  ExpectBadInput({"filter", "--format", "oci", "--phase", "session", profile_}, "'session'");
  ExpectBadInput({"filter", "--format", "systemd", "--action", "trap", profile_}, "trap");
  ExpectBadInput({"import-seccomp", profile_}, "defaultAction");
}

TEST_F(FilterCli, MergeHybridMarksStaticOnlyCallsSoft) {
  WriteWholeFile(dir_.File("static.json"), R"({"sysfence": 1, "kind": "static",
    "syscalls": ["read", "write", "openat", "close", "socket", "unlink"]})");
  std::string out = dir_.File("hybrid.json");
  CommandResult r = RunCommand(
      {SysfenceBinary(), "merge", "--hybrid", "-o", out, dir_.File("static.json"), profile_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json hybrid = json::parse(ReadWholeFile(out));
  EXPECT_EQ(hybrid["kind"], "hybrid");
  EXPECT_EQ(hybrid["soft_syscalls"], json({"socket", "unlink"}));
  EXPECT_EQ(hybrid["syscalls"].size(), 10u);

  r = RunCommand({SysfenceBinary(), "filter", "--format", "oci", "--action", "kill", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json oci = json::parse(r.out);
  EXPECT_EQ(oci["syscalls"][1],
            json({{"action", "SCMP_ACT_LOG"}, {"names", {"socket", "unlink"}}}));
  r = RunCommand({SysfenceBinary(), "filter", "--format", "oci", "--soft-action", "errno", out});
  EXPECT_EQ(json::parse(r.out)["syscalls"].size(), 1u);  // errno soft = the errno default

  std::string bad = dir_.File("bad-hybrid.json");
  r = RunCommand({SysfenceBinary(), "merge", "--hybrid", "-o", bad, profile_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly two"), std::string::npos);
  r = RunCommand(
      {SysfenceBinary(), "merge", "--hybrid", "-o", bad, profile_, dir_.File("static.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("static first"), std::string::npos) << r.err;
  EXPECT_FALSE(FileExists(bad));
}

TEST_F(FilterCli, ImportedOciProfileComparesEqualToTheOriginal) {
  std::string oci = dir_.File("seccomp.json");
  std::string imported = dir_.File("imported.json");
  ASSERT_EQ(
      RunCommand({SysfenceBinary(), "filter", "--format", "docker", "-o", oci, profile_}).exit_code,
      0);
  CommandResult r = RunCommand({SysfenceBinary(), "import-seccomp", "-o", imported, oci});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(ReadWholeFile(imported))["target"], oci);
  r = RunCommand({SysfenceBinary(), "compare", "--format", "json", profile_, imported});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json comparison = json::parse(r.out);
  EXPECT_TRUE(comparison["only_a"].empty()) << r.out;
  EXPECT_TRUE(comparison["only_b"].empty()) << r.out;
}

}  // namespace
}  // namespace sysfence::testing
