// FindEntrypointPrograms (see entrypoint.h): a worklist of programs inside the root; shell
// scripts are read by a small tokenizer (quotes, comments, continuation lines, operators,
// redirections) that is enough to find command words, not a shell.
#include "scan/entrypoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include "base/root_path.h"
#include "elf/elf_file.h"
#include "elf/shebang.h"
#include "scan/program_finder.h"

namespace sysfence {
namespace {

constexpr size_t kMaxPrograms = 256;
constexpr size_t kMaxScriptBytes = 1 << 20;

// Shell builtins (POSIX and bash): running them starts no program.
const std::set<std::string_view> kBuiltins = {
    ":",       ".",       "[",        "[[",       "alias",   "bg",        "break",  "builtin",
    "cd",      "command", "continue", "declare",  "echo",    "eval",      "exit",   "export",
    "false",   "fg",      "getopts",  "hash",     "jobs",    "kill",      "let",    "local",
    "printf",  "pwd",     "read",     "readonly", "return",  "set",       "shift",  "source",
    "test",    "times",   "trap",     "true",     "type",    "typeset",   "ulimit", "umask",
    "unalias", "unset",   "wait",     "shopt",    "mapfile", "readarray", "exec"};

// Commands that run another command given after their own options and arguments.
struct Wrapper {
  std::string_view name;
  int positional;  // arguments before the command (gosu USER CMD)
  std::set<std::string_view> options_with_argument;
  bool assignments = false;  // env NAME=VALUE CMD
};
const Wrapper kWrappers[] = {
    {"exec", 0, {"-a"}},
    {"command", 0, {}},
    {"env", 0, {"-u", "-C", "--unset", "--chdir"}, true},
    {"nohup", 0, {}},
    {"nice", 0, {"-n", "--adjustment"}},
    {"ionice", 0, {"-c", "-n", "-p"}},
    {"timeout", 1, {"-s", "-k", "--signal", "--kill-after"}},
    {"gosu", 1, {}},
    {"su-exec", 1, {}},
    {"chroot", 1, {"--userspec", "--groups"}},
    {"tini", 0, {"-p", "-e"}},
    {"dumb-init", 0, {"-r"}},
    {"setpriv", 0, {"--reuid", "--regid", "--groups", "--inh-caps", "--bounding-set"}},
    {"runuser", 0, {"-u", "-g", "-G"}},
    {"sudo", 0, {"-u", "-g"}},
    {"stdbuf", 0, {"-i", "-o", "-e"}},
    {"taskset", 1, {}},
    {"chrt", 1, {}},
    {"xargs", 0, {"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"}},
};

const std::set<std::string_view> kKeywordsBeforeCommand = {
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"};
const std::set<std::string_view> kKeywordsEndingCommand = {"fi",  "done", "esac",   "}",       "in",
                                                           "for", "case", "select", "function"};

// Functions that start another program.
constexpr std::string_view kExecFunctions[] = {
    "execve",  "execv",    "execvp",      "execvpe",      "execl",  "execlp", "execle",
    "fexecve", "execveat", "posix_spawn", "posix_spawnp", "system", "popen"};

struct Token {
  std::string text;
  bool separator = false;
};

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::string word;
  bool in_word = false;
  bool skip_next_word = false;  // a redirection's target
  auto end_word = [&] {
    if (in_word) {
      if (!skip_next_word) tokens.push_back({word, false});
      skip_next_word = false;
    }
    word.clear();
    in_word = false;
  };
  auto separator = [&] {
    end_word();
    if (tokens.empty() || !tokens.back().separator) tokens.push_back({"", true});
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] != '\n') {
        word += s[i + 1];
        in_word = true;
      }
      ++i;
    } else if (c == '#' && !in_word) {
      while (i < s.size() && s[i] != '\n') ++i;
      separator();
    } else if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
    } else if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '`') {
      separator();
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '(') {
      separator();  // a command substitution starts a command
      ++i;
    } else if (c == '<' || c == '>') {
      // "2>&1", ">/dev/null": drop a file descriptor number before, skip the target after.
      if (in_word && word.find_first_not_of("0123456789") == std::string::npos) {
        word.clear();
        in_word = false;
      }
      end_word();
      while (i + 1 < s.size() &&
             (s[i + 1] == '>' || s[i + 1] == '<' || s[i + 1] == '&' || s[i + 1] == '|')) {
        ++i;
      }
      size_t j = i + 1;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      if (j < s.size() && s[j] >= '0' && s[j] <= '9' && s[i] == '&') {
        i = j;  // >&2
        while (i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') ++i;
      } else {
        skip_next_word = true;
      }
    } else if (c == '\'') {
      in_word = true;
      for (++i; i < s.size() && s[i] != '\''; ++i) word += s[i];
    } else if (c == '"') {
      in_word = true;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        word += s[i];
      }
    } else {
      word += c;
      in_word = true;
    }
  }
  end_word();
  return tokens;
}

