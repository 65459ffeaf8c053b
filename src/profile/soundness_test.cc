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
  EXPECT_EQ(TracedImages(traced),
            (std::vector<std::string>{"/usr/bin/scp", "/usr/bin/ssh",
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

TEST(Soundness, NothingTracedIsTriviallySound) {
  EXPECT_TRUE(CheckSoundness({}, {}).Sound());
}

}  // namespace
}  // namespace sysfence
