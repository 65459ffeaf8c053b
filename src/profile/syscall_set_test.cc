// Pins down SyscallSet: set algebra, name order, and the "syscall_N" form for raw numbers.
#include "profile/syscall_set.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(SyscallSet, NamesAreSortedAlphabeticallyAndUnique) {
  auto set = SyscallSet::FromNames({"write", "read", "close", "read"});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->Names(), (std::vector<std::string>{"close", "read", "write"}));
  EXPECT_EQ(set->Size(), 3);
  EXPECT_EQ(set->Numbers(), (std::vector<int>{0, 1, 3}));
}

TEST(SyscallSet, RejectsUnknownNamesByName) {
  auto set = SyscallSet::FromNames({"read", "frobnicate"});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message().find("frobnicate"), std::string::npos);
}

TEST(SyscallSet, RawNumbersOutsideTheTableAreNamedSyscallN) {
  SyscallSet set;
  set.Insert(600);
  set.Insert(335);
  EXPECT_EQ(set.Names(), (std::vector<std::string>{"syscall_335", "syscall_600"}));
  auto parsed = SyscallSet::FromNames({"syscall_600"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->Contains(600));
  EXPECT_FALSE(SyscallSet::FromNames({"syscall_99999"}).ok());
  EXPECT_FALSE(SyscallSet::FromNames({"syscall_"}).ok());
  EXPECT_FALSE(SyscallSet::FromNames({"syscall_06"}).ok());
}

TEST(SyscallSet, SetAlgebra) {
  auto a = *SyscallSet::FromNames({"read", "write", "close"});
  auto b = *SyscallSet::FromNames({"write", "openat"});
  EXPECT_EQ((a & b).Names(), (std::vector<std::string>{"write"}));
  EXPECT_EQ((a - b).Names(), (std::vector<std::string>{"close", "read"}));
  EXPECT_EQ((a | b).Size(), 4);
  EXPECT_TRUE((a & b).IsSubsetOf(a));
  EXPECT_FALSE(a.IsSubsetOf(b));
  EXPECT_EQ(SyscallSet::All().Size(), TotalSyscallCount());
}

TEST(SyscallSet, IgnoresNumbersOutOfRange) {
  SyscallSet set;
  set.Insert(-1);
  set.Insert(kSyscallNumberLimit);
  EXPECT_TRUE(set.Empty());
  EXPECT_FALSE(set.Contains(-5));
}

}  // namespace
}  // namespace sysfence
