// Pins down which files a scan takes: executables under the paths, one entry per file with
// its other names as aliases, links resolved inside the root, kinds by the first bytes.
#include "scan/program_finder.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

class ProgramFinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-finder-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ + "/usr/bin");
    fs::create_directories(root_ + "/opt/tool");
    fs::create_directory_symlink("usr/bin", root_ + "/bin");
    Write("/usr/bin/prog",
          "\x7f"
          "ELF rest",
          0755);
    Write("/usr/bin/script", "#!/bin/sh\n", 0755);
    Write("/usr/bin/data", "plain text", 0755);
    Write("/usr/bin/notes", "not executable", 0644);
    Write("/opt/tool/real",
          "\x7f"
          "ELF",
          0755);
    fs::create_symlink("/opt/tool/real", root_ + "/usr/bin/tool");  // absolute: inside the root
    fs::create_symlink("prog", root_ + "/usr/bin/alias");
    fs::create_hard_link(root_ + "/usr/bin/prog", root_ + "/usr/bin/hard");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& path, const std::string& text, fs::perms mode) {
    std::ofstream(root_ + path) << text;
    fs::permissions(root_ + path, mode);
  }
  void Write(const std::string& path, const std::string& text, int mode) {
    Write(path, text, static_cast<fs::perms>(mode));
  }
  std::string root_;
};

TEST_F(ProgramFinderTest, FindsEachExecutableOnceWithItsOtherNames) {
  Result<std::vector<ScanProgram>> found = FindPrograms(root_, {"/usr/bin", "/bin"});
  ASSERT_TRUE(found.ok()) << found.error().message();
  std::vector<std::string> paths;
  for (const ScanProgram& p : *found) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/opt/tool/real", "/usr/bin/data", "/usr/bin/hard",
                                             "/usr/bin/script"}));
  const ScanProgram& real = (*found)[0];
  EXPECT_EQ(real.kind, ProgramKind::kElf);
  EXPECT_EQ(real.host_path, root_ + "/opt/tool/real");
  EXPECT_EQ(real.aliases, (std::vector<std::string>{"/usr/bin/tool"}));
  EXPECT_EQ((*found)[1].kind, ProgramKind::kOther);
  EXPECT_EQ((*found)[2].aliases, (std::vector<std::string>{"/usr/bin/alias", "/usr/bin/prog"}));
  EXPECT_EQ((*found)[3].kind, ProgramKind::kScript);
}

TEST_F(ProgramFinderTest, TakesANamedFileEvenWithoutExecuteBitAndNamesMissingPaths) {
  Result<std::vector<ScanProgram>> found = FindPrograms(root_, {"/usr/bin/notes"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].path, "/usr/bin/notes");
  Result<std::vector<ScanProgram>> missing = FindPrograms(root_, {"/no/such"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/no/such"), std::string::npos);
}

TEST(SplitSearchPath, DropsEmptyAndRepeatedDirectories) {
  EXPECT_EQ(SplitSearchPath("/usr/bin::/bin:/usr/bin"),
            (std::vector<std::string>{"/usr/bin", "/bin"}));
}

}  // namespace
}  // namespace sysfence
