// Trim, TrimLeft and TrimRight drop spaces, tabs and line ends on their side only.
#include "base/text.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(TextTest, TrimDropsBlanksAndLineEndsOnBothSides) {
  EXPECT_EQ(Trim("  name = value \r\n"), "name = value");
  EXPECT_EQ(Trim("\tx\t"), "x");
  EXPECT_EQ(Trim("a b"), "a b");
  EXPECT_EQ(Trim(" \t\r\n"), "");
  EXPECT_EQ(Trim(""), "");
}

TEST(TextTest, TrimLeftAndTrimRightKeepTheOtherSide) {
  EXPECT_EQ(TrimLeft(" \tx y \n"), "x y \n");
  EXPECT_EQ(TrimRight(" \tx y \r\n"), " \tx y");
  EXPECT_EQ(TrimLeft("   "), "");
  EXPECT_EQ(TrimRight("   "), "");
}

}  // namespace
}  // namespace sysfence
