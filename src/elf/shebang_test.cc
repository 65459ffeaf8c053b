// Pins down how "#!" lines are followed: the interpreter and its one argument, env with
// options, assignments and -S, PATH lookups under a sysroot, interpreter scripts, and an
// error naming the script for every way a line can be unusable.
#include "elf/shebang.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

// A fake root: bin/ holds executables (copies of /bin/true) and scripts.
class ShebangTest : public ::testing::Test {
 protected:
  ShebangTest()
      : root_(::testing::TempDir() + "shebang_" + std::to_string(getpid()) + "_" +
              std::to_string(counter_++)) {
    fs::create_directories(root_ + "/bin");
    fs::create_directories(root_ + "/usr/bin");
    fs::copy_file("/bin/true", root_ + "/bin/sh");
    fs::copy_file("/bin/true", root_ + "/usr/bin/env");
    fs::copy_file("/bin/true", root_ + "/usr/bin/python3");
  }
  ~ShebangTest() override { fs::remove_all(root_); }

  std::string Write(const std::string& relative, const std::string& text, bool executable = true) {
    std::string path = root_ + relative;
    std::ofstream(path) << text;
    chmod(path.c_str(), executable ? 0755 : 0644);
    return path;
  }
  Result<std::optional<ScriptChain>> Follow(const std::string& path) {
    return FollowShebang(path, ShebangOptions{root_, "/usr/bin:/bin"});
  }

  static inline int counter_ = 0;
  std::string root_;
};

TEST_F(ShebangTest, AnElfFileOrPlainTextIsNoScript) {
  Result<std::optional<ScriptChain>> chain = Follow(root_ + "/bin/sh");
  ASSERT_TRUE(chain.ok());
  EXPECT_FALSE(chain->has_value());
  chain = Follow(Write("/notes", "just text\n"));
  ASSERT_TRUE(chain.ok());
  EXPECT_FALSE(chain->has_value());
}

TEST_F(ShebangTest, TheInterpreterIsTheFirstWordOfTheLine) {
  Result<std::optional<ScriptChain>> chain = Follow(Write("/run.sh", "#! /bin/sh -e  \necho\n"));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  ASSERT_TRUE(chain->has_value());
  EXPECT_EQ((*chain)->programs, std::vector<std::string>{root_ + "/bin/sh"});
  EXPECT_EQ((*chain)->line, "/bin/sh -e");
  EXPECT_EQ((*chain)->scripts, std::vector<std::string>{root_ + "/run.sh"});
}

TEST_F(ShebangTest, EnvRunsTheCommandItFindsInPath) {
  for (const char* line :
       {"#!/usr/bin/env python3\n", "#!/usr/bin/env -S python3 -u\n",
        "#!/usr/bin/env -i LANG=C python3\n", "#!/usr/bin/env -u HOME python3\n"}) {
    Result<std::optional<ScriptChain>> chain = Follow(Write("/tool", line));
    ASSERT_TRUE(chain.ok()) << line << chain.error().message();
    ASSERT_TRUE(chain->has_value()) << line;
    EXPECT_EQ((*chain)->programs,
              (std::vector<std::string>{root_ + "/usr/bin/env", root_ + "/usr/bin/python3"}))
        << line;
  }
}

TEST_F(ShebangTest, AnInterpreterThatIsAScriptIsFollowed) {
  Write("/bin/wrapper", "#!/bin/sh\nexec python3 \"$@\"\n");
  Result<std::optional<ScriptChain>> chain = Follow(Write("/job", "#!/bin/wrapper\n"));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  EXPECT_EQ((*chain)->programs, std::vector<std::string>{root_ + "/bin/sh"});
  EXPECT_EQ((*chain)->scripts, (std::vector<std::string>{root_ + "/job", root_ + "/bin/wrapper"}));
  // env finding a script follows that script's line too.
  Write("/usr/bin/shim", "#!/bin/sh\n");
  chain = Follow(Write("/viaenv", "#!/usr/bin/env shim\n"));
  ASSERT_TRUE(chain.ok()) << chain.error().message();
  EXPECT_EQ((*chain)->programs,
            (std::vector<std::string>{root_ + "/usr/bin/env", root_ + "/bin/sh"}));
}

TEST_F(ShebangTest, UnusableLinesAreErrorsNamingTheScript) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c :
       {Case{"#!\n", "its '#!' line names no interpreter"},
        Case{"#!/bin/missing\n", "its interpreter /bin/missing is not an executable file"},
        Case{"#!/usr/bin/env\n", "its '#!' line runs env without a command"},
        Case{"#!/usr/bin/env LANG=C\n", "its '#!' line runs env without a command"},
        Case{"#!/usr/bin/env nothing-such\n",
             "its interpreter 'nothing-such' (run by env) is "
             "not found in PATH (/usr/bin:/bin)"}}) {
    std::string script = Write("/bad", c.text);
    Result<std::optional<ScriptChain>> chain = Follow(script);
    ASSERT_FALSE(chain.ok()) << c.text;
    EXPECT_EQ(chain.error().message(), script + ": " + c.message);
  }
  Write("/bin/plain", "data\n", /*executable=*/false);
  Result<std::optional<ScriptChain>> chain = Follow(Write("/x", "#!/bin/plain\n"));
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.error().message(),
            root_ + "/x: its interpreter /bin/plain is not an executable file");
}

TEST_F(ShebangTest, ScriptsNestedDeeperThanTheKernelAllowsAreAnError) {
  Write("/bin/s1", "#!/bin/s2\n");
  Write("/bin/s2", "#!/bin/s3\n");
  Write("/bin/s3", "#!/bin/s4\n");
  Write("/bin/s4", "#!/bin/s5\n");
  Write("/bin/s5", "#!/bin/sh\n");
  Result<std::optional<ScriptChain>> chain = Follow(Write("/top", "#!/bin/s1\n"));
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.error().message().find("nested deeper than 5 levels"), std::string::npos)
      << chain.error().message();
}

}  // namespace
}  // namespace sysfence
