// Following "#!" lines the way the kernel's binfmt_script and /usr/bin/env do (see
// shebang.h). The kernel reads the first line (up to 255 bytes since Linux 5.1), takes the
// first word as the interpreter and the rest as one argument, and allows five levels of
// interpreter scripts; env skips its options and NAME=VALUE assignments, splits its
// argument with -S, and searches PATH like execvp.
#include "elf/shebang.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "base/root_path.h"

namespace sysfence {
namespace {

constexpr size_t kMaxLine = 255;  // BINPRM_BUF_SIZE - 1
constexpr int kMaxNesting = 5;    // exec_binprm: more interpreters is ELOOP
constexpr const char* kDefaultPath = "/usr/local/bin:/bin:/usr/bin";

// Links inside a sysroot are followed inside it (an image's /bin/sh -> dash is relative, but
// absolute links are common).
std::string UnderRoot(const std::string& sysroot, const std::string& path) {
  if (sysroot.empty() || path.empty() || path[0] != '/') return path;
  return PathInRoot(sysroot, path);
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The first line when it starts with "#!", else nullopt (also for a file that cannot be
// opened: whoever opens it next reports why).
std::optional<std::string> ReadShebangLine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // the ELF reader says why
  char buffer[kMaxLine + 1] = {};
  in.read(buffer, sizeof buffer);
  std::string head(buffer, static_cast<size_t>(in.gcount()));
  if (head.size() < 2 || head[0] != '#' || head[1] != '!') return std::nullopt;
  std::string line = head.substr(
      2, head.find('\n') == std::string::npos ? std::string::npos : head.find('\n') - 2);
  return line;
}

std::vector<std::string> SplitBlanks(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// The command `env ARGUMENT` runs, from the one argument the kernel passes it.
Result<std::string> EnvCommand(const std::string& script, const std::string& argument) {
  std::vector<std::string> words = SplitBlanks(argument);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "-S" || w == "--split-string") continue;  // the rest is split already
    if (w.starts_with("-S")) {                         // -S"python3 -u"
      std::vector<std::string> rest = SplitBlanks(w.substr(2));
      if (!rest.empty()) return rest[0];
      continue;
    }
    if (w == "-u" || w == "--unset" || w == "-C" || w == "--chdir") {
      ++i;  // the option's value
      continue;
    }
    if (w.starts_with("-")) continue;
    if (w.find('=') != std::string::npos) continue;  // NAME=VALUE
    return w;
  }
  return MakeError("{}: its '#!' line runs env without a command", script);
}

Result<std::string> SearchPath(const std::string& script, const std::string& command,
                               const ShebangOptions& options) {
  if (command.find('/') != std::string::npos) {
    std::string path = UnderRoot(options.sysroot, command);
    if (IsExecutableFile(path)) return path;
    return MakeError("{}: its interpreter {} (run by env) is not an executable file", script,
                     command);
  }
  std::string search = options.search_path;
  if (search.empty()) {
    const char* own = std::getenv("PATH");
    search = own != nullptr && *own != '\0' ? own : kDefaultPath;
  }
  size_t start = 0;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = UnderRoot(options.sysroot, dir + "/" + command);
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return MakeError("{}: its interpreter '{}' (run by env) is not found in PATH ({})", script,
                   command, search);
}

}  // namespace

Result<std::optional<ScriptChain>> FollowShebang(const std::string& path,
                                                 const ShebangOptions& options) {
  std::optional<std::string> first = ReadShebangLine(path);
  if (!first) return std::optional<ScriptChain>();
  ScriptChain chain;
  std::string current = path;
  std::optional<std::string> line = first;
  for (int depth = 0; line; ++depth) {
    if (depth >= kMaxNesting) {
      return MakeError("{}: interpreter scripts nested deeper than {} levels", path, kMaxNesting);
    }
    chain.scripts.push_back(current);
    // The interpreter is the first word; the rest (trimmed) is one argument.
    std::string_view text = *line;
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
      text.remove_suffix(1);
    }
    size_t blank = text.find_first_of(" \t");
    std::string interpreter(text.substr(0, blank));
    std::string argument;
    if (blank != std::string_view::npos) {
      std::string_view rest = text.substr(blank);
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      argument = rest;
    }
    if (depth == 0) chain.line = text;
    if (interpreter.empty()) return MakeError("{}: its '#!' line names no interpreter", current);
    std::string found = UnderRoot(options.sysroot, interpreter);
    if (!IsExecutableFile(found)) {
      return MakeError("{}: its interpreter {} is not an executable file", current, interpreter);
    }
    if (std::optional<std::string> next = ReadShebangLine(found)) {
      current = found;  // the interpreter is itself a script
      line = next;
      continue;
    }
    chain.programs.push_back(found);
    if (interpreter.substr(interpreter.rfind('/') + 1) == "env") {
      Result<std::string> command = EnvCommand(current, argument);
      if (!command.ok()) return command.error();
      Result<std::string> program = SearchPath(current, *command, options);
      if (!program.ok()) return program.error();
      // env execs a program; if that is a script, the kernel follows its line in turn.
      if (std::optional<std::string> env_next = ReadShebangLine(*program)) {
        current = *program;
        line = env_next;
        continue;
      }
      chain.programs.push_back(*program);
    }
    line.reset();
  }
  return std::optional<ScriptChain>(std::move(chain));
}

}  // namespace sysfence
