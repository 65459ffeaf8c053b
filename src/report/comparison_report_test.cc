// Pins down the three renderings of `sysfence compare`.
#include "report/comparison_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

Profile WithCalls(std::initializer_list<std::string_view> names) {
  Profile p;
  p.syscalls = *SyscallSet::FromNames(names);
  for (int nr : p.syscalls) p.counts[nr] = 7;
  return p;
}

TEST(ComparisonReport, JsonHasTheContractFields) {
  Profile a = WithCalls({"read", "write", "clone"});
  Profile b = WithCalls({"read", "socket"});
  auto json = nlohmann::json::parse(ComparisonToJson({"a.json", &a}, {"b.json", &b}));
  EXPECT_EQ(json["both"], (nlohmann::json{"read"}));
  EXPECT_EQ(json["only_a"], (nlohmann::json{"clone", "write"}));
  EXPECT_EQ(json["only_b"], (nlohmann::json{"socket"}));
  EXPECT_EQ(json["total_syscalls"], TotalSyscallCount());
  EXPECT_EQ(json["a"]["count"], 3);
  EXPECT_EQ(json["by_category"]["network"]["only_b"], (nlohmann::json{"socket"}));
  EXPECT_EQ(json["by_category"]["process"]["only_a"], (nlohmann::json{"clone"}));
}

TEST(ComparisonReport, TextNamesEveryDifferenceUnderItsCategory) {
  Profile a = WithCalls({"read", "clone"});
  Profile b = WithCalls({"read", "socket"});
  std::string text = ComparisonToText({"a.json", &a}, {"b.json", &b});
  EXPECT_NE(text.find("Networking"), std::string::npos);
  EXPECT_NE(text.find("socket"), std::string::npos);
  EXPECT_NE(text.find("Process/thread management"), std::string::npos);
  EXPECT_NE(text.find("only in A"), std::string::npos);
}

// A traced profile (A) against a narrower one (B): the socket family only A saw, and the ioctl
// request B does not constrain at all, are named; a call only one has is not an argument
// difference.
TEST(ComparisonReport, ArgumentValuesOnlyOneAllowsAreNamed) {
  Profile a = WithCalls({"socket", "ioctl", "mprotect", "clone"});
  Profile b = WithCalls({"socket", "ioctl", "mprotect"});
  const int socket = *SyscallNumber("socket");
  const int ioctl = *SyscallNumber("ioctl");
  a.args[socket] = {{0, {2, 16}}};  // AF_INET, AF_NETLINK
  a.args[ioctl] = {{1, {0x5401}}};  // TCGETS
  a.args[*SyscallNumber("clone")] = {{0, {0}}};
  b.args[socket] = {{0, {2, 10}}};  // AF_INET, AF_INET6
  std::string text = ComparisonToText({"a.json", &a}, {"b.json", &b});
  EXPECT_NE(text.find("Argument values only A allows (1):\n  socket domain: AF_NETLINK\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Argument values only B allows (2):\n  ioctl request: any value\n"
                      "  socket domain: AF_INET6\n"),
            std::string::npos)
      << text;
  auto json = nlohmann::json::parse(ComparisonToJson({"a.json", &a}, {"b.json", &b}));
  EXPECT_EQ(json["args_only_a"], nlohmann::json::parse(R"([{"syscall": "socket",
      "argument": "domain", "any": false, "values": ["AF_NETLINK"]}])"));
  EXPECT_EQ(json["args_only_b"].size(), 2u);
  EXPECT_EQ(json["args_only_b"][0]["any"], true);
}

TEST(ComparisonReport, CsvHasOneRowPerSyscallInEither) {
  Profile a = WithCalls({"read"});
  Profile b = WithCalls({"write"});
  std::string csv = ComparisonToCsv({"a", &a}, {"b", &b});
  EXPECT_EQ(csv,
            "syscall,number,category,in_a,in_b,count_a,count_b\n"
            "read,0,io,1,0,7,0\n"
            "write,1,io,0,1,0,7\n");
}

TEST(ComparisonReport, NamesJoinAndSplitByCategory) {
  SyscallSet set = SyscallSet::FromNames({"socket", "read", "openat", "write"}).value();
  EXPECT_EQ(JoinNames(set), "openat, read, socket, write");
  EXPECT_EQ(JoinNames(SyscallSet()), "-");
  std::vector<std::pair<Category, SyscallSet>> parts = ByCategory(set);
  ASSERT_EQ(parts.size(), 3u) << "no empty category";
  EXPECT_EQ(parts[0].first, Category::kFile);
  EXPECT_EQ(JoinNames(parts[0].second), "openat");
  EXPECT_EQ(parts[1].first, Category::kDescriptorIo);
  EXPECT_EQ(JoinNames(parts[1].second), "read, write");
  EXPECT_EQ(parts[2].first, Category::kNetwork);
}

}  // namespace
}  // namespace sysfence
