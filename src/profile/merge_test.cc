// Pins down merging over runs: union, runs, seen_in_runs, summed counts, phases by name.
#include "profile/merge.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

Profile OneRun(std::initializer_list<std::pair<const char*, uint64_t>> calls) {
  Profile p;
  p.target = "/usr/bin/diff";
  for (const auto& [name, count] : calls)
    p.RecordCall("/usr/bin/diff", *SyscallNumber(name), count);
  p.MarkSeenInOneRun();
  return p;
}

TEST(MergeProfiles, CountsRunsSeenInRunsAndSumsCounts) {
  auto merged = MergeProfiles({OneRun({{"read", 2}, {"write", 1}}), OneRun({{"read", 3}}),
                               OneRun({{"read", 1}, {"unlink", 1}})});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->kind, ProfileKind::kMerged);
  EXPECT_EQ(merged->runs, 3);
  EXPECT_EQ(merged->syscalls.Names(), (std::vector<std::string>{"read", "unlink", "write"}));
  EXPECT_EQ(merged->seen_in_runs.at(*SyscallNumber("read")), 3);
  EXPECT_EQ(merged->seen_in_runs.at(*SyscallNumber("unlink")), 1);
  EXPECT_EQ(merged->counts.at(*SyscallNumber("read")), 6u);
  EXPECT_EQ(merged->target, "/usr/bin/diff");
}

TEST(MergeProfiles, MergedProfilesMergeAgainWithoutLosingRuns) {
  auto first = MergeProfiles({OneRun({{"read", 1}}), OneRun({{"write", 1}})});
  auto second = MergeProfiles({*first, OneRun({{"read", 1}})});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->runs, 3);
  EXPECT_EQ(second->seen_in_runs.at(*SyscallNumber("read")), 2);
}

TEST(MergeProfiles, PhasesWithTheSameNameAreUnited) {
  Profile a;
  a.phases.push_back({"init", {}, "", {}});
  a.RecordCall("/x", *SyscallNumber("brk"));
  a.phases.push_back({"work", {}, "syscall:read", {}});
  a.RecordCall("/x", *SyscallNumber("read"));
  Profile b;
  b.phases.push_back({"init", {}, "", {}});
  b.RecordCall("/x", *SyscallNumber("mmap"));
  auto merged = MergeProfiles({a, b});
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->phases.size(), 2u);
  EXPECT_EQ(merged->phases[0].syscalls.Names(), (std::vector<std::string>{"brk", "mmap"}));
  EXPECT_EQ(merged->phases[1].trigger, "syscall:read");
}

TEST(MergeProfiles, NothingToMergeIsAnError) { EXPECT_FALSE(MergeProfiles({}).ok()); }

TEST(MakeHybridProfile, UnionWithStaticOnlyCallsSoft) {
  Profile dynamic = OneRun({{"read", 4}, {"write", 2}});
  Profile static_profile;
  static_profile.kind = ProfileKind::kStatic;
  static_profile.target = "/usr/bin/diff";
  static_profile.syscalls = SyscallSet::FromNames({"read", "write", "socket", "unlink"}).value();
  static_profile.evidence[*SyscallNumber("socket")].push_back({"/lib/libc.so.6", "socket", 0x10});
  Result<Profile> hybrid = MakeHybridProfile(static_profile, dynamic);
  ASSERT_TRUE(hybrid.ok()) << hybrid.error().message();
  EXPECT_EQ(hybrid->kind, ProfileKind::kHybrid);
  EXPECT_EQ(hybrid->syscalls.Names(),
            (std::vector<std::string>{"read", "socket", "unlink", "write"}));
  EXPECT_EQ(hybrid->soft_syscalls.Names(), (std::vector<std::string>{"socket", "unlink"}));
  EXPECT_EQ(hybrid->counts.at(*SyscallNumber("read")), 4u);
  EXPECT_EQ(hybrid->evidence.size(), 1u);
  EXPECT_EQ(hybrid->runs, 1);
}

TEST(MakeHybridProfile, ArgumentsTheWrongWayRoundAreAnError) {
  Profile dynamic = OneRun({{"read", 1}});
  Profile static_profile;
  static_profile.kind = ProfileKind::kStatic;
  Result<Profile> swapped = MakeHybridProfile(dynamic, static_profile);
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.error().message().find("static first"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
