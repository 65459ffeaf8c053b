// Scripts: what the kernel runs for a file that starts with "#!" (binfmt_script). The
// interpreter named on that line gets the script as an argument; `/usr/bin/env NAME` then
// looks NAME up in PATH and execs it, so a process running a script runs a chain of
// programs. Static analysis analyses the programs of that chain.
//
//   Result<std::optional<ScriptChain>> chain = FollowShebang("/usr/bin/nroff", options);
//   if (chain.ok() && *chain) {
//     (*chain)->programs;   // {"/usr/bin/dash"}: each program the process execs, in order
//   }
#ifndef SYSFENCE_ELF_SHEBANG_H_
#define SYSFENCE_ELF_SHEBANG_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct ShebangOptions {
  std::string sysroot;      // paths are looked up under it ("" = /)
  std::string search_path;  // PATH for `env NAME` ("" = this process's PATH, else glibc's)
};

struct ScriptChain {
  // The script and every interpreter script it names, outermost first.
  std::vector<std::string> scripts;
  // The programs (not scripts) the process runs, in order: the interpreter, and for
  // `#!/usr/bin/env NAME` env and then NAME as PATH finds it. Paths as found (under the
  // sysroot when there is one).
  std::vector<std::string> programs;
  // The `#!` line of the script itself, without "#!" and surrounding blanks.
  std::string line;
};

// nullopt when `path` does not start with "#!" (an ELF file or anything else: the caller
// tells). An error names the script and says what is wrong: an empty `#!` line, an
// interpreter that does not exist or is not executable, `env` without a command, a command
// env cannot find, or scripts nested deeper than the kernel allows.
Result<std::optional<ScriptChain>> FollowShebang(const std::string& path,
                                                 const ShebangOptions& options);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_SHEBANG_H_
