// Real consumers load what `sysfence filter` writes: crun (an OCI runtime) runs a busybox
// container under the OCI output and under the Docker output (reduced to OCI as Docker's
// daemon does it); bubblewrap loads the raw BPF with --seccomp FD; systemd-analyze knows the
// names of the systemd output; a C program that includes the C header sandboxes itself.
// Each test skips, saying why, when its consumer cannot run on this machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>

#include "crun_container.h"
#include "test_util.h"
#include "traced_profile.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

bool Have(const std::string& program) {
  return RunShell("command -v " + program + " >/dev/null").exit_code == 0;
}

std::string Filter(const std::string& profile, const std::string& format, const std::string& action,
                   const std::string& out) {
  CommandResult r = RunCommand(
      {SysfenceBinary(), "filter", "--format", format, "--action", action, "-o", out, profile});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ReadWholeFile(out);
}

// What Docker's daemon hands the runtime for an amd64 container: the archMap entry for x86-64
// becomes `architectures`, and rules lose their includes/excludes (ours have none).
json DockerToOci(const json& docker) {
  json oci = {{"defaultAction", docker["defaultAction"]}, {"syscalls", json::array()}};
  if (docker.contains("defaultErrnoRet")) oci["defaultErrnoRet"] = docker["defaultErrnoRet"];
  json architectures = json::array();
  for (const json& entry : docker["archMap"]) {
    if (entry["architecture"] != "SCMP_ARCH_X86_64") continue;
    architectures.push_back(entry["architecture"]);
    for (const json& sub : entry["subArchitectures"]) architectures.push_back(sub);
  }
  oci["architectures"] = architectures;
  for (json rule : docker["syscalls"]) {
    rule.erase("includes");
    rule.erase("excludes");
    oci["syscalls"].push_back(rule);
  }
  return oci;
}

class Crun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::optional<std::string> why = CrunUnavailable()) GTEST_SKIP() << *why;
    if (!Have("busybox")) GTEST_SKIP() << "busybox is not installed (scripts/install-deps.sh)";
    busybox_ = RunShell("command -v busybox").out;
    busybox_.erase(busybox_.find_last_not_of('\n') + 1);
    ASSERT_EQ(RunShell("mkdir -p " + dir_.File("rootfs/bin") + " && cp " + busybox_ + " " +
                       dir_.File("rootfs/bin/busybox"))
                  .exit_code,
              0);
    container_.emplace(dir_.File("bundle"), dir_.File("rootfs"),
                       std::vector<std::string>{"/bin/busybox", "echo", "hi"});

    profile_.Trace({busybox_, "echo", "hi"});
    // crun closes one descriptor between installing the filter and exec: a container's
    // profile must allow what its runtime does after that point.
    profile_.Add("close");
    profile_.Write();
  }

  CommandResult RunContainer(const json& seccomp) { return container_->Run(seccomp); }

  ScratchDir dir_;
  std::string busybox_;
  std::optional<CrunContainer> container_;
  TracedProfile profile_{dir_.File("busybox.json"), "/bin/busybox"};
};

TEST_F(Crun, RunsAContainerUnderTheOciAndDockerOutputs) {
  json oci = json::parse(Filter(profile_.path(), "oci", "errno", dir_.File("oci.json")));
  // The traced profile has argument values: crun loads entries with `args` too.
  EXPECT_TRUE(std::any_of(oci["syscalls"].begin(), oci["syscalls"].end(), [](const json& entry) {
    return entry.contains("args");
  })) << oci.dump();
  CommandResult r = RunContainer(oci);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");

  json docker = json::parse(Filter(profile_.path(), "docker", "kill", dir_.File("docker.json")));
  r = RunContainer(DockerToOci(docker));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
}

TEST_F(Crun, EnforcesTheFilterInsideTheContainer) {
  profile_.Remove("write");
  profile_.Write();
  json oci = json::parse(Filter(profile_.path(), "oci", "kill", dir_.File("oci.json")));
  CommandResult r = RunContainer(oci);
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Crun, AcceptsTheI386ListingAndNamesOnlyI386Has) {
  profile_.Write(R"("compat_syscalls": {"i386": {"socketcall": 1}})");
  json oci = json::parse(Filter(profile_.path(), "oci", "errno", dir_.File("oci.json")));
  ASSERT_EQ(oci["architectures"], json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  CommandResult r = RunContainer(oci);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
}

class Bubblewrap : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Have("bwrap")) GTEST_SKIP() << "bwrap is not installed (scripts/install-deps.sh)";
    if (RunCommand({"bwrap", "--bind", "/", "/", "--", "/bin/true"}).exit_code != 0) {
      GTEST_SKIP() << "bwrap cannot create a sandbox here";
    }
    profile_.Trace({TestProgram("probe_calls")});
    profile_.Add("syscall_600");
    profile_.Write();
  }

  CommandResult RunWithBpf(const std::string& bpf, const std::string& args) {
    return RunShell("bwrap --bind / / --dev /dev --seccomp 3 -- " + TestProgram("probe_calls") +
                    " " + args + " 3<" + bpf);
  }

  ScratchDir dir_;
  TracedProfile profile_{dir_.File("probe.json"), TestProgram("probe_calls")};
};

