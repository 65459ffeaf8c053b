// Pins down the profile JSON contract: round trip, strict validation with clear messages.
#include "profile/profile_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sysfence {
namespace {

Profile SampleProfile() {
  Profile p;
  p.kind = ProfileKind::kDynamic;
  p.target = "/usr/bin/diff";
  p.phases.push_back(Phase{.name = "init", .syscalls = {}, .trigger = "", .counts = {}});
  p.RecordCall("/usr/bin/diff", *SyscallNumber("brk"), 3);
  p.phases.push_back(
      Phase{.name = "work", .syscalls = {}, .trigger = "syscall:openat", .counts = {}});
  p.RecordCall("/usr/bin/diff", *SyscallNumber("openat"));
  p.RecordCall("/usr/bin/cat", *SyscallNumber("read"), 2);
  p.compat_i386["write"] = 1;
  p.MarkSeenInOneRun();
  return p;
}

TEST(ProfileJson, RoundTripKeepsEveryField) {
  Profile p = SampleProfile();
  p.evidence[0].push_back({"/lib/libc.so.6", "read", 0x1234});
  p.unresolved.push_back({{"/lib/x.so", "sub_10", 0x10}, "number from memory"});
  p.added_objects.push_back({"/lib/libnss_files.so.2", "NSS back-end for passwd"});
  p.soft_syscalls.Insert(*SyscallNumber("read"));
  p.incomplete = true;
  p.exit_status = 3;
  p.discovery.push_back({0.25, *SyscallNumber("brk"), 42});
  p.sites["/lib/libc.so.6"][0x2a1f0].Insert(*SyscallNumber("read"));
  p.sites["/lib/libc.so.6"][0x2a1f0].Insert(*SyscallNumber("openat"));
  p.sites["[vdso]"][0x9c5].Insert(*SyscallNumber("brk"));
  std::string text = ProfileToJsonText(p);
  EXPECT_NE(text.find(R"("0x2a1f0": [)"), std::string::npos) << text;
  auto back = ProfileFromJsonText(text, "mem");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(ProfileToJsonText(*back), text);
  EXPECT_EQ(back->phases.size(), 2u);
  EXPECT_EQ(back->phases[1].trigger, "syscall:openat");
  EXPECT_EQ(back->phases[1].images.at("/usr/bin/cat").Names(), std::vector<std::string>{"read"});
  EXPECT_EQ(back->phases[1].images.at("/usr/bin/diff").Names(), std::vector<std::string>{"openat"});
  EXPECT_EQ(back->counts.at(*SyscallNumber("brk")), 3u);
  EXPECT_EQ(back->images.at("/usr/bin/cat").Names(), std::vector<std::string>{"read"});
  EXPECT_EQ(back->evidence.at(0).front().address, 0x1234u);
  ASSERT_EQ(back->discovery.size(), 1u);
  EXPECT_EQ(back->discovery[0].pid, 42);
}

TEST(ProfileJson, WritesTheDocumentedShape) {
  auto json = nlohmann::json::parse(ProfileToJsonText(SampleProfile()));
  EXPECT_EQ(json["sysfence"], 1);
  EXPECT_EQ(json["arch"], "x86_64");
  EXPECT_EQ(json["kind"], "dynamic");
  EXPECT_EQ(json["syscalls"], (nlohmann::json{"brk", "openat", "read"}));
  EXPECT_EQ(json["seen_in_runs"]["read"], 1);
  EXPECT_EQ(json["phases"][0]["name"], "init");
  EXPECT_EQ(json["phases"][0]["syscalls"], (nlohmann::json{"brk"}));
}

TEST(ProfileJson, NonUtf8PathsAreWrittenWithReplacementCharacters) {
  Profile p;
  p.RecordCall("/tmp/bad\xff\xfename", *SyscallNumber("read"));
  std::string text = ProfileToJsonText(p);
  auto back = ProfileFromJsonText(text, "mem");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->images.size(), 1u);
}

