// Pins down the GLIBC_TUNABLES value the restart asks for: huge pages added to what the user
// set, and the user's own glibc.malloc.hugetlb choice left alone (no restart).
#include "base/huge_page_malloc.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(HugePageMalloc, AddsTheTunableToWhatTheUserSet) {
  EXPECT_EQ(TunablesWithHugePages(nullptr), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(TunablesWithHugePages(""), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(TunablesWithHugePages("glibc.malloc.check=3"),
            "glibc.malloc.check=3:glibc.malloc.hugetlb=1");
}

TEST(HugePageMalloc, LeavesTheUsersOwnHugePageChoice) {
  EXPECT_EQ(TunablesWithHugePages("glibc.malloc.hugetlb=0"), std::nullopt);
  EXPECT_EQ(TunablesWithHugePages("glibc.malloc.check=3:glibc.malloc.hugetlb=2"), std::nullopt);
}

}  // namespace
}  // namespace sysfence
