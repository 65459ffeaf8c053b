// Pins down chroot-like path resolution: absolute links restart at the root, `..` stops there,
// relative links resolve from their directory, loops end, missing parts are kept.
#include "base/root_path.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

class RootPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-root-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ + "/usr/lib/x86_64-linux-gnu");
    fs::create_directories(root_ + "/usr/bin");
    std::ofstream(root_ + "/usr/lib/x86_64-linux-gnu/ld.so") << "x";
    std::ofstream(root_ + "/usr/bin/mawk") << "x";
    fs::create_directory_symlink("usr/lib", root_ + "/lib");
    fs::create_directory(root_ + "/lib64");
    // Absolute, as Debian ships it: followed on the host it would name the host's loader.
    fs::create_symlink("/lib/x86_64-linux-gnu/ld.so", root_ + "/lib64/ld.so");
    fs::create_directories(root_ + "/etc/alternatives");
    fs::create_symlink("/usr/bin/mawk", root_ + "/etc/alternatives/awk");
    fs::create_symlink("/etc/alternatives/awk", root_ + "/usr/bin/awk");
    fs::create_symlink("../../../../../../etc/passwd", root_ + "/usr/bin/up");
    fs::create_symlink("loop2", root_ + "/loop1");
    fs::create_symlink("loop1", root_ + "/loop2");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(RootPathTest, AbsoluteLinksRestartAtTheRoot) {
  EXPECT_EQ(PathInRoot(root_, "/lib64/ld.so"), root_ + "/usr/lib/x86_64-linux-gnu/ld.so");
  EXPECT_EQ(PathInRoot(root_, "/usr/bin/awk"), root_ + "/usr/bin/mawk");
}

TEST_F(RootPathTest, DotDotStopsAtTheRoot) {
  EXPECT_EQ(PathInRoot(root_, "/../../usr/bin/mawk"), root_ + "/usr/bin/mawk");
  EXPECT_EQ(PathInRoot(root_, "/usr/bin/up"), root_ + "/etc/passwd");
}

TEST_F(RootPathTest, MissingPartsAndLoopsAreKeptAsTheyAre) {
  EXPECT_EQ(PathInRoot(root_, "/lib/nothing/here"), root_ + "/usr/lib/nothing/here");
  std::string looped = PathInRoot(root_, "/loop1/x");
  EXPECT_EQ(looped.substr(0, root_.size()), root_);
}

TEST_F(RootPathTest, NoRootLeavesThePathAlone) {
  EXPECT_EQ(PathInRoot("", "/lib64/whatever"), "/lib64/whatever");
  EXPECT_EQ(PathFromRoot(root_, root_ + "/usr/bin/mawk"), "/usr/bin/mawk");
  EXPECT_EQ(PathFromRoot(root_, "/elsewhere/x"), "/elsewhere/x");
  EXPECT_EQ(PathFromRoot(root_, root_ + "x/y"), root_ + "x/y");
}

TEST_F(RootPathTest, CanonicalPathResolvesInsideTheRootOrOnTheHost) {
  // Inside: the absolute link chain stays in the root, whether the path is given as the tree
  // names it or as the host does.
  EXPECT_EQ(CanonicalPath(root_, "/usr/bin/awk"), root_ + "/usr/bin/mawk");
  EXPECT_EQ(CanonicalPath(root_, root_ + "/usr/bin/awk"), root_ + "/usr/bin/mawk");
  // On the host: links resolved (lib is a link to usr/lib, so lib/.. is usr); a path that does
  // not exist is kept.
  EXPECT_EQ(CanonicalPath("", root_ + "/lib/../bin/mawk"), root_ + "/usr/bin/mawk");
  EXPECT_EQ(CanonicalPath("", "/no/such/file"), "/no/such/file");
}

}  // namespace
}  // namespace sysfence