bool IsAssignment(const std::string& word) {
  size_t eq = word.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = word[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_') ||
        (i == 0 && std::isdigit(static_cast<unsigned char>(c)))) {
      return false;
    }
  }
  return true;
}

const Wrapper* WrapperNamed(std::string_view word) {
  std::string_view base = word.substr(word.find_last_of('/') + 1);
  for (const Wrapper& w : kWrappers) {
    if (w.name == base) return &w;
  }
  return nullptr;
}

bool IsExecutableFile(const std::string& host) {
  struct stat info {};
  return stat(host.c_str(), &info) == 0 && S_ISREG(info.st_mode) && (info.st_mode & 0111) != 0;
}

class Search {
 public:
  Search(const std::string& root, const ImageConfig& config)
      : root_(root),
        path_(
            SplitSearchPath(config.SearchPath().empty() ? kDefaultScanPath : config.SearchPath())),
        working_dir_(config.working_dir.empty() ? "/" : config.working_dir) {}

  EntrypointPrograms Run(const std::vector<std::string>& command) {
    if (command.empty()) {
      found_.notes.push_back("the image configuration has no Entrypoint and no Cmd");
      return std::move(found_);
    }
    std::vector<std::string> args(command.begin() + 1, command.end());
    Command(command[0], args, "the image's command");
    while (!queue_.empty() && found_.programs.size() < kMaxPrograms) {
      auto [path, program_args] = std::move(queue_.front());
      queue_.pop_front();
      Visit(path, program_args);
    }
    return std::move(found_);
  }

 private:
  // Resolves a command word the way the shell or the runtime does and queues the program.
  void Command(const std::string& word, const std::vector<std::string>& args,
               const std::string& from) {
    if (kBuiltins.count(word) != 0) return;
    if (word.find_first_of("$`*?") != std::string::npos) {
      found_.notes.push_back(fmt::format("'{}' in {} is computed: not followed", word, from));
      return;
    }
    std::string host;
    if (word.find('/') != std::string::npos) {
      std::string named = word[0] == '/' ? word : working_dir_ + "/" + word;
      host = PathInRoot(root_, named);
      if (!IsExecutableFile(host)) host.clear();
    } else {
      for (const std::string& dir : path_) {
        std::string candidate = PathInRoot(root_, dir + "/" + word);
        if (IsExecutableFile(candidate)) {
          host = candidate;
          break;
        }
      }
    }
    if (host.empty()) {
      found_.notes.push_back(
          fmt::format("'{}' (run by {}) is not a program of the image", word, from));
      return;
    }
    std::string path = PathFromRoot(root_, host);
    if (!seen_.insert(path).second) return;
    found_.programs.push_back(path);
    queue_.emplace_back(path, args);
  }

