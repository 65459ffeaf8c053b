// `sysfence study` on study directories (docs/STUDY.md): the checked-in diff and SSH studies
// give the sets and phases the former C++ study runner gave (tests/data/study_baseline.json);
// a study of tar written in a temporary directory runs like any checked-in one; a service
// study starts, traces and stops its server; mistakes in a study directory are clear errors
// that leave no report behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) { return json::parse(ReadWholeFile(path)); }

std::string PackageVersion(const std::string& package) {
  CommandResult r = RunCommand({"dpkg-query", "-W", "-f=${Version}", package});
  return r.exit_code == 0 ? r.out : "";
}

const json* FindProgram(const json& data, const std::string& name) {
  for (const json& program : data["programs"]) {
    if (program["name"] == name) return &program;
  }
  return nullptr;
}

class StudyCli : public ::testing::Test {
 protected:
  ScratchDir scratch_;
};

// The rewrite of diff and SSH as study directories changed no set and no phase. The baseline
// was recorded with the package versions it names; with others the traced sets may differ.
TEST_F(StudyCli, DiffAndSshGiveTheSetsAndPhasesOfTheFormerRunner) {
  json baseline = ReadJson(SourceDir() + "/tests/data/study_baseline.json");
  for (const auto& [package, version] : baseline["packages"].items()) {
    if (PackageVersion(package) != version.get<std::string>()) {
      GTEST_SKIP() << "the baseline was recorded with " << package << " " << version
                   << "; this machine has " << PackageVersion(package);
    }
  }
  if (geteuid() != 0) GTEST_SKIP() << "the SSH study needs root";
  for (const auto& [study, programs] : baseline["studies"].items()) {
    std::string out = scratch_.File(study);
    CommandResult r = RunCommand({SysfenceBinary(), "study", study, "-o", out}, 600);
    ASSERT_EQ(r.exit_code, 0) << study << ":\n" << r.out << r.err;
    json data = ReadJson(out + "/data.json");
    ASSERT_EQ(data["programs"].size(), programs.size()) << study;
    for (const json& expected : programs) {
      std::string name = expected["name"];
      const json* got = FindProgram(data, name);
      ASSERT_NE(got, nullptr) << study << ": " << name;
      EXPECT_EQ((*got)["runs"], expected["runs"]) << name;
      EXPECT_EQ((*got)["dynamic"], expected["dynamic"]) << name;
      ASSERT_EQ((*got)["phases"].size(), expected["phases"].size()) << name;
      for (size_t i = 0; i < expected["phases"].size(); ++i) {
        EXPECT_EQ((*got)["phases"][i]["name"], expected["phases"][i]["name"]) << name;
        EXPECT_EQ((*got)["phases"][i]["syscalls"], expected["phases"][i]["syscalls"])
            << name << ", phase " << expected["phases"][i]["name"];
      }
    }
    // The static sets are `sysfence static`'s, and nothing traced is missing from them.
    EXPECT_TRUE(data["soundness_failures"].empty()) << data["soundness_failures"].dump();
    for (const json& program : data["programs"]) {
      std::string binary = program["binary"];
      if (binary.find(" + ") != std::string::npos) continue;  // a combined row
      std::string profile = scratch_.File("static.json");
      ASSERT_EQ(RunCommand({SysfenceBinary(), "static", "-o", profile, binary}, 300).exit_code, 0);
      EXPECT_EQ(program["static"], ReadJson(profile)["syscalls"]) << binary;
    }
    for (const char* file : {"index.html", "report.md", "figure1.svg"}) {
      EXPECT_TRUE(FileExists(out + "/" + file)) << study << ": " << file;
    }
  }
}

// A new study is a directory of text files: here tar, written from nothing.
TEST_F(StudyCli, ATarStudyWrittenInATemporaryDirectoryRuns) {
  std::string dir = scratch_.File("tar");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt",
                 "# tar: archives made, listed and extracted\n"
                 "title GNU tar, created and extracted\n"
                 "packages tar gzip\n"
                 "inputs inputs.sh\n"
                 "program tar tar\n"
                 "runs tar runs.txt\n");
  WriteWholeFile(dir + "/inputs.sh",
                 "set -eu\nmkdir -p \"$1/tree/sub\"\ncd \"$1\"\n"
                 "echo one > tree/a.txt\necho two > tree/sub/b.txt\nln -s a.txt tree/link\n");
  WriteWholeFile(dir + "/runs.txt",
                 "create         | tar -cf {work}/t.tar -C {in} tree\n"
                 "create gzipped | tar -czf {work}/t.tgz -C {in} tree\n"
                 "list           | tar -tvf {work}/t.tar\n"
                 "extract        | tar -xf {work}/t.tar -C {work}\n"
                 "missing        | tar -xf {work}/none.tar\n");
  std::string out = scratch_.File("report");
  CommandResult r = RunCommand({SysfenceBinary(), "study", dir, "-o", out}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("sysfence study tar: 5 runs traced"), std::string::npos) << r.out;
  json data = ReadJson(out + "/data.json");
  EXPECT_EQ(data["study"], "tar");
  EXPECT_EQ(data["title"], "GNU tar, created and extracted");
  ASSERT_EQ(data["programs"].size(), 1u);
  const json& tar = data["programs"][0];
  EXPECT_EQ(tar["runs"], 5);
  EXPECT_GT(tar["dynamic_count"].get<int>(), 20);
  EXPECT_GE(tar["static_count"].get<int>(), tar["dynamic_count"].get<int>());
  EXPECT_TRUE(tar["only_dynamic"].empty()) << tar["only_dynamic"].dump();
  // The archive is made and read: tar's own calls, the gzip child's are not tar's.
  for (const char* call : {"openat", "write", "symlinkat", "mkdirat"}) {
    EXPECT_NE(std::find(tar["dynamic"].begin(), tar["dynamic"].end(), call), tar["dynamic"].end())
        << call;
  }
  EXPECT_EQ(data["runs"][4]["exit_status"], 2) << "the missing archive fails";
  EXPECT_TRUE(FileExists(out + "/index.html"));
}

