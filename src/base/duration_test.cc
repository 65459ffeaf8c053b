#include "base/duration.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

TEST(Duration, ReadsUnitsAndSums) {
  EXPECT_EQ(*ParseDuration("10m"), 600'000'000'000);
  EXPECT_EQ(*ParseDuration("60s"), 60'000'000'000);
  EXPECT_EQ(*ParseDuration("45"), 45'000'000'000);
  EXPECT_EQ(*ParseDuration("500ms"), 500'000'000);
  EXPECT_EQ(*ParseDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(*ParseDuration("7d"), 604'800'000'000'000);
}

TEST(Duration, RefusesWhatIsNotOne) {
  for (const char* bad : {"", "m", "10x", "1h30", "-5s", "0s", "0", "10 m", "99999999999999d"}) {
    Result<int64_t> parsed = ParseDuration(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  EXPECT_NE(ParseDuration("10x").error().message().find("unknown unit 'x'"), std::string::npos);
}

TEST(Duration, FormatsTheLargestUnits) {
  EXPECT_EQ(FormatDuration(90'000'000'000), "1m30s");
  EXPECT_EQ(FormatDuration(600'000'000'000), "10m");
  EXPECT_EQ(FormatDuration(250'000'000), "250ms");
  EXPECT_EQ(FormatDuration(*ParseDuration("1d2h")), "1d2h");
}

}  // namespace
}  // namespace sysfence
