// Pins down what an image's command is found to run: command words of shell scripts (after
// exec, wrappers, assignments and keywords; not redirection targets, comments or builtins),
// "$@" as the image's command, #! interpreters, and programs that exec named by path.
#include "scan/entrypoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace sysfence {
namespace {

namespace fs = std::filesystem;

TEST(ShellCommandWords, FindsTheCommandsAScriptRuns) {
  std::string script = R"(#!/bin/sh
# a comment naming notacommand
set -e
FOO=bar baz --opt > /dev/null 2>&1
if [ -f /etc/x ]; then grep -q x /etc/x || mkdir -p /run/x; fi
for i in a b; do echo "$i" | tr a b; done
out=$(uname -r)
exec gosu nobody env A=1 nginx -g 'daemon off;'
)";
  EXPECT_EQ(ShellCommandWords(script),
            (std::vector<std::string>{"set", "baz", "[", "grep", "mkdir", "echo", "tr", "uname",
                                      "gosu", "env", "nginx"}));
  EXPECT_EQ(ShellCommandWords("exec \"$@\"\n"), (std::vector<std::string>{"$@"}));
  EXPECT_EQ(ShellCommandWords("timeout -s KILL 5 sleep 1; nice -n 5 \\\n  sort x"),
            (std::vector<std::string>{"timeout", "sleep", "nice", "sort"}));
}

class EntrypointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-entry-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ + "/usr/bin");
    fs::create_directory_symlink("usr/bin", root_ + "/bin");
    fs::copy_file("/usr/bin/dash", root_ + "/usr/bin/dash");
    fs::create_symlink("dash", root_ + "/usr/bin/sh");
    for (std::string name : {"cat", "sort", "server"})
      Write("/usr/bin/" + name,
            "\x7f"
            "ELF",
            0755);
    Write("/entry.sh", "#!/bin/sh\nset -e\ncat /etc/motd\nsort -u x | $PAGER\nexec \"$@\"\n", 0755);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& path, const std::string& text, int mode) {
    std::ofstream(root_ + path) << text;
    fs::permissions(root_ + path, static_cast<fs::perms>(mode));
  }
  std::string root_;
};

TEST_F(EntrypointTest, FollowsTheEntrypointScriptItsInterpreterAndItsArguments) {
  ImageConfig config;
  config.entrypoint = {"/entry.sh"};
  config.cmd = {"server", "--port", "80"};
  config.env = {"PATH=/usr/bin:/bin"};
  EntrypointPrograms found = FindEntrypointPrograms(root_, config);
  EXPECT_EQ(found.programs, (std::vector<std::string>{"/entry.sh", "/usr/bin/dash", "/usr/bin/cat",
                                                      "/usr/bin/sort", "/usr/bin/server"}));
  ASSERT_EQ(found.notes.size(), 1u);
  EXPECT_NE(found.notes[0].find("'$PAGER'"), std::string::npos) << found.notes[0];
}

TEST_F(EntrypointTest, ReadsAShellCommandStringAndNamesWhatIsMissing) {
  ImageConfig config;
  config.cmd = {"sh", "-c", "cat x && missing-tool"};
  EntrypointPrograms found = FindEntrypointPrograms(root_, config);
  EXPECT_EQ(found.programs, (std::vector<std::string>{"/usr/bin/dash", "/usr/bin/cat"}));
  ASSERT_EQ(found.notes.size(), 1u);
  EXPECT_NE(found.notes[0].find("'missing-tool'"), std::string::npos);
  EXPECT_EQ(FindEntrypointPrograms(root_, ImageConfig{}).notes.size(), 1u);
}

}  // namespace
}  // namespace sysfence