TEST_F(Bubblewrap, LoadsTheRawBpfOutput) {
  std::string bpf = dir_.File("errno.bpf");
  Filter(profile_.path(), "bpf", "errno", bpf);
  CommandResult r = RunWithBpf(bpf, "600 601");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "probe_calls: start\n600 ret=-1 errno=38\n601 ret=-1 errno=1\n");

  std::string kill = dir_.File("kill.bpf");
  Filter(profile_.path(), "bpf", "kill", kill);
  r = RunWithBpf(kill, "600 601");
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.err;
  EXPECT_EQ(r.out, "probe_calls: start\n600 ret=-1 errno=38\n");
}

// The names `systemd-analyze syscall-filter @known` lists: what this systemd understands.
std::set<std::string> SystemdKnownNames() {
  CommandResult r = RunCommand({"systemd-analyze", "syscall-filter", "@known"});
  std::set<std::string> names;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line[start] == '#' || line[start] == '@') continue;
    names.insert(line.substr(start));
  }
  return names;
}

std::vector<std::string> FilterNames(const std::string& snippet) {
  std::vector<std::string> names;
  size_t at = snippet.find("\nSystemCallFilter=");
  if (at == std::string::npos) return names;
  std::istringstream words(snippet.substr(at + 18, snippet.find('\n', at + 1) - at - 18));
  for (std::string word; words >> word;) names.push_back(word);
  return names;
}

TEST(Systemd, EveryNameOfATracedProfileIsKnownToSystemdAnalyze) {
  if (!Have("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  std::set<std::string> known = SystemdKnownNames();
  ASSERT_GT(known.size(), 300u);
  ScratchDir dir;
  TracedProfile profile(dir.File("tools.json"), "several tools");
  WriteWholeFile(dir.File("a"), "one\ntwo\n");
  WriteWholeFile(dir.File("b"), "one\nthree\n");
  profile.Trace({"diff", "-u", dir.File("a"), dir.File("b")});
  profile.Trace({"/bin/sh", "-c", "ls / | sort > /dev/null; cat " + dir.File("a")});
  profile.Trace({"ssh", "-G", "-F", "/dev/null", "localhost"});
  profile.Write();
  std::string snippet = Filter(profile.path(), "systemd", "kill", dir.File("unit.conf"));
  std::vector<std::string> names = FilterNames(snippet);
  ASSERT_GT(names.size(), 20u) << snippet;
  for (const std::string& name : names) EXPECT_TRUE(known.contains(name)) << name;
}

TEST(Systemd, TableNamesUnknownToSystemdAreOnlyRemovedOrNewerCalls) {
  if (!Have("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  std::set<std::string> known = SystemdKnownNames();
  ScratchDir dir;
  // Every syscall of the table, from the deny-nothing OCI profile read back.
  WriteWholeFile(dir.File("all.oci"), R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  ASSERT_EQ(RunCommand({SysfenceBinary(), "import-seccomp", "-o", dir.File("all.json"),
                        dir.File("all.oci")})
                .exit_code,
            0);
  std::vector<std::string> names =
      FilterNames(Filter(dir.File("all.json"), "systemd", "errno", dir.File("all.conf")));
  ASSERT_GT(names.size(), 370u);
  // Calls x86-64 never implemented or removed long ago, which systemd does not list.
  const std::set<std::string> removed = {
      "uselib",  "_sysctl", "create_module", "get_kernel_syms", "query_module", "nfsservctl",
      "getpmsg", "putpmsg", "afs_syscall",   "tuxcall",         "security",     "vserver"};
  for (const std::string& name : names) {
    if (known.contains(name) || removed.contains(name)) continue;
    CommandResult number = RunCommand({SysfenceBinary(), "numbers", name});
    // Newer than this systemd (252 knows the calls up to 450).
    EXPECT_GE(std::stoi(number.out), 451) << name;
  }
}

TEST(CHeader, AProgramThatIncludesItSandboxesItself) {
  if (!Have("cc")) GTEST_SKIP() << "no C compiler";
  ScratchDir dir;
  TracedProfile profile(dir.File("probe.json"), TestProgram("probe_calls"));
  profile.Trace({TestProgram("probe_calls")});
  profile.Add("syscall_600");
  profile.Write();
  WriteWholeFile(dir.File("main.c"), R"(#include <errno.h>
#include <stdio.h>
#include "filter.h"
int main(void) {
  long ret;
  if (sysfence_install_filter() != 0) {
    perror("sysfence_install_filter");
    return 3;
  }
  ret = syscall(600);
  dprintf(1, "600 ret=%ld errno=%d\n", ret, errno);
  ret = syscall(601);
  dprintf(1, "601 ret=%ld errno=%d\n", ret, errno);
  return 0;
}
)");
  for (std::string action : {"errno", "kill"}) {
    Filter(profile.path(), "c", action, dir.File("filter.h"));
    CommandResult cc = RunCommand({"cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                                   "-o", dir.File("self_sandbox"), dir.File("main.c")});
    ASSERT_EQ(cc.exit_code, 0) << cc.err;
    CommandResult r = RunCommand({dir.File("self_sandbox")});
    if (action == "errno") {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, "600 ret=-1 errno=38\n601 ret=-1 errno=1\n");
    } else {
      EXPECT_EQ(r.exit_code, 128 + SIGSYS);
      EXPECT_EQ(r.out, "600 ret=-1 errno=38\n");
    }
  }
}

}  // namespace
}  // namespace sysfence::testing
