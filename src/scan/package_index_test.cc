// Pins down the package lookup from dpkg's lists, merged /usr included.
#include "scan/package_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

TEST(PackageIndex, FindsOwnersUnderEitherNameOfMergedUsr) {
  std::string pattern = (fs::temp_directory_path() / "sysfence-dpkg-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  std::string root = pattern;
  fs::create_directories(root + "/var/lib/dpkg/info");
  std::ofstream(root + "/var/lib/dpkg/info/coreutils.list") << "/.\n/bin\n/bin/ls\n/usr/bin/env\n";
  std::ofstream(root + "/var/lib/dpkg/info/libc-bin:amd64.list") << "/usr/bin/getent\n";
  PackageIndex index =
      PackageIndex::Load(root, {"/usr/bin/ls", "/usr/bin/env", "/usr/bin/getent", "/usr/bin/x"});
  EXPECT_EQ(index.Find("/usr/bin/ls"), "coreutils");
  EXPECT_EQ(index.Find("/bin/env"), "coreutils");
  EXPECT_EQ(index.Find("/usr/bin/getent"), "libc-bin");
  EXPECT_EQ(index.Find("/usr/bin/x"), "");
  EXPECT_EQ(index.size(), 3u) << "only the paths asked for are kept";
  EXPECT_EQ(MergedUsrTwin("/sbin/ip"), "/usr/sbin/ip");
  EXPECT_EQ(MergedUsrTwin("/usr/lib/x"), "/lib/x");
  EXPECT_EQ(MergedUsrTwin("/etc/x"), "");
  fs::remove_all(root);
}

TEST(PackageIndex, NoDpkgDatabaseIsAnEmptyIndex) {
  PackageIndex index = PackageIndex::Load("/nonexistent-root", {"/usr/bin/ls"});
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.Find("/usr/bin/ls"), "");
}

}  // namespace
}  // namespace sysfence
