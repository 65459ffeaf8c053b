// Pins down whole-or-nothing writing and clear errors for reading.
#include "base/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-fileutil-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileUtilTest, WritesWholeFileAndReadsItBack) {
  std::string path = (dir_ / "out.json").string();
  ASSERT_TRUE(WriteFileAtomically(path, "hello\n").ok());
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "hello\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1)
      << "no temporary file may be left beside the output";
}

TEST_F(FileUtilTest, FailedWriteLeavesNoFileAndNamesThePath) {
  std::string path = (dir_ / "missing-dir" / "out.json").string();
  Status status = WriteFileAtomically(path, "x");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find(path), std::string::npos);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(FileUtilTest, ReplacesAnExistingFileWhole) {
  std::string path = (dir_ / "out.txt").string();
  ASSERT_TRUE(WriteFileAtomically(path, std::string(10000, 'a')).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "short").ok());
  EXPECT_EQ(*ReadFile(path), "short");
}

TEST_F(FileUtilTest, DeferredWritesAreWholeAndASyncCoversThem) {
  std::string path = (dir_ / "profile.json").string();
  ASSERT_TRUE(WriteFileAtomically(path, std::string(5000, 'a'), WriteSync::kDeferred).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "whole\n", WriteSync::kDeferred).ok());
  EXPECT_EQ(*ReadFile(path), "whole\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  EXPECT_TRUE(SyncFileSystem(dir_.string()).ok());
  EXPECT_TRUE(SyncFileSystem(path).ok());
  Status missing = SyncFileSystem((dir_ / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope"), std::string::npos);
}

TEST_F(FileUtilTest, WritesToCharacterDevicesInPlace) {
  EXPECT_TRUE(WriteFileAtomically("/dev/null", "discarded").ok());
}

TEST_F(FileUtilTest, ReadingMissingFileOrDirectoryNamesIt) {
  auto missing = ReadFile((dir_ / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope"), std::string::npos);
  auto directory = ReadFile(dir_.string());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message().find("directory"), std::string::npos);
}

TEST(UserCacheDirectory, FollowsXdgCacheHome) {
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(UserCacheDirectory(), "/tmp/xdg-test/sysfence");
  unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace sysfence
