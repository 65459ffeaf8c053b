// Helpers for integration tests: run a command with captured output and a time limit, find
// the built sysfence and test programs, and make scratch directories.
//
//   CommandResult r = RunCommand({SysfenceBinary(), "names", "0"});
//   EXPECT_EQ(r.exit_code, 0);
//   EXPECT_EQ(r.out, "read\n");
#ifndef SYSFENCE_TESTS_TEST_UTIL_H_
#define SYSFENCE_TESTS_TEST_UTIL_H_

#include <string>
#include <vector>

namespace sysfence::testing {

struct CommandResult {
  int exit_code = -1;  // WEXITSTATUS, or 128+N when killed by signal N
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs argv[0] (searched in PATH) with stdin from /dev/null (or `input`), killing the whole
// process group after `timeout_seconds`.
CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_seconds = 120,
                         const std::string& input = "");
// Same, through /bin/sh -c.
CommandResult RunShell(const std::string& command, int timeout_seconds = 120);

std::string SysfenceBinary();
// A program built from tests/programs/NAME.c.
std::string TestProgram(const std::string& name);
std::string SourceDir();

// A fresh directory removed when the object goes out of scope.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadWholeFile(const std::string& path);
void WriteWholeFile(const std::string& path, const std::string& contents);
bool FileExists(const std::string& path);

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_TEST_UTIL_H_
