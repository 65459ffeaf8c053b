// PATH resolution before launch: what is found, and the one-line errors for what is not.
#include "base/command_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

class CommandPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sysfence-path-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::filesystem::create_directory(dir_ + "/bin");
    std::filesystem::create_directory(dir_ + "/other");
    Make(dir_ + "/bin/tool", 0755);
    Make(dir_ + "/other/tool", 0755);
    Make(dir_ + "/bin/plain", 0644);
    std::filesystem::create_directory(dir_ + "/bin/subdir");
    std::filesystem::create_symlink(dir_ + "/bin/tool", dir_ + "/bin/link");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void Make(const std::string& path, mode_t mode) {
    std::ofstream(path) << "#!/bin/sh\n";
    chmod(path.c_str(), mode);
  }
  std::string dir_;
};

TEST_F(CommandPathTest, SearchesPathInOrderAndResolvesSymlinks) {
  Result<CommandPath> found = ResolveCommand("tool", dir_ + "/bin:" + dir_ + "/other");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->exec_path, dir_ + "/bin/tool");
  EXPECT_EQ(found->canonical, dir_ + "/bin/tool");
  Result<CommandPath> link = ResolveCommand("link", dir_ + "/bin");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->exec_path, dir_ + "/bin/link");
  EXPECT_EQ(link->canonical, dir_ + "/bin/tool");
}

TEST_F(CommandPathTest, SkipsNonExecutableEntriesLikeExecvp) {
  // "subdir" and a non-executable "plain" in the first entry do not stop the search.
  Make(dir_ + "/other/plain", 0755);
  Result<CommandPath> found = ResolveCommand("plain", dir_ + "/bin:" + dir_ + "/other");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->exec_path, dir_ + "/other/plain");
}

TEST_F(CommandPathTest, ErrorsNameTheCommandAndTheProblem) {
  Result<CommandPath> missing = ResolveCommand("no-such-tool", dir_ + "/bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "no-such-tool: command not found in PATH");

  Result<CommandPath> directory = ResolveCommand(dir_ + "/bin/subdir", "");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(), dir_ + "/bin/subdir: is a directory");

  // Even root may not execute a file without any execute bit.
  Result<CommandPath> plain = ResolveCommand(dir_ + "/bin/plain", "");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().message(), dir_ + "/bin/plain: is not executable (Permission denied)");
  Result<CommandPath> plain_in_path = ResolveCommand("plain", dir_ + "/bin");
  ASSERT_FALSE(plain_in_path.ok());
  EXPECT_EQ(plain_in_path.error().message(),
            dir_ + "/bin/plain: is not executable (Permission denied)");

  Result<CommandPath> absent = ResolveCommand(dir_ + "/nothing", "");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().message(), dir_ + "/nothing: No such file or directory");
}

TEST_F(CommandPathTest, CommandWithSlashIsNotSearched) {
  Result<CommandPath> relative = ResolveCommand("bin/tool", dir_ + "/other");
  EXPECT_FALSE(relative.ok()) << "relative to the current directory, not to PATH";
}

}  // namespace
}  // namespace sysfence