TEST(ProfileJson, MinimalDocumentedExampleIsAccepted) {
  const char* text = R"({"sysfence": 1, "arch": "x86_64", "kind": "dynamic",
    "target": "/usr/bin/diff", "runs": 3, "syscalls": ["access", "arch_prctl", "brk", "close"],
    "counts": {"brk": 120}, "seen_in_runs": {"brk": 3},
    "images": {"/usr/bin/diff": ["access", "brk"]},
    "phases": [{"name": "init", "syscalls": ["brk"]}], "unresolved": [], "evidence": {},
    "some_future_key": {"ignored": true}})";
  auto p = ProfileFromJsonText(text, "example");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->runs, 3);
  EXPECT_EQ(p->syscalls.Size(), 4);
}

struct BadCase {
  const char* text;
  const char* expected;  // part of the message
};

TEST(ProfileJson, RejectsBadInputNamingFileAndField) {
  const BadCase cases[] = {
      {"", "not valid JSON"},
      // Found by fuzz_profile_json: a number out of a double's range threw past the reader.
      {R"({"sysfence": 1, "syscalls": [], "kind": 6666e6666})", "not valid JSON"},
      {"[1,2]", "expected a JSON object"},
      {R"({"syscalls": []})", "not a sysfence profile"},
      {R"({"sysfence": 1})", "'syscalls': missing"},
      {R"({"sysfence": 9, "syscalls": []})", "newer"},
      {R"({"sysfence": 1, "syscalls": ["read", "frobnicate"]})",
       "unknown syscall name 'frobnicate'"},
      {R"({"sysfence": 1, "syscalls": "read"})", "expected an array"},
      {R"({"sysfence": 1, "syscalls": [], "kind": "magic"})", "'kind'"},
      {R"({"sysfence": 1, "syscalls": [], "arch": "aarch64"})", "not supported"},
      {R"({"sysfence": 1, "syscalls": [], "runs": -1})", "'runs'"},
      {R"({"sysfence": 1, "syscalls": [], "counts": {"read": "x"}})", "expected an integer"},
      {R"({"sysfence": 1, "syscalls": [], "images": {"/x": ["read"]}})", "does not hold 'read'"},
      {R"({"sysfence": 1, "runs": 1, "syscalls": ["read"], "seen_in_runs": {"read": 2}})",
       "seen in 2 runs of 1"},
      {R"({"sysfence": 1, "syscalls": [], "phases": [{"name": "x"}]})", "phases[0]"},
      {R"({"sysfence": 1, "syscalls": ["read"], "phases": [{"name": "x", "syscalls": [],
          "images": {"/x": ["read"]}}]})",
       "phases[0].images./x"},
      {R"({"sysfence": 1, "syscalls": [], "phases": [{"name": "x", "syscalls": [],
          "images": ["read"]}]})",
       "expected an object"},
      {R"({"sysfence": 1, "syscalls": ["read"], "sites": ["read"]})", "'sites'"},
      {R"({"sysfence": 1, "syscalls": ["read"], "sites": {"/x": {"12": ["read"]}}})",
       "'12' is not a hexadecimal offset"},
      {R"({"sysfence": 1, "syscalls": ["read"], "sites": {"/x": {"0x1g": ["read"]}}})",
       "not a hexadecimal offset"},
      {R"({"sysfence": 1, "syscalls": [], "sites": {"/x": {"0x12": ["read"]}}})",
       "does not hold 'read'"},
  };
  for (const BadCase& c : cases) {
    auto p = ProfileFromJsonText(c.text, "bad.json");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message().find("bad.json"), std::string::npos) << p.error().message();
    EXPECT_NE(p.error().message().find(c.expected), std::string::npos)
        << c.text << " -> " << p.error().message();
  }
}

// Found by fuzz_profile_json (its input, replayed): a number out of a double's range made the
// second parse, which finds the position of the fault, throw an exception it did not catch.
TEST(ProfileJson, FuzzRegressionNumberOutOfRangeIsAnError) {
  std::string path =
      std::string(SYSFENCE_SOURCE_DIR) + "/fuzz/regressions/profile_json/number_out_of_range.json";
  Result<Profile> p = ReadProfileFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find(path + ": not valid JSON"), std::string::npos)
      << p.error().message();
}

}  // namespace
}  // namespace sysfence
