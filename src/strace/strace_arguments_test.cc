// Argument values from strace's argument text: names, numbers, comments, flag words with names
// outside the mask, _IOC(...), "A or B", clone's named fields, and what stays unknown.
#include "strace/strace_arguments.h"

#include <gtest/gtest.h>

#include "strace/strace_import.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

int Nr(std::string_view name) { return SyscallNumber(name).value(); }

// index -> value ("?" when unknown)
std::map<int, std::string> Read(std::string_view call, std::string_view text,
                                StraceArgumentsEnd end = StraceArgumentsEnd::kClosed) {
  std::map<int, std::string> out;
  for (const StraceArgument& a : ReadStraceArguments(Nr(call), text, end)) {
    out[a.index] = a.value ? std::to_string(*a.value) : "?";
  }
  return out;
}

using Values = std::map<int, std::string>;

TEST(StraceArguments, NamesNumbersAndCommentsMasked) {
  EXPECT_EQ(Read("socket", "AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP)"),
            (Values{{0, "2"}, {1, "1"}}));
  EXPECT_EQ(Read("socket", "0x10 /* AF_NETLINK */, SOCK_RAW, 0)"), (Values{{0, "16"}, {1, "3"}}));
  EXPECT_EQ(Read("openat", "AT_FDCWD, \"/a, b\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666)"),
            (Values{{2, "65"}}));
  EXPECT_EQ(Read("openat", "AT_FDCWD, \"/etc/passwd\", O_RDONLY)"), (Values{{2, "0"}}));
  EXPECT_EQ(Read("mmap", "NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"),
            (Values{{2, "2"}}));
  EXPECT_EQ(Read("mprotect", "0x7f00, 4096, PROT_READ|PROT_EXEC)"), (Values{{2, "4"}}));
  EXPECT_EQ(Read("kill", "1234, SIGTERM)"), (Values{{1, "15"}}));
  EXPECT_EQ(Read("kill", "1234, 0)"), (Values{{1, "0"}}));
  EXPECT_EQ(Read("fcntl", "3, F_SETFD, FD_CLOEXEC)"), (Values{{1, "2"}}));
  EXPECT_EQ(Read("prctl", "PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)"), (Values{{0, "38"}}));
  EXPECT_TRUE(Read("read", "3, \"x\", 1)").empty()) << "no argument of the table";
}

TEST(StraceArguments, IoctlRequestsByNameAlternativeOrIoc) {
  EXPECT_EQ(Read("ioctl", "1, TCGETS, {c_iflag=ICRNL, c_oflag=NL0}"), (Values{{1, "21505"}}))
      << "no closing parenthesis: only the last field is in doubt";
  EXPECT_EQ(Read("ioctl", "1, TCGE"), (Values{{1, "?"}}));
  EXPECT_EQ(Read("ioctl", "1, TCGETS, {c_iflag=ICRNL, c_oflag=NL0})"), (Values{{1, "21505"}}));
  EXPECT_EQ(Read("ioctl", "3, FIONREAD or TIOCINQ, [0])"), (Values{{1, "21531"}}));
  EXPECT_EQ(Read("ioctl", "3, _IOC(_IOC_READ, 0x54, 0x1, 0x4), 0x7ffd)"),
            (Values{{1, std::to_string((2u << 30) | (4u << 16) | (0x54u << 8) | 1u)}}));
  EXPECT_EQ(Read("ioctl", "3, SOME_DRIVER_REQUEST, 0x7ffd)"), (Values{{1, "?"}}))
      << "a name the table does not know: any request";
}

TEST(StraceArguments, CloneFlagsByNameWithTheExitSignalOutsideTheMask) {
  EXPECT_EQ(Read("clone",
                 "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                 "child_tidptr=0x7f12)"),
            (Values{{0, "0"}}));
  EXPECT_EQ(Read("clone", "child_stack=0x7f00, flags=CLONE_VM|CLONE_NEWUSER|SIGCHLD)"),
            (Values{{0, std::to_string(0x100 | 0x10000000)}}));
  EXPECT_EQ(Read("clone", "child_stack=0x7f00, parent_tid=[9])"), (Values{{0, "?"}}))
      << "the flags field is not shown";
  EXPECT_EQ(Read("unshare", "CLONE_NEWNS|CLONE_NEWUSER)"),
            (Values{{0, std::to_string(0x20000 | 0x10000000)}}));
}

