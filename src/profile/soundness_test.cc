// Per-image soundness: misses per image, unchecked images, the launcher left out.
#include "profile/soundness.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

SyscallSet Set(std::initializer_list<std::string_view> names) {
  return SyscallSet::FromNames(names).value();
}

TEST(Soundness, ListsWhatEachImageMissedAndWhatWasNotChecked) {
  Profile traced;
  traced.images = {{std::string(kLauncherImage), Set({"execve"})},
                   {"/usr/bin/ssh", Set({"read", "rseq", "write"})},
                   {"/usr/bin/scp", Set({"read"})},
                   {"/usr/lib/openssh/sftp-server", Set({"openat"})}};
  std::map<std::string, SyscallSet> statics = {{"/usr/bin/ssh", Set({"read", "write"})},
                                               {"/usr/bin/scp", Set({"read", "close"})}};
  EXPECT_EQ(TracedImages(traced), (std::vector<std::string>{"/usr/bin/scp", "/usr/bin/ssh",
                                                            "/usr/lib/openssh/sftp-server"}));
  SoundnessReport report = CheckSoundness(traced.images, statics);
  ASSERT_EQ(report.images.size(), 3u) << "the launcher's calls are not the program's";
  EXPECT_EQ(report.images[0].image, "/usr/bin/scp");
  EXPECT_TRUE(report.images[0].missed.Empty());
  EXPECT_EQ(report.images[1].image, "/usr/bin/ssh");
  EXPECT_EQ(report.images[1].missed.Names(), (std::vector<std::string>{"rseq"}));
  EXPECT_FALSE(report.images[2].Checked());
  EXPECT_FALSE(report.Sound());

  statics["/usr/bin/ssh"].Insert(*ParseSyscallName("rseq"));
  statics["/usr/lib/openssh/sftp-server"] = Set({"openat", "read"});
  EXPECT_TRUE(CheckSoundness(traced.images, statics).Sound());
}

// A traced value the static values lack is a miss, like a call; a static "any" (no entry)
// covers everything; an image without values on either side is checked by calls only.
TEST(Soundness, ArgumentValuesTheStaticSetLacksAreMisses) {
  int socket = *ParseSyscallName("socket");
  int ioctl = *ParseSyscallName("ioctl");
  std::map<std::string, SyscallSet> traced = {{"/usr/bin/ssh", Set({"socket", "ioctl"})},
                                              {"/usr/bin/scp", Set({"socket"})}};
  std::map<std::string, ArgumentValues> traced_args = {
      {"/usr/bin/ssh", {{socket, {{0, {2, 16}}}}, {ioctl, {{1, {0x5401}}}}}}};
  std::map<std::string, SyscallSet> statics = {{"/usr/bin/ssh", Set({"socket", "ioctl"})},
                                               {"/usr/bin/scp", Set({"socket"})}};
  std::map<std::string, ArgumentValues> static_args = {{"/usr/bin/ssh", {{socket, {{0, {1, 2}}}}}},
                                                       {"/usr/bin/scp", {{socket, {{0, {1}}}}}}};
  SoundnessReport report = CheckSoundness(traced, statics, traced_args, static_args);
  ASSERT_EQ(report.images.size(), 2u);
  EXPECT_TRUE(report.images[0].missed_arguments.empty()) << "scp has no traced values";
  EXPECT_EQ(report.images[0].traced_arguments, 0u);
  const ImageSoundness& ssh = report.images[1];
  EXPECT_TRUE(ssh.missed.Empty());
  EXPECT_EQ(ssh.traced_arguments, 3u);
  ASSERT_EQ(ssh.missed_arguments.size(), 1u) << "ioctl's request is any value statically";
  EXPECT_EQ(ssh.missed_arguments[0].syscall, socket);
  EXPECT_EQ(ssh.missed_arguments[0].values, (std::vector<uint64_t>{16}));
  EXPECT_FALSE(report.Sound());

  static_args["/usr/bin/ssh"][socket][0].insert(16);
  EXPECT_TRUE(CheckSoundness(traced, statics, traced_args, static_args).Sound());
}

TEST(Soundness, NothingTracedIsTriviallySound) { EXPECT_TRUE(CheckSoundness({}, {}).Sound()); }

}  // namespace
}  // namespace sysfence
