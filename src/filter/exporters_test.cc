// The exporters: the raw BPF output decides every call as the profile says (checked in the
// user-space evaluator for each default action and for a hybrid profile), OCI and Docker
// outputs read back to the same set, and the systemd, minijail and C outputs say what the
// profile says in their own terms.
#include "filter/exporters.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "filter/filter_test_util.h"
#include "filter/seccomp_json_import.h"
#include "seccomp/bpf_program.h"

namespace sysfence {
namespace {

using nlohmann::json;

Profile DiffLikeProfile() {
  Profile profile;
  profile.target = "/usr/bin/diff";
  profile.syscalls =
      SyscallSet::FromNames(
          {"access",          "arch_prctl",      "brk",     "close",     "execve",   "exit_group",
           "fstat",           "getrandom",       "lseek",   "mmap",      "mprotect", "munmap",
           "newfstatat",      "openat",          "pread64", "prlimit64", "read",     "rseq",
           "set_robust_list", "set_tid_address", "write"})
          .value();
  return profile;
}

Profile HybridProfile() {
  Profile profile = DiffLikeProfile();
  profile.kind = ProfileKind::kHybrid;
  SyscallSet soft = SyscallSet::FromNames({"socket", "connect", "unlink", "rt_sigaction"}).value();
  profile.syscalls |= soft;
  profile.soft_syscalls = soft;
  return profile;
}

FilterPolicy Policy(const Profile& profile, FilterAction action = FilterAction::kErrno,
                    FilterAction soft_action = FilterAction::kLog) {
  FilterOptions options;
  options.action = action;
  options.soft_action = soft_action;
  Result<FilterPolicy> policy = MakeFilterPolicy(profile, options);
  EXPECT_TRUE(policy.ok());
  return *policy;
}

std::string Export(const FilterPolicy& policy, ExportFormat format) {
  Result<ExportedFilter> out = ExportFilter(policy, format);
  EXPECT_TRUE(out.ok()) << out.error().message();
  return out.ok() ? out->contents : "";
}

TEST(ExportBpf, EveryActionAndHybridProfileDecidesEveryCallAsThePolicySays) {
  Profile with_compat = DiffLikeProfile();
  with_compat.compat_i386 = {{"socketcall", 1}, {"write", 1}};
  with_compat.syscalls.Insert(600);
  for (const Profile& profile : {DiffLikeProfile(), with_compat, HybridProfile()}) {
    for (FilterAction action :
         {FilterAction::kErrno, FilterAction::kKill, FilterAction::kTrap, FilterAction::kLog}) {
      for (FilterAction soft : {FilterAction::kLog, FilterAction::kErrno}) {
        SCOPED_TRACE(fmt::format("{} / soft {} / {} calls", FilterActionName(action),
                                 FilterActionName(soft), profile.syscalls.Size()));
        FilterPolicy policy = Policy(profile, action, soft);
        Result<BpfProgram> program = BpfProgramFromBytes(Export(policy, ExportFormat::kBpf), "bpf");
        ASSERT_TRUE(program.ok()) << program.error().message();
        testing::ExpectProgramMatchesPolicy(policy, *program);
      }
    }
  }
}

TEST(ExportOci, HasDefaultErrnoArchitecturesAndOneAllowRule) {
  json oci = json::parse(Export(Policy(DiffLikeProfile()), ExportFormat::kOci));
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(oci["defaultErrnoRet"], 1);
  EXPECT_EQ(oci["architectures"], json({"SCMP_ARCH_X86_64"}));
  ASSERT_EQ(oci["syscalls"].size(), 1u);
  EXPECT_EQ(oci["syscalls"][0]["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(oci["syscalls"][0]["names"].size(), 21u);

  json kill =
      json::parse(Export(Policy(DiffLikeProfile(), FilterAction::kKill), ExportFormat::kOci));
  EXPECT_EQ(kill["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  EXPECT_FALSE(kill.contains("defaultErrnoRet"));
}

TEST(ExportOci, RoundTripGivesTheSameSet) {
  for (ExportFormat format : {ExportFormat::kOci, ExportFormat::kDocker}) {
    for (FilterAction action : {FilterAction::kErrno, FilterAction::kKill, FilterAction::kTrap}) {
      Profile profile = DiffLikeProfile();
      Result<ImportedSeccomp> back =
          ImportSeccompJson(Export(Policy(profile, action), format), "exported.json");
      ASSERT_TRUE(back.ok()) << back.error().message();
      EXPECT_EQ(back->profile.syscalls, profile.syscalls);
      EXPECT_TRUE(back->profile.compat_i386.empty());
      EXPECT_TRUE(back->notes.empty());
    }
  }
}

TEST(ExportOci, HybridRoundTripKeepsSoftCallsAsLogRules) {
  for (ExportFormat format : {ExportFormat::kOci, ExportFormat::kDocker}) {
    Profile profile = HybridProfile();
    std::string text = Export(Policy(profile, FilterAction::kKill), format);
    json exported = json::parse(text);
    ASSERT_EQ(exported["syscalls"].size(), 2u);
    EXPECT_EQ(exported["syscalls"][1]["action"], "SCMP_ACT_LOG");
    Result<ImportedSeccomp> back = ImportSeccompJson(text, "hybrid.json");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->profile.kind, ProfileKind::kHybrid);
    EXPECT_EQ(back->profile.syscalls, profile.syscalls);
    EXPECT_EQ(back->profile.soft_syscalls, profile.soft_syscalls);
  }
  // Soft errno: the soft calls are blocked with EPERM, so they are not in the set read back.
  json errno_soft = json::parse(Export(
      Policy(HybridProfile(), FilterAction::kKill, FilterAction::kErrno), ExportFormat::kOci));
  EXPECT_EQ(errno_soft["syscalls"][1]["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(errno_soft["syscalls"][1]["errnoRet"], 1);
}

TEST(ExportOci, UnnamedNumbersAreLeftOutWithANote) {
  Profile profile = DiffLikeProfile();
  profile.syscalls.Insert(600);
  Result<ExportedFilter> out = ExportFilter(Policy(profile), ExportFormat::kOci);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->notes.size(), 1u);
  EXPECT_NE(out->notes[0].find("syscall_600"), std::string::npos);
  EXPECT_EQ(out->contents.find("syscall_600"), std::string::npos);
}

TEST(ExportDocker, UsesArchMapWithSubArchitecturesForI386) {
  Profile profile = DiffLikeProfile();
  json plain = json::parse(Export(Policy(profile), ExportFormat::kDocker));
  EXPECT_EQ(plain["archMap"][0]["architecture"], "SCMP_ARCH_X86_64");
  EXPECT_TRUE(plain["archMap"][0]["subArchitectures"].empty());
  profile.compat_i386 = {{"socketcall", 3}};
  Result<ExportedFilter> out = ExportFilter(Policy(profile), ExportFormat::kDocker);
  ASSERT_TRUE(out.ok());
  json compat = json::parse(out->contents);
  EXPECT_EQ(compat["archMap"][0]["subArchitectures"], json({"SCMP_ARCH_X86"}));
  EXPECT_EQ(out->notes.size(), 1u);  // i386 is widened to the x86-64 names
  Result<ImportedSeccomp> back = ImportSeccompJson(out->contents, "docker.json");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->profile.syscalls, profile.syscalls);
  EXPECT_TRUE(back->profile.compat_i386.contains("socketcall"));
}

TEST(ExportSystemd, SpellsEachActionAsSystemdDoes) {
  std::string errno_text = Export(Policy(DiffLikeProfile()), ExportFormat::kSystemd);
  EXPECT_NE(errno_text.find("\nSystemCallArchitectures=native\n"), std::string::npos);
  EXPECT_NE(errno_text.find("\nSystemCallFilter=access arch_prctl brk close "), std::string::npos);
  EXPECT_NE(errno_text.find("\nSystemCallErrorNumber=EPERM\n"), std::string::npos);
  std::string kill = Export(Policy(DiffLikeProfile(), FilterAction::kKill), ExportFormat::kSystemd);
  EXPECT_NE(kill.find("\nSystemCallErrorNumber=kill\n"), std::string::npos);
  std::string log = Export(Policy(DiffLikeProfile(), FilterAction::kLog), ExportFormat::kSystemd);
  EXPECT_NE(log.find("\nSystemCallLog=~access arch_prctl"), std::string::npos);
  EXPECT_EQ(log.find("SystemCallFilter="), std::string::npos);  // nothing is blocked
  Result<ExportedFilter> trap =
      ExportFilter(Policy(DiffLikeProfile(), FilterAction::kTrap), ExportFormat::kSystemd);
  ASSERT_FALSE(trap.ok());
  EXPECT_NE(trap.error().message().find("trap"), std::string::npos);
}

TEST(ExportSystemd, SoftCallsAreAllowedAndLogged) {
  std::string text = Export(Policy(HybridProfile(), FilterAction::kKill), ExportFormat::kSystemd);
  EXPECT_NE(text.find("\nSystemCallLog=connect rt_sigaction socket unlink\n"), std::string::npos);
  EXPECT_NE(text.find(" socket "), std::string::npos);
  // errno soft calls under an errno default: left out, EPERM is what they get anyway.
  std::string errno_soft = Export(
      Policy(HybridProfile(), FilterAction::kErrno, FilterAction::kErrno), ExportFormat::kSystemd);
  EXPECT_EQ(errno_soft.find("socket"), std::string::npos);
}

// diff's set plus socket(AF_INET|AF_UNIX, SOCK_STREAM) and mprotect without PROT_EXEC.
Profile ArgumentProfile() {
  Profile profile = DiffLikeProfile();
  profile.syscalls.Insert(*SyscallNumber("socket"));
  profile.args[*SyscallNumber("socket")] = {{0, {1, 2}}, {1, {1}}};
  profile.args[*SyscallNumber("mprotect")] = {{2, {0, 2}}};
  return profile;
}

TEST(ExportOci, ArgumentRulesAreOneEntryPerCombination) {
  json oci = json::parse(Export(Policy(ArgumentProfile()), ExportFormat::kOci));
  json plain;
  std::vector<json> socket, mprotect;
  for (const json& entry : oci["syscalls"]) {
    if (!entry.contains("args")) {
      plain = entry;
    } else if (entry["names"] == json({"socket"})) {
      socket.push_back(entry["args"]);
    } else if (entry["names"] == json({"mprotect"})) {
      mprotect.push_back(entry["args"]);
    }
  }
  for (const char* name : {"socket", "mprotect"}) {
    EXPECT_EQ(std::count(plain["names"].begin(), plain["names"].end(), name), 0) << name;
  }
  ASSERT_EQ(socket.size(), 2u) << "AF_UNIX and AF_INET, each with SOCK_STREAM";
  EXPECT_EQ(socket[0], json::parse(R"([{"index":0,"value":4294967295,"valueTwo":1,
      "op":"SCMP_CMP_MASKED_EQ"},{"index":1,"value":15,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}])"));
  EXPECT_EQ(socket[1][0]["valueTwo"], 2);
  ASSERT_EQ(mprotect.size(), 2u);
  EXPECT_EQ(mprotect[0], json::parse(R"([{"index":2,"value":6,"valueTwo":0,
      "op":"SCMP_CMP_MASKED_EQ"}])"));
}

TEST(ExportMinijail, ArgumentRulesAsExpressions) {
  ExportedFilter out = *ExportFilter(Policy(ArgumentProfile()), ExportFormat::kMinijail);
  EXPECT_NE(out.contents.find("\nsocket: arg0 == 0x1 && arg1 in 0xfffffffffffffff1 || "
                              "arg0 == 0x2 && arg1 in 0xfffffffffffffff1\n"),
            std::string::npos)
      << out.contents;
  EXPECT_NE(out.contents.find("\nmprotect: arg2 in 0xfffffffffffffffb\n"), std::string::npos)
      << "no PROT_EXEC";
  EXPECT_EQ(out.contents.find("\nsocket: 1\n"), std::string::npos);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_NE(out.notes[0].find("wider"), std::string::npos);
}

TEST(ExportSystemd, SaysItCannotCheckArguments) {
  ExportedFilter out = *ExportFilter(Policy(ArgumentProfile()), ExportFormat::kSystemd);
  EXPECT_NE(out.contents.find("cannot check arguments: mprotect socket"), std::string::npos)
      << out.contents;
  EXPECT_NE(out.contents.find(" socket"), std::string::npos) << "allowed whole";
  ASSERT_EQ(out.notes.size(), 1u);
}

TEST(ExportMinijail, OneLinePerCallWithTheDefaultSpeltOut) {
  std::string kill =
      Export(Policy(DiffLikeProfile(), FilterAction::kKill), ExportFormat::kMinijail);
  EXPECT_NE(kill.find("\naccess: 1\n"), std::string::npos);
  EXPECT_NE(kill.find("\nwrite: 1\n"), std::string::npos);
  EXPECT_EQ(kill.find("return 1"), std::string::npos);
  std::string errno_text = Export(Policy(DiffLikeProfile()), ExportFormat::kMinijail);
  EXPECT_NE(errno_text.find("\nsocket: return 1\n"), std::string::npos);
  EXPECT_EQ(errno_text.find("\nread: return 1\n"), std::string::npos);
  std::string hybrid =
      Export(Policy(HybridProfile(), FilterAction::kKill), ExportFormat::kMinijail);
  EXPECT_NE(hybrid.find("\nsocket: log\n"), std::string::npos);
  std::string trap =
      Export(Policy(DiffLikeProfile(), FilterAction::kTrap), ExportFormat::kMinijail);
  EXPECT_NE(trap.find("\n@default trap\n"), std::string::npos);
}

TEST(ExportPfcAndC, CarryTheSameProgram) {
  FilterPolicy policy = Policy(DiffLikeProfile(), FilterAction::kKill);
  std::string pfc = Export(policy, ExportFormat::kPfc);
  EXPECT_NE(pfc.find("filter for arch x86_64"), std::string::npos);
  EXPECT_NE(pfc.find("action KILL_PROCESS"), std::string::npos);
  std::string header = Export(policy, ExportFormat::kC);
  EXPECT_NE(header.find("static int sysfence_install_filter(void)"), std::string::npos);
  EXPECT_NE(header.find("PR_SET_NO_NEW_PRIVS"), std::string::npos);
  EXPECT_NE(header.find("SECCOMP_SET_MODE_FILTER"), std::string::npos);
  Result<BpfProgram> program = BpfProgramFromBytes(Export(policy, ExportFormat::kBpf), "bpf");
  ASSERT_TRUE(program.ok());
  // One array element per instruction.
  size_t lines = 0;
  for (size_t at = header.find("    {0x"); at != std::string::npos;
       at = header.find("    {0x", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, program->size());
}

TEST(ExportFormatNames, UnknownFormatIsAnErrorNamingIt) {
  EXPECT_TRUE(ParseExportFormat("oci").ok());
  Result<ExportFormat> bad = ParseExportFormat("yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("'yaml'"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
