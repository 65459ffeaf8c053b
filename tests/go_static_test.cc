// `sysfence static` on Go programs: the Go test program (tests/programs/go: fake syscall
// numbers 600+ made every way a Go program makes calls, with and without cgo, stripped and
// position-independent builds) and Debian's umoci and skopeo on OCI image layouts
// (tests/soundness/go_oci.sh). What a traced run makes must be in the static set, no site of
// the standard library may stay unresolved, what does stay unresolved names the Go function
// that passes the number, and a kill-mode filter made from a static profile runs the
// workloads to their normal exit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "test_util.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

std::string GoProgram(const std::string& name) { return TestProgram("go/" + name); }

// `sysfence static` on `path` (with the user's cache: the objects are the same each time).
json StaticProfile(const std::string& path, const std::vector<std::string>& options = {}) {
  std::vector<std::string> argv = {SysfenceBinary(), "static"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(path);
  CommandResult r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

std::set<std::string> Syscalls(const json& profile) {
  std::set<std::string> names;
  for (const auto& name : profile.value("syscalls", json::array())) names.insert(name);
  return names;
}

// Traces `command` with `sysfence trace` and checks the profile with `sysfence compare
// --soundness`; every image must miss nothing, and each of `images` must have been checked.
void ExpectTracedCallsInStaticSets(const std::vector<std::string>& command,
                                   const std::vector<std::string>& images) {
  ScratchDir scratch;
  std::string traced = scratch.File("traced.json");
  std::vector<std::string> trace = {SysfenceBinary(), "trace", "-o", traced, "--"};
  trace.insert(trace.end(), command.begin(), command.end());
  CommandResult t = RunCommand(trace, 300);
  ASSERT_TRUE(FileExists(traced)) << "no profile from tracing " << command.front() << ": " << t.err;
  CommandResult r = RunCommand({SysfenceBinary(), "compare", "--soundness", traced}, 300);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& image : images) {
    std::string real = std::filesystem::canonical(image).string();
    size_t line = r.out.find(real + ": ");
    ASSERT_NE(line, std::string::npos) << real << " was not checked\n" << r.out;
    std::string text = r.out.substr(line, r.out.find('\n', line) - line);
    EXPECT_TRUE(text.ends_with("missed: none")) << text;
  }
}

class GoTestProgram : public ::testing::TestWithParam<std::string> {
 protected:
  bool cgo() const { return GetParam().find("cgo") != std::string::npos; }
};

TEST_P(GoTestProgram, FindsEveryMarkerAndLeavesNothingUnresolved) {
  json profile = StaticProfile(GoProgram(GetParam()));
  std::set<std::string> syscalls = Syscalls(profile);
  std::vector<int> markers = {600, 601, 602, 603, 604, 605, 606, 607, 608};
  if (cgo()) markers.push_back(609);
  for (int n : markers) {
    EXPECT_TRUE(syscalls.count("syscall_" + std::to_string(n))) << "missing marker " << n;
  }
  EXPECT_TRUE(profile["unresolved"].empty()) << profile["unresolved"].dump(2);
  // What the runtime needs in every Go program: threads, futexes, signals, the vDSO's
  // fallback for the clock.
  for (const char* name :
       {"clone", "futex", "rt_sigaction", "sigaltstack", "mmap", "clock_gettime", "exit_group"}) {
    EXPECT_TRUE(syscalls.count(name)) << name;
  }
  // Evidence names Go's functions, also in the stripped builds.
  std::set<std::string> functions;
  for (const auto& site : profile["evidence"]["syscall_600"]) functions.insert(site["function"]);
  EXPECT_TRUE(functions.count("runtime/internal/syscall.Syscall6")) << profile["evidence"].dump();
  functions.clear();
  for (const auto& site : profile["evidence"]["futex"]) functions.insert(site["function"]);
  EXPECT_TRUE(functions.count("runtime.futex")) << profile["evidence"]["futex"].dump();
}

TEST_P(GoTestProgram, TracedCallsAreInTheStaticSet) {
  ExpectTracedCallsInStaticSets({GoProgram(GetParam())}, {GoProgram(GetParam())});
}

INSTANTIATE_TEST_SUITE_P(Builds, GoTestProgram,
                         ::testing::Values("gomarkers_pure", "gomarkers_pure_stripped",
                                           "gomarkers_cgo", "gomarkers_cgo_stripped",
                                           "gomarkers_cgo_pie"));

TEST(GoStatic, StatsNameTheGoRelease) {
  CommandResult r = RunCommand({SysfenceBinary(), "static", "--stats", "-o", "/dev/null",
                                GoProgram("gomarkers_pure_stripped")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("gomarkers_pure_stripped built by Go (go1."), std::string::npos) << r.err;
}

TEST(GoStatic, ExplainsThroughGoFunctionNames) {
  CommandResult r = RunCommand({SysfenceBinary(), "static", "--explain-function",
                                "main.(*viaAssertion).MarkAsserted", "-o", "/dev/null",
                                GoProgram("gomarkers_cgo_stripped")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Go method table of "), std::string::npos) << r.out;
  // A number handed down: the path goes to the caller passing it, then along the wrappers.
  r = RunCommand({SysfenceBinary(), "static", "--explain", "syscall_603", "-o", "/dev/null",
                  GoProgram("gomarkers_pure_stripped")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"passes syscall_603 in %rax to main.wrapperOne", "passes it on in %rax to main.wrapperTwo",
        "passes it on in %rax to syscall.Syscall",
        "passes it on in %rax to runtime/internal/syscall.Syscall6", "syscall_603 site "}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  // ABI0: the number on the stack.
  r = RunCommand({SysfenceBinary(), "static", "--explain", "getpid", "-o", "/dev/null",
                  GoProgram("gomarkers_cgo")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("getpid site "), std::string::npos) << r.out;
  json from = StaticProfile(GoProgram("gomarkers_pure_stripped"),
                            {"--from", "main.(*viaAssertion).MarkAsserted"});
  EXPECT_EQ(from["from_function"]["function"], "main.(*viaAssertion).MarkAsserted");
  EXPECT_TRUE(Syscalls(from).count("syscall_605")) << from.dump();
}

TEST(GoStatic, UnresolvedSiteNamesTheGoFunctionPassingTheNumber) {
  CommandResult r = RunCommand({SysfenceBinary(), "static", GoProgram("gounresolved")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json profile = json::parse(r.out);
  ASSERT_EQ(profile["unresolved"].size(), 1u) << profile["unresolved"].dump(2);
  const json& site = profile["unresolved"][0];
  EXPECT_EQ(site["function"], "runtime/internal/syscall.Syscall6");
  std::string reason = site["reason"];
  EXPECT_NE(reason.find("in main.main ("), std::string::npos) << reason;
  EXPECT_NE(reason.find("syscall.Syscall ("), std::string::npos) << reason;
  EXPECT_NE(r.err.find("1 reachable syscall site with a number not determined statically"),
            std::string::npos)
      << r.err;
}

// Debian's umoci and skopeo (Go 1.19, cgo, stripped): init, new, config, unpack, repack,
// tag, ls, stat, rm, gc; copy and inspect.
class DebianGoPrograms : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {"/usr/bin/umoci", "/usr/bin/skopeo"}) {
      if (access(program, X_OK) != 0) GTEST_SKIP() << program << " is not installed";
    }
  }
  ScratchDir scratch_;
};

TEST_F(DebianGoPrograms, TracedCallsAreInTheStaticSet) {
  ExpectTracedCallsInStaticSets({"sh", SourceDir() + "/tests/soundness/go_oci.sh", scratch_.path()},
                                {"/usr/bin/umoci", "/usr/bin/skopeo"});
  for (const char* program : {"/usr/bin/umoci", "/usr/bin/skopeo"}) {
    json profile = StaticProfile(program);
    EXPECT_TRUE(profile["unresolved"].empty()) << program << profile["unresolved"].dump(2);
  }
}

// The Go toolchain (go and the tools go build runs), restic and caddy
// (tests/soundness/go_more.sh).
TEST_F(DebianGoPrograms, ToolchainResticAndCaddyMissNothing) {
  for (const char* program : {"/usr/bin/go", "/usr/bin/restic", "/usr/bin/caddy"}) {
    if (access(program, X_OK) != 0) GTEST_SKIP() << program << " is not installed";
  }
  ExpectTracedCallsInStaticSets(
      {"sh", SourceDir() + "/tests/soundness/go_more.sh", scratch_.path()},
      {"/usr/bin/go", "/usr/bin/gofmt", "/usr/lib/go-1.19/pkg/tool/linux_amd64/compile",
       "/usr/lib/go-1.19/pkg/tool/linux_amd64/link", "/usr/bin/restic", "/usr/bin/caddy",
       scratch_.File("module/program")});
}

TEST_F(DebianGoPrograms, RunUnderKillFiltersFromTheirStaticProfiles) {
  for (const char* program : {"umoci", "skopeo"}) {
    std::string profile = scratch_.File(std::string(program) + ".json");
    CommandResult made =
        RunCommand({SysfenceBinary(), "static", "-o", profile, std::string("/usr/bin/") + program});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  std::string layouts = scratch_.File("layouts");
  std::filesystem::create_directory(layouts);
  for (const char* program : {"umoci", "skopeo"}) {
    CommandResult r =
        RunCommand({"sh", SourceDir() + "/tests/soundness/go_oci.sh", layouts, program,
                    SysfenceBinary(), "run", "--profile",
                    scratch_.File(std::string(program) + ".json"), "--action", "kill", "--"});
    EXPECT_EQ(r.exit_code, 0) << program << ": " << r.out << r.err;
  }
  EXPECT_TRUE(std::filesystem::exists(layouts + "/copy/index.json"));
}

}  // namespace
}  // namespace sysfence::testing
