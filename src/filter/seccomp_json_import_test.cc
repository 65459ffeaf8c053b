// Importing OCI and Docker seccomp JSON: allow-lists and deny-lists, Docker's includes and
// excludes as an amd64 container sees them, whole OCI config files, and one-line errors that
// name the file and field for malformed input.
#include "filter/seccomp_json_import.h"

#include <gtest/gtest.h>

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
