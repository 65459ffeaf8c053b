// Importing OCI and Docker seccomp JSON: allow-lists and deny-lists, Docker's includes and
// excludes as an amd64 container sees them, whole OCI config files, and one-line errors that
// name the file and field for malformed input.
#include "filter/seccomp_json_import.h"

#include <gtest/gtest.h>
#include <linux/audit.h>

#include "filter/filter_policy.h"
#include "seccomp/bpf_evaluator.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

Profile Import(std::string_view text) {
  Result<ImportedSeccomp> imported = ImportSeccompJson(text, "in.json");
  EXPECT_TRUE(imported.ok()) << imported.error().message();
  return imported.ok() ? imported->profile : Profile{};
}

std::string ImportError(std::string_view text) {
  Result<ImportedSeccomp> imported = ImportSeccompJson(text, "in.json");
  EXPECT_FALSE(imported.ok());
  return imported.ok() ? "" : imported.error().message();
}

TEST(ImportSeccomp, AllowListTakesNamesOfRulesThatLetCallsRun) {
  Profile profile = Import(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["unlink"], "action": "SCMP_ACT_LOG"},
      {"name": "close", "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(profile.syscalls,
            SyscallSet::FromNames({"read", "write", "personality", "unlink", "close"}).value());
  EXPECT_EQ(profile.soft_syscalls, SyscallSet::FromNames({"unlink"}).value());
  EXPECT_EQ(profile.kind, ProfileKind::kHybrid);
  EXPECT_EQ(profile.target, "in.json");
}

TEST(ImportSeccomp, DenyListIsTheTableMinusUnconditionalBlocks) {
  Profile profile = Import(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["ptrace", "kexec_load"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_MASKED_EQ"}]}]})");
  EXPECT_EQ(profile.syscalls.Size(), TotalSyscallCount() - 2);
  EXPECT_FALSE(profile.syscalls.Contains("ptrace"));
  EXPECT_TRUE(profile.syscalls.Contains("clone"));
  EXPECT_EQ(profile.kind, ProfileKind::kStatic);
}

TEST(ImportSeccomp, DockerRulesAreFilteredForAnAmd64ContainerWithDefaultCapabilities) {
  Result<ImportedSeccomp> imported = ImportSeccompJson(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [
      {"names": ["read", "socketcall", "arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["iopl"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}}]})",
                                                       "docker.json");
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  const Profile& profile = imported->profile;
  EXPECT_EQ(profile.syscalls, SyscallSet::FromNames({"read", "arch_prctl", "clone"}).value());
  EXPECT_TRUE(profile.compat_i386.contains("socketcall"));
  EXPECT_TRUE(profile.compat_i386.contains("read"));
  ASSERT_EQ(imported->notes.size(), 3u);  // other arches, capabilities, unknown names
  EXPECT_NE(imported->notes[2].find("arm_fadvise64_64"), std::string::npos);
}

// Docker's default profile's argument rules (moby profiles/seccomp/default.json): clone without
// namespace flags, personality with five values, socket without AF_VSOCK. The first two are
// kept as argument values, and written back they allow and deny the same calls.
TEST(ImportSeccomp, DockerArgumentRulesAreKeptAndRoundTrip) {
  Result<ImportedSeccomp> imported = ImportSeccompJson(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 131080, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
       "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
       "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]}]})",
                                                       "docker.json");
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  const Profile& profile = imported->profile;
  const int personality = *SyscallNumber("personality");
  const int clone = *SyscallNumber("clone");
  const int socket = *SyscallNumber("socket");
  EXPECT_EQ(profile.args.at(personality).at(0),
            (std::set<uint64_t>{0, 8, 131072, 131080, 4294967295}));
  // The table compares CLONE_VM and CLONE_THREAD too: Docker leaves them free.
  EXPECT_EQ(profile.args.at(clone).at(0), (std::set<uint64_t>{0, 0x100, 0x10000, 0x10100}));
  EXPECT_FALSE(profile.args.contains(socket)) << "'not AF_VSOCK' is not a set of values";
  ASSERT_FALSE(imported->notes.empty());
  EXPECT_NE(imported->notes.back().find("socket"), std::string::npos);

  // Written back as a filter, the same calls pass.
  FilterOptions options;
  Result<FilterPolicy> policy = MakeFilterPolicy(profile, options);
  ASSERT_TRUE(policy.ok());
  Result<CompiledFilter> filter = CompileFilterPolicy(*policy);
  ASSERT_TRUE(filter.ok()) << filter.error().message();
  Result<BpfEvaluator> evaluator = BpfEvaluator::Create(filter->program);
  ASSERT_TRUE(evaluator.ok());
  auto allowed = [&](int nr, uint64_t arg0) {
    seccomp_data data{};
    data.arch = AUDIT_ARCH_X86_64;
    data.nr = nr;
    data.args[0] = arg0;
    return evaluator->Evaluate(data).value == SECCOMP_RET_ALLOW;
  };
  EXPECT_TRUE(allowed(personality, 8));
  EXPECT_TRUE(allowed(personality, 0xffffffff));
  EXPECT_FALSE(allowed(personality, 0x0400000));  // READ_IMPLIES_EXEC
  EXPECT_TRUE(allowed(clone, 0x01200011));        // fork: CHILD_SETTID|CHILD_CLEARTID|SIGCHLD
  EXPECT_TRUE(allowed(clone, 0x003d0f00));        // a thread
  EXPECT_FALSE(allowed(clone, 0x10000011));       // CLONE_NEWUSER
  EXPECT_FALSE(allowed(clone, 0x40000000));       // CLONE_NEWNET
  EXPECT_TRUE(allowed(socket, 40)) << "kept as the whole call";
  EXPECT_FALSE(allowed(*SyscallNumber("clone3"), 0));
}

TEST(ImportSeccomp, MalformedArgumentConditionsAreErrorsNamingTheField) {
  for (const char* args : {R"("args": [{"value": 1, "op": "SCMP_CMP_EQ"}])",
                           R"("args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}])",
                           R"("args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}])",
                           R"("args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}])",
                           R"("args": [{"index": 0, "value": 1}])", R"("args": [3])"}) {
    SCOPED_TRACE(args);
    std::string text = std::string(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW", )") +
                       args + "}]}";
    Result<ImportedSeccomp> imported = ImportSeccompJson(text, "bad.json");
    ASSERT_FALSE(imported.ok());
    EXPECT_NE(imported.error().message().find("bad.json"), std::string::npos);
    EXPECT_NE(imported.error().message().find("syscalls[0].args[0]"), std::string::npos)
        << imported.error().message();
  }
}