// A service traced from start to stop: a Python HTTP server (its program is the interpreter),
// an untraced helper before it, clients that fetch from it, and phases of the service.
TEST_F(StudyCli, AServiceIsStartedTracedAndStopped) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  std::string dir = scratch_.File("http");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt",
                 "title Python's HTTP server\n"
                 "ports port\n"
                 "inputs inputs.sh\n"
                 "program server /usr/bin/python3\n"
                 "program client /usr/bin/curl\n"
                 "runs client runs.txt must-succeed\n"
                 "phases server phases.txt\n"
                 "helper /bin/sh -c 'touch {work}/helper-ran; exec sleep 600'\n"
                 "ready file {work}/helper-ran\n"
                 "service server /usr/bin/python3 -m http.server {port} --bind 127.0.0.1 "
                 "--directory {in}\n"
                 "ready tcp {port}\n"
                 "stop signal INT\n");
  WriteWholeFile(dir + "/inputs.sh", "mkdir -p \"$1\"\necho hello > \"$1/hello.txt\"\n");
  WriteWholeFile(dir + "/phases.txt", "first startup\nserving=syscall:accept4\n");
  WriteWholeFile(dir + "/runs.txt",
                 "fetch  | curl -s -o {work}/got.txt http://127.0.0.1:{port}/hello.txt\n"
                 "listing | curl -s -o /dev/null http://127.0.0.1:{port}/\n");
  std::string out = scratch_.File("report");
  std::string work = scratch_.File("work");
  CommandResult r =
      RunCommand({SysfenceBinary(), "study", dir, "-o", out, "--work-dir", work}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json data = ReadJson(out + "/data.json");
  const json* server = FindProgram(data, "server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ((*server)["runs"], 1);
  ASSERT_EQ((*server)["phases"].size(), 2u) << (*server)["phases"].dump();
  json serving = (*server)["phases"][1]["syscalls"];
  EXPECT_NE(std::find(serving.begin(), serving.end(), "accept4"), serving.end());
  json startup = (*server)["phases"][0]["syscalls"];
  EXPECT_NE(std::find(startup.begin(), startup.end(), "bind"), startup.end());
  EXPECT_EQ(std::find(serving.begin(), serving.end(), "bind"), serving.end());
  // Nothing of the study is left running: no process names its scratch directory.
  CommandResult left = RunCommand({"pgrep", "-a", "-f", work});
  EXPECT_EQ(left.out, "") << "left running";
}

TEST_F(StudyCli, MistakesInAStudyDirectoryAreClearErrorsWithNoReport) {
  std::string out = scratch_.File("report");
  CommandResult missing = RunCommand({SysfenceBinary(), "study", "/nonexistent/study", "-o", out});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/study: not a study directory"), std::string::npos)
      << missing.err;
  CommandResult unknown = RunCommand({SysfenceBinary(), "study", "nosuchstudy", "-o", out});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown study 'nosuchstudy'"), std::string::npos) << unknown.err;

  std::string dir = scratch_.File("bad");
  std::filesystem::create_directories(dir);
  WriteWholeFile(dir + "/study.txt", "program tar tar\nruns tar runs.txt\nready tcp 1\n");
  WriteWholeFile(dir + "/runs.txt", "list | tar --version\n");
  CommandResult bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dir + "/study.txt:3: 'ready' before any service"), std::string::npos)
      << bad.err;
  WriteWholeFile(dir + "/study.txt", "program tar tar\nruns tar nothere.txt\n");
  bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("names nothere.txt, which is not in"), std::string::npos) << bad.err;
  WriteWholeFile(dir + "/study.txt", "program tar /no/such/tar\nruns tar runs.txt\n");
  bad = RunCommand({SysfenceBinary(), "study", dir, "-o", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("the study needs /no/such/tar"), std::string::npos) << bad.err;
  EXPECT_FALSE(FileExists(out)) << "no report for a study that did not run";
}

}  // namespace
}  // namespace sysfence::testing
