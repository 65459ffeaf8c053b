// The static-only classes' JSON: a round trip keeps everything, and a malformed document is an
// error naming its source and field.
#include "profile/static_only.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

StaticOnlyReport Sample() {
  StaticOnlyReport report;
  report.target = "/usr/bin/diff";
  report.static_sites = 3;
  report.static_sites_ran = 1;
  report.calls.push_back({*SyscallNumber("mkdir"),
                          StaticOnlyClass::kRarePath,
                          "its site is 2 call(s) below main",
                          {"main calls f (at 0x10)"}});
  report.calls.push_back(
      {*SyscallNumber("restart_syscall"), StaticOnlyClass::kMachinery, "the kernel makes it", {}});
  SiteCoverage site{.image = "/lib/libc.so.6",
                    .function = "mkdir",
                    .address = 0xf8b05,
                    .calls = {},
                    .ran = false};
  site.calls.Insert(*SyscallNumber("mkdir"));
  report.sites.push_back(site);
  return report;
}

TEST(StaticOnly, JsonRoundTripKeepsEverything) {
  StaticOnlyReport report = Sample();
  nlohmann::json json = StaticOnlyToJson(report);
  EXPECT_EQ(json["counts"]["rare_path"], 1);
  EXPECT_EQ(json["counts"]["machinery"], 1);
  EXPECT_EQ(json["counts"]["other_path"], 0);
  Result<StaticOnlyReport> back = StaticOnlyFromJson(json, "x.json");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(StaticOnlyToJson(*back), json);
  EXPECT_EQ(back->Count(StaticOnlyClass::kRarePath), 1);
  EXPECT_EQ(back->sites.at(0).address, 0xf8b05u);
}

TEST(StaticOnly, TextNamesEveryClassWithItsShare) {
  std::string text = StaticOnlyToText(Sample());
  for (StaticOnlyClass c : kStaticOnlyClasses) {
    EXPECT_NE(text.find(std::string(StaticOnlyClassTitle(c)) + ":"), std::string::npos) << text;
  }
  EXPECT_NE(text.find("50%): mkdir"), std::string::npos) << text;
  EXPECT_NE(text.find("ran 1 of the 3 syscall sites"), std::string::npos) << text;
}

TEST(StaticOnly, MalformedDocumentsAreErrorsNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([])", "'calls'"},
      {R"({"calls": [{"syscall": "frob", "class": "machinery"}]})", "unknown syscall name 'frob'"},
      {R"({"calls": [{"syscall": "read", "class": "guess"}]})", "unknown class 'guess'"},
      {R"({"calls": [{"syscall": "read", "class": "machinery", "path": "x"}]})", "'calls.path'"},
      {R"({"calls": [], "without_sites": 3})", "'without_sites'"},
      {R"({"calls": [], "sites": [{"address": "12"}]})", "not a hexadecimal address"},
      {R"({"calls": [], "sites": [{"image": 5}]})", "'sites.image'"},
      {R"({"calls": [], "sites": [{"syscalls": ["frob"]}]})", "unknown syscall"},
      {R"({"calls": [], "sites": [{"ran": "yes"}]})", "'sites.ran'"},
  };
  for (const auto& [text, expected] : cases) {
    Result<StaticOnlyReport> report = StaticOnlyFromJson(nlohmann::json::parse(text), "x.json");
    ASSERT_FALSE(report.ok()) << text;
    EXPECT_NE(report.error().message().find("x.json"), std::string::npos);
    EXPECT_NE(report.error().message().find(expected), std::string::npos)
        << text << " -> " << report.error().message();
  }
}

}  // namespace
}  // namespace sysfence