TEST(ImportSeccomp, ReadsTheSeccompSectionOfAWholeOciConfig) {
  Profile profile = Import(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"]},
    "linux": {"namespaces": [], "seccomp": {"defaultAction": "SCMP_ACT_KILL_PROCESS",
      "syscalls": [{"names": ["exit_group"], "action": "SCMP_ACT_ALLOW"}]}}})");
  EXPECT_EQ(profile.syscalls, SyscallSet::FromNames({"exit_group"}).value());
  EXPECT_NE(ImportError(R"({"ociVersion": "1.0.2", "linux": {}})").find("linux.seccomp"),
            std::string::npos);
}

TEST(ImportSeccomp, MalformedInputIsAnErrorNamingFileAndField) {
  EXPECT_NE(ImportError("{").find("in.json: not valid JSON"), std::string::npos);
  EXPECT_NE(ImportError("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(ImportError(R"({"syscalls": []})").find("'defaultAction': missing"), std::string::npos);
  EXPECT_NE(ImportError(R"({"defaultAction": "SCMP_ACT_MAYBE"})").find("unknown action"),
            std::string::npos);
  EXPECT_NE(ImportError(R"({"defaultAction": 3})").find("expected a string"), std::string::npos);
  EXPECT_NE(ImportError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})")
                .find("'syscalls': expected an array"),
            std::string::npos);
  EXPECT_NE(
      ImportError(
          R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [1], "action": "SCMP_ACT_ALLOW"}]})")
          .find("syscalls[0].names"),
      std::string::npos);
  EXPECT_NE(ImportError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]})")
                .find("needs 'action'"),
            std::string::npos);
  EXPECT_NE(
      ImportError(
          R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": 5}]})")
          .find("syscalls[0].args"),
      std::string::npos);
  std::string deep(10000, '[');
  EXPECT_NE(ImportError(deep).find("nested more than"), std::string::npos);
  std::string long_name(100, 'a');
  EXPECT_NE(ImportError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [")" +
                        long_name + R"("], "action": "SCMP_ACT_ALLOW"}]})")
                .find("implausibly long"),
            std::string::npos);
}

}  // namespace
}  // namespace sysfence
