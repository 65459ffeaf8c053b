// Pins down argument values in profiles: recording masks by the table, merging keeps a
// constraint only where every profile with the call has one, gaps name what a traced run
// passed that a static set lacks, and the JSON form (version 2) round-trips and is strict.
#include "profile/argument_values.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "profile/profile_json.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

int Nr(std::string_view name) { return *SyscallNumber(name); }

SyscallSet Calls(std::initializer_list<std::string_view> names) {
  SyscallSet set;
  for (std::string_view n : names) set.Insert(Nr(n));
  return set;
}

TEST(ArgumentValues, RecordMasksEachArgumentOfTheTable) {
  ArgumentValues args;
  RecordArguments(args, Nr("socket"), {AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 17, 0, 0, 0});
  RecordArguments(args, Nr("socket"), {AF_UNIX, SOCK_STREAM, 0, 0, 0, 0});
  RecordArguments(args, Nr("read"), {3, 0x1000, 10, 0, 0, 0});  // not in the table
  RecordArguments(args, Nr("mmap"), {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3, 0});
  EXPECT_EQ(args.size(), 2u);
  EXPECT_EQ(args[Nr("socket")][0], (std::set<uint64_t>{AF_UNIX, AF_INET6}));
  EXPECT_EQ(args[Nr("socket")][1], (std::set<uint64_t>{SOCK_STREAM, SOCK_DGRAM}));
  EXPECT_EQ(args[Nr("mmap")][2], (std::set<uint64_t>{PROT_WRITE}));
}

TEST(ArgumentValues, UnionConstrainsOnlyWhereEveryProfileWithTheCallDoes) {
  ArgumentValues a, b;
  RecordArguments(a, Nr("socket"), {AF_INET, SOCK_STREAM, 0, 0, 0, 0});
  RecordArguments(a, Nr("ioctl"), {1, TCGETS, 0, 0, 0, 0});
  RecordArguments(b, Nr("socket"), {AF_UNIX, SOCK_STREAM, 0, 0, 0, 0});
  // b makes ioctl calls with arguments nobody recorded (an older profile): any request.
  ArgumentValues u = UnionArguments(a, Calls({"socket", "ioctl"}), b, Calls({"socket", "ioctl", "kill"}));
  EXPECT_EQ(u[Nr("socket")][0], (std::set<uint64_t>{AF_UNIX, AF_INET}));
  EXPECT_FALSE(u.contains(Nr("ioctl")));
  // A call only one side makes keeps that side's values.
  ArgumentValues c = UnionArguments(a, Calls({"socket", "ioctl"}), {}, Calls({"read"}));
  EXPECT_EQ(c, a);
}

TEST(ArgumentValues, GapsNameValuesTheOuterSetLacks) {
  ArgumentValues outer, inner;
  RecordArguments(outer, Nr("socket"), {AF_INET, SOCK_STREAM, 0, 0, 0, 0});
  RecordArguments(inner, Nr("socket"), {AF_NETLINK, SOCK_STREAM, 0, 0, 0, 0});
  RecordArguments(outer, Nr("kill"), {1, SIGTERM, 0, 0, 0, 0});
  std::vector<ArgumentGap> gaps = ArgumentsNotCovered(outer, inner, Calls({"socket", "kill"}));
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0].syscall, Nr("socket"));
  EXPECT_EQ(gaps[0].index, 0);
  EXPECT_EQ(gaps[0].values, std::vector<uint64_t>{AF_NETLINK});
  EXPECT_EQ(gaps[1].syscall, Nr("kill"));
  EXPECT_TRUE(gaps[1].any);  // inner took any signal
}

TEST(ArgumentValues, JsonRoundTripsAsVersionTwo) {
  Profile p;
  p.syscalls = Calls({"socket", "clone", "openat", "read"});
  RecordArguments(p.args, Nr("socket"), {AF_INET, SOCK_STREAM, 0, 0, 0, 0});
  RecordArguments(p.args, Nr("clone"), {CLONE_VM | CLONE_THREAD | CLONE_SETTLS, 0, 0, 0, 0, 0});
  RecordArguments(p.args, Nr("openat"), {0, 0, O_WRONLY | O_CREAT | O_CLOEXEC, 0, 0, 0});
  p.images["/bin/x"] = Calls({"socket"});
  RecordArguments(p.image_args["/bin/x"], Nr("socket"), {AF_INET, SOCK_STREAM, 0, 0, 0, 0});
  std::string text = ProfileToJsonText(p);
  EXPECT_NE(text.find("\"sysfence\": 2"), std::string::npos);
  EXPECT_NE(text.find("\"CLONE_VM|CLONE_THREAD\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"O_WRONLY|O_CREAT\""), std::string::npos) << text;
  Result<Profile> back = ProfileFromJsonText(text, "p.json");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->args, p.args);
  EXPECT_EQ(back->image_args, p.image_args);
  // Without arguments the file stays a version 1 file.
  Profile plain;
  plain.syscalls = Calls({"read"});
  EXPECT_NE(ProfileToJsonText(plain).find("\"sysfence\": 1"), std::string::npos);
}

TEST(ArgumentValues, JsonIsStrict) {
  auto read = [](const std::string& args) {
    return ProfileFromJsonText(
        R"({"sysfence": 2, "syscalls": ["socket", "read"], "args": )" + args + "}", "p.json");
  };
  EXPECT_TRUE(read(R"({"socket": {"domain": ["AF_INET", "42"], "type": ["SOCK_RAW"]}})").ok());
  for (const char* bad : {R"({"read": {"fd": ["1"]}})", R"({"socket": {"protocol": ["1"]}})",
                          R"({"socket": {"domain": ["AF_NOPE"]}})", R"({"socket": {"domain": "AF_INET"}})",
                          R"({"kill": {"signal": ["SIGTERM"]}})", R"({"socket": {"type": [1]}})"}) {
    Result<Profile> p = read(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.error().message().find("p.json: field 'args"), std::string::npos)
        << p.error().message();
  }
}

}  // namespace
}  // namespace sysfence
