#include "record/exec_image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

namespace sysfence {
namespace {

FileIdentity IdentityOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

TEST(ExecImage, ThePathWhenItNamesTheExecutedFile) {
  EXPECT_EQ(ChooseExecutedImage("/bin/sh", IdentityOf("/bin/sh"), "/usr/bin/env"), "/bin/sh");
  // Without an identity the path is all there is.
  EXPECT_EQ(ChooseExecutedImage("/bin/sh", std::nullopt, "/usr/bin/env"), "/bin/sh");
}

TEST(ExecImage, ThePreviousImageWhenTheProgramReExecutedItsOwnFile) {
  FileIdentity own = IdentityOf("/proc/self/exe");
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self);
  ASSERT_GT(n, 0);
  std::string previous(self, static_cast<size_t>(n));
  // From a detached mount no path names the file; from a bind mount since removed, the path
  // names nothing or another file.
  EXPECT_EQ(ChooseExecutedImage("", own, previous), previous);
  EXPECT_EQ(ChooseExecutedImage("/nonexistent/run/crun", own, previous), previous);
  EXPECT_EQ(ChooseExecutedImage("/bin/sh", own, previous), previous);
}

TEST(ExecImage, UnknownWhenNothingNamesTheFile) {
  FileIdentity sh = IdentityOf("/bin/sh");
  EXPECT_EQ(ChooseExecutedImage("", sh, ""), kUnknownImage);
  // A previous image that is another file is not taken.
  EXPECT_EQ(ChooseExecutedImage("", sh, "/usr/bin/env"), kUnknownImage);
  EXPECT_EQ(ChooseExecutedImage("/gone", sh, "/usr/bin/env"), "/gone");
}

TEST(ExecImage, ThisProcessByPid) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self);
  ASSERT_GT(n, 0);
  EXPECT_EQ(ExecutedImage(getpid(), ""), std::string(self, static_cast<size_t>(n)));
}

}  // namespace
}  // namespace sysfence