  void Visit(const std::string& path, const std::vector<std::string>& args) {
    std::string host = PathInRoot(root_, path);
    Result<std::optional<ScriptChain>> chain =
        FollowShebang(host, ShebangOptions{root_, JoinedPath()});
    if (chain.ok() && *chain) {
      bool shell = false;
      for (const std::string& program : (*chain)->programs) {
        std::string inside = PathFromRoot(root_, program);
        std::string base = inside.substr(inside.find_last_of('/') + 1);
        shell |=
            base == "sh" || base == "dash" || base == "bash" || base == "ash" || base == "busybox";
        Command(inside, {}, path);
      }
      if (shell) ReadShellScript(host, path, args);
      return;
    }
    if (!chain.ok()) {
      found_.notes.push_back(chain.error().message());
      return;
    }
    // A shell run with -c: its string is a script.
    std::string base = path.substr(path.find_last_of('/') + 1);
    if (base == "sh" || base == "dash" || base == "bash" || base == "ash") {
      for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "-c") {
          FollowScriptText(args[i + 1], path + " -c",
                           {args.begin() + static_cast<long>(i) + 2, args.end()});
          break;
        }
      }
    }
    FollowProgramStrings(host, path);
  }

  void ReadShellScript(const std::string& host, const std::string& path,
                       const std::vector<std::string>& args) {
    std::ifstream in(host, std::ios::binary);
    std::string text(kMaxScriptBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    FollowScriptText(text, path, args);
  }

  void FollowScriptText(const std::string& text, const std::string& from,
                        const std::vector<std::string>& args) {
    for (const std::string& word : ShellCommandWords(text)) {
      if (word == "$@" || word == "${@}" || word == "$*" || word == "$1" || word == "${1}") {
        // The script's arguments: `exec "$@"` runs the image's command.
        if (!args.empty()) {
          Command(args[0], {args.begin() + 1, args.end()}, from + " (its arguments)");
        } else {
          found_.notes.push_back(fmt::format("{} runs its arguments, and has none", from));
        }
        continue;
      }
      Command(word, {}, from);
    }
  }

  // A program that can start others: the absolute program paths its read-only data names.
  void FollowProgramStrings(const std::string& host, const std::string& path) {
    Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(host);
    if (!elf.ok()) return;
    bool execs = false, shell = false;
    for (const ElfSymbol& sym : (*elf)->dynamic_symbols()) {
      if (sym.IsDefined()) continue;
      for (std::string_view f : kExecFunctions) {
        if (sym.name == f) {
          execs = true;
          shell |= f == "system" || f == "popen";
        }
      }
    }
    if (!execs) return;
    if (shell) Command("/bin/sh", {}, path + " (system or popen)");
    std::set<std::string> named;
    for (const ElfSection& section : (*elf)->sections()) {
      // .interp names the loader, which the kernel maps: no exec.
      if (!section.IsAllocated() || section.IsExecutable() || section.IsWritable() ||
          !section.HasFileBytes() || section.name == ".interp") {
        continue;
      }
      std::optional<ByteView> bytes = (*elf)->bytes().Sub(section.offset, section.size);
      if (!bytes) continue;
      std::string_view data(reinterpret_cast<const char*>(bytes->data()), bytes->size());
      size_t start = 0;
      for (size_t i = 0; i < data.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(data[i]);
        if (c > 0x20 && c < 0x7f) continue;
        if (c == 0 && i > start + 1 && data[start] == '/' && i - start < 256) {
          std::string text(data.substr(start, i - start));
          if (text.find('%') == std::string::npos) named.insert(text);
        }
        start = i + 1;
      }
    }
    for (const std::string& text : named) {
      if (IsExecutableFile(PathInRoot(root_, text))) Command(text, {}, path + " (names it)");
    }
  }

  std::string JoinedPath() const {
    std::string joined;
    for (const std::string& dir : path_) joined += (joined.empty() ? "" : ":") + dir;
    return joined;
  }

  std::string root_;
  std::vector<std::string> path_;
  std::string working_dir_;
  EntrypointPrograms found_;
  std::set<std::string> seen_;
  std::deque<std::pair<std::string, std::vector<std::string>>> queue_;
};

}  // namespace

std::vector<std::string> ShellCommandWords(std::string_view script) {
  std::vector<std::string> words;
  std::vector<Token> tokens = Tokenize(script);
  bool at_command = true;
  const Wrapper* wrapper = nullptr;  // the wrapper whose arguments are being skipped
  int positional_left = 0;
  bool option_argument = false;
  for (const Token& t : tokens) {
    if (t.separator) {
      at_command = true;
      wrapper = nullptr;
      continue;
    }
    const std::string& w = t.text;
    if (wrapper != nullptr) {
      if (option_argument) {
        option_argument = false;
        continue;
      }
      if (w == "--") continue;
      if (w.starts_with('-') && w.size() > 1) {
        option_argument = wrapper->options_with_argument.count(w) != 0;
        continue;
      }
      if (wrapper->assignments && IsAssignment(w)) continue;
      if (positional_left > 0) {
        --positional_left;
        continue;
      }
      wrapper = nullptr;
      at_command = true;  // this word is the wrapped command
    }
    if (!at_command) continue;
    if (IsAssignment(w) || kKeywordsBeforeCommand.count(w) != 0) continue;
    at_command = false;
    if (kKeywordsEndingCommand.count(w) != 0) continue;
    if (w != "exec" && w != "command") words.push_back(w);
    if (const Wrapper* found = WrapperNamed(w)) {
      wrapper = found;
      positional_left = found->positional;
      option_argument = false;
    }
  }
  return words;
}

EntrypointPrograms FindEntrypointPrograms(const std::string& root, const ImageConfig& config) {
  Search search(root, config);
  return search.Run(config.Command());
}

}  // namespace sysfence