TEST(StraceArguments, FieldsTheLineDoesNotShowAreUnknown) {
  // A line cut by the end of the log: its last field may be partial.
  constexpr auto kCut = StraceArgumentsEnd::kCut;
  constexpr auto kUnfinished = StraceArgumentsEnd::kUnfinished;
  EXPECT_EQ(Read("kill", "1234, SIGTER", kCut), (Values{{1, "?"}}));
  EXPECT_EQ(Read("socket", "AF_INET, SOCK_STR", kCut), (Values{{0, "2"}, {1, "?"}}));
  EXPECT_EQ(Read("socket", "", kCut), (Values{{0, "?"}, {1, "?"}}));
  // <unfinished ...>: what strace decoded at entry is whole; the rest is not there.
  EXPECT_EQ(Read("kill", "1234, SIGTERM", kUnfinished), (Values{{1, "15"}}));
  EXPECT_EQ(Read("ioctl", "0, TCGETS,", kUnfinished), (Values{{1, "21505"}}));
  EXPECT_EQ(Read("ioctl", "0,", kUnfinished), (Values{{1, "?"}}));
  EXPECT_EQ(Read("socket", "AF_INET)"), (Values{{0, "2"}, {1, "?"}}));
  EXPECT_EQ(Read("mmap", "NULL, 8192, 7x, 0)"), (Values{{2, "?"}})) << "not a number";
}

// Through the importer: per image, an unknown value makes the argument free in its image and
// in the whole profile, other images keep theirs.
TEST(StraceArguments, ImportedPerImageAndUnknownMeansAny) {
  std::string log =
      "100 execve(\"/x/server\", [\"server\"], 0x7ffd /* 1 var */) = 0\n"
      "100 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 3\n"
      "100 ioctl(0, TCGETS, 0x7ffd) = -1 ENOTTY (Inappropriate ioctl for device)\n"
      "100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 101\n"
      "101 execve(\"/x/helper\", [\"helper\"], 0x7ffd /* 1 var */) = 0\n"
      "101 ioctl(0, SOME_DRIVER_REQUEST, 0x7ffd) = 0\n"
      "101 socket(AF_UNIX, <unfinished ...>\n"
      "100 kill(101, SIGTERM) = 0\n"
      "101 <... socket resumed>SOCK_DGRAM, 0) = 4\n"
      "101 +++ exited with 0 +++\n"
      "100 +++ exited with 0 +++\n";
  Result<Profile> profile = ImportStraceText(log, "log", nullptr);
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  const ArgumentValues& server = profile->image_args.at("/x/server");
  EXPECT_EQ(server.at(Nr("socket")).at(0), (std::set<uint64_t>{10}));
  EXPECT_EQ(server.at(Nr("ioctl")).at(1), (std::set<uint64_t>{0x5401}));
  EXPECT_EQ(server.at(Nr("kill")).at(1), (std::set<uint64_t>{15}));
  const ArgumentValues& helper = profile->image_args.at("/x/helper");
  EXPECT_FALSE(helper.contains(Nr("ioctl"))) << "an unknown request: any";
  EXPECT_EQ(helper.at(Nr("socket")).at(0), (std::set<uint64_t>{1}));
  EXPECT_FALSE(helper.at(Nr("socket")).contains(1)) << "the type is on the resumed line: any type";
  EXPECT_FALSE(profile->args.contains(Nr("ioctl")));
  EXPECT_EQ(profile->args.at(Nr("socket")).at(0), (std::set<uint64_t>{1, 10}));
  EXPECT_FALSE(profile->args.at(Nr("socket")).contains(1));
}

}  // namespace
}  // namespace sysfence
