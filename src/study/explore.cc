// The exploration (see explore.h). A candidate is a study run's command with one thing
// changed: an option of the program's --help added, one input operand replaced by a mutated
// copy, or the environment changed. Candidates are written with the study's placeholders, so a
// kept one is a line of a runs file as it stands; the mutated inputs are made by a shell script
// (one recipe per input), the same one the output's inputs.sh holds, so what ran here is what
// an adopting study makes. The order is breadth first: every option, every mutation and every
// environment once, each with one run, before any of them with a second run, the three kinds
// taken in turn; the seed shuffles the runs and the order within a round.
#include "study/explore.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "profile/profile_json.h"
#include "study/help_options.h"
#include "study/study_session.h"
#include "study/study_spec.h"
#include "study/workload.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kHelpTimeoutSeconds = 10;
// The values given to options that take a file or a directory (made by the first recipes).
constexpr const char* kValueFile = "{in}/explore/value.txt";
constexpr const char* kValueDirectory = "{in}/explore/value.d";
constexpr size_t kFailuresKept = 10;
constexpr uint64_t kHugeBytes = 8 << 20;
constexpr double kProgressEverySeconds = 5;

// ---------------------------------------------------------------------------------------------
// Quoting. A runs file is split by SplitWords ('...' and "..." quoting, no escapes); a command
// handed to `sh -c` is quoted for the shell.

std::optional<std::string> RunsFileWord(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t'\"") == std::string::npos) return word;
  if (word.find('\'') == std::string::npos) return "'" + word + "'";
  if (word.find('"') == std::string::npos) return "\"" + word + "\"";
  return std::nullopt;
}

std::string ShellWord(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_@%+=:,./{}-") == std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string ShellCommand(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) line += (line.empty() ? "" : " ") + ShellWord(word);
  return line;
}

// ---------------------------------------------------------------------------------------------
// Candidates.

enum class Output { kFile, kPipe, kTerminal };

struct Candidate {
  size_t from = 0;                 // the hand-written run it changes
  std::string what;                // "option --rare", "a.txt: empty", "LC_ALL=C"
  std::vector<std::string> words;  // with placeholders
  std::string stdin_word;          // with placeholders; "" for /dev/null
  std::vector<std::string> environment;
  Output output = Output::kFile;
  std::vector<size_t> recipes;  // the input recipes it needs
  std::string fifo;             // a FIFO operand: fed with `fifo_source` while it runs
  std::string fifo_source;
};

// The command a runs file holds for the candidate; nullopt when it cannot be written there.
std::optional<std::string> RunsFileCommand(const Candidate& candidate) {
  std::vector<std::string> words;
  if (!candidate.environment.empty()) {
    words.push_back("env");
    words.insert(words.end(), candidate.environment.begin(), candidate.environment.end());
  }
  std::string stdin_word = candidate.stdin_word;
  std::string inner = ShellCommand(candidate.words);
  if (!stdin_word.empty()) inner += " < " + ShellWord(stdin_word);
  if (!candidate.fifo.empty()) {
    // The FIFO gets its writer from the shell; exec keeps the program in the shell's process.
    words.insert(words.end(),
                 {"sh", "-c",
                  fmt::format("cat {} > {} & exec {}", ShellWord(candidate.fifo_source),
                              ShellWord(candidate.fifo), inner)});
    stdin_word.clear();
  } else if (candidate.output == Output::kPipe) {
    words.insert(words.end(), {"sh", "-c", inner + " | cat"});
    stdin_word.clear();
  } else if (candidate.output == Output::kTerminal) {
    // script(1) gives the command a terminal, as the exploration's pseudo-terminal did.
    words.insert(words.end(), {"script", "-qefc", inner, "/dev/null"});
    stdin_word.clear();
  } else {
    words.insert(words.end(), candidate.words.begin(), candidate.words.end());
  }
  // A "<" word before the last would read as standard input.
  if (words.size() >= 2 && words[words.size() - 2] == "<") return std::nullopt;
  std::string line;
  for (const std::string& word : words) {
    std::optional<std::string> quoted = RunsFileWord(word);
    if (!quoted) return std::nullopt;
    line += (line.empty() ? "" : " ") + *quoted;
  }
  if (!stdin_word.empty()) {
    std::optional<std::string> quoted = RunsFileWord(stdin_word);
    if (!quoted) return std::nullopt;
    line += " < " + *quoted;
  }
  return line;
}

// A hand-written run as its template words.
struct BaseRun {
  std::string name;
  std::vector<std::string> words;
  std::string stdin_word;
  bool starts_program = false;
};

// ---------------------------------------------------------------------------------------------
// Mutated inputs. Each is a shell recipe writing $1/explore/NAME from the inputs in $1.

struct Recipe {
  std::string path;  // "{in}/explore/NAME"
  std::string shell;
};

std::string OctalBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("\\{:03o}", c);
  return out;
}

class Mutator {
 public:
  Mutator(std::string in_dir, std::mt19937_64& rng) : in_(std::move(in_dir)), rng_(rng) {
    recipes_.push_back({kValueFile, ""});
    recipes_.push_back({kValueDirectory, ""});
  }

  // An input the runs name: a path relative to {in}.
  void AddInput(const std::string& relative) {
    if (std::find(inputs_.begin(), inputs_.end(), relative) == inputs_.end()) {
      inputs_.push_back(relative);
    }
  }

  // The recipes for the option values (a copy of the first regular input) and the mutations of
  // each input: index, what it is, and the mutated path (a template word).
  struct Mutation {
    std::string input;  // relative to {in}
    std::string what;
    size_t recipe = 0;
    bool fifo = false;
    // A `< FILE` must open: not a FIFO without a writer, a missing or an unreadable file.
    bool replaces_stdin_too = true;
  };

  std::vector<Mutation> Build() {
    std::vector<std::string> regular;
    for (const std::string& input : inputs_) {
      if (fs::is_regular_file(in_ + "/" + input)) regular.push_back(input);
    }
    std::string first = regular.empty() ? "" : regular.front();
    recipes_[0].shell = first.empty()
                            ? "printf 'x\\n' > \"$1/explore/value.txt\""
                            : fmt::format("cp {} \"$1/explore/value.txt\"", Source(first));
    recipes_[1].shell =
        "mkdir -p \"$1/explore/value.d\" && cp \"$1/explore/value.txt\" "
        "\"$1/explore/value.d/\"";
    std::vector<Mutation> mutations;
    for (const std::string& input : inputs_) {
      std::string path = in_ + "/" + input;
      std::error_code error;
      if (fs::is_directory(path, error)) {
        Add(mutations, input, "an empty directory", "mkdir {}", false);
        if (!first.empty()) Add(mutations, input, "a file", "cp " + Source(first) + " {}", false);
        Add(mutations, input, "missing", "", false);
        continue;
      }
      Result<std::string> content = ReadFile(path);
      if (!content.ok()) continue;
      AddFileMutations(mutations, input, *content, regular);
    }
    return mutations;
  }

  const std::vector<Recipe>& recipes() const { return recipes_; }

 private:
  // An input in a recipe: "$1"/RELATIVE, quoted for the shell.
  static std::string Source(const std::string& input) { return "\"$1\"/" + ShellWord(input); }

  // Adds a mutation whose recipe is `command` with {} the mutated path ("" makes nothing).
  void Add(std::vector<Mutation>& mutations, const std::string& input, const std::string& what,
           const std::string& command, bool fifo) {
    std::string name = fmt::format("m{}-{}", recipes_.size(), fs::path(input).filename().string());
    std::replace_if(
        name.begin(), name.end(),
        [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-';
        },
        '_');
    std::string target = "\"$1/explore/" + name + "\"";
    std::string shell = command;
    for (size_t at = shell.find("{}"); at != std::string::npos; at = shell.find("{}", at)) {
      shell.replace(at, 2, target);
      at += target.size();
    }
    recipes_.push_back({"{in}/explore/" + name, shell});
    mutations.push_back(
        {.input = input,
         .what = fmt::format("{}: {}", input, what),
         .recipe = recipes_.size() - 1,
         .fifo = fifo,
         .replaces_stdin_too = !fifo && what != "missing" && !what.starts_with("unreadable")});
  }

  void AddFileMutations(std::vector<Mutation>& mutations, const std::string& input,
                        const std::string& content, const std::vector<std::string>& regular) {
    std::string source = Source(input);
    uint64_t size = content.size();
    Add(mutations, input, "empty", ": > {}", false);
    if (size >= 2) {
      Add(mutations, input, "truncated to half",
          fmt::format("head -c {} {} > {{}}", size / 2, source), false);
      uint64_t offset = rng_() % size;
      auto flipped = [&](unsigned char value, const std::string& what) {
        Add(mutations, input, what,
            fmt::format("{{ head -c {} {}; printf '{}'; tail -c +{} {}; }} > {{}}", offset, source,
                        OctalBytes(std::string(1, static_cast<char>(value))), offset + 2, source),
            false);
      };
      unsigned char byte = static_cast<unsigned char>(content[offset]);
      flipped(static_cast<unsigned char>(byte ^ (1u << (rng_() % 8))),
              fmt::format("a bit flipped at byte {}", offset));
      flipped(static_cast<unsigned char>(byte ^ 0xff), fmt::format("byte {} flipped", offset));
    }
    for (const std::string& other : regular) {
      if (other == input) continue;
      Result<std::string> other_content = ReadFile(in_ + "/" + other);
      if (!other_content.ok()) continue;
      Add(mutations, input, "spliced with " + other,
          fmt::format("{{ head -c {} {}; tail -c +{} {}; }} > {{}}", size / 2, source,
                      other_content->size() / 2 + 1, Source(other)),
          false);
      break;
    }
    if (size > 0 && size < kHugeBytes) {
      Add(mutations, input, "huge (doubled to 8 MiB or more)",
          fmt::format("cp {} {{}}; while [ $(wc -c < {{}}) -lt {} ]; do cat {{}} {{}} > {{}}.2; "
                      "mv {{}}.2 {{}}; done",
                      source, kHugeBytes),
          false);
    }
    std::string all_bytes;
    for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
    Add(mutations, input, "binary (every byte value first)",
        fmt::format("{{ printf '{}'; cat {}; }} > {{}}", OctalBytes(all_bytes), source), false);
    Add(mutations, input, "unreadable (mode 000)",
        fmt::format("cp {} {{}}; chmod 000 {{}}", source), false);
    Add(mutations, input, "a directory", "mkdir {}", false);
    Add(mutations, input, "a FIFO", "mkfifo {}", true);
    Add(mutations, input, "missing", "", false);
  }

  std::string in_;
  std::mt19937_64& rng_;
  std::vector<std::string> inputs_;
  std::vector<Recipe> recipes_;
};

// ---------------------------------------------------------------------------------------------
// Running one candidate: standard streams, a FIFO's writer, the time limit.

// A pseudo-terminal: the command gets the other side as its standard streams.
struct Terminal {
  UniqueFd master;
  std::string slave;
  static Result<Terminal> Open() {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return MakeError("posix_openpt: {}", strerror(errno));
    UniqueFd master(fd);
    if (grantpt(fd) != 0 || unlockpt(fd) != 0) return MakeError("unlockpt: {}", strerror(errno));
    char name[128];
    if (ptsname_r(fd, name, sizeof name) != 0) return MakeError("ptsname: {}", strerror(errno));
    winsize size{.ws_row = 24, .ws_col = 80, .ws_xpixel = 0, .ws_ypixel = 0};
    ioctl(fd, TIOCSWINSZ, &size);
    return Terminal{std::move(master), name};
  }
};

// Reads what the command writes to a pipe or a terminal, and feeds a FIFO operand, while the
// trace runs.
class StreamPump {
 public:
  void Drain(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    drained_.push_back(fd);
  }
  void Feed(std::string fifo, std::string content) {
    fifo_ = std::move(fifo);
    content_ = std::move(content);
  }
  // Waits up to `milliseconds` for something to move.
  void Step(int milliseconds) {
    if (!fifo_.empty() && !writer_.valid() && written_ < content_.size()) {
      // Opening a FIFO for writing without blocking fails (ENXIO) until a reader has it open.
      int fd = open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) writer_ = UniqueFd(fd);
    }
    std::vector<pollfd> fds;
    for (int fd : drained_) fds.push_back({.fd = fd, .events = POLLIN, .revents = 0});
    if (writer_.valid()) fds.push_back({.fd = writer_.get(), .events = POLLOUT, .revents = 0});
    if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
      return;
    }
    if (poll(fds.data(), fds.size(), milliseconds) <= 0) return;
    char buffer[16384];
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (writer_.valid() && p.fd == writer_.get()) {
        ssize_t n = write(p.fd, content_.data() + written_, content_.size() - written_);
        if (n > 0) written_ += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) written_ = content_.size();
        if (written_ >= content_.size()) writer_ = UniqueFd();  // the reader sees the end
      } else {
        while (read(p.fd, buffer, sizeof buffer) > 0) {
        }
      }
    }
    // A terminal whose last reader went away polls POLLHUP forever: stop watching it.
    std::erase_if(drained_, [&](int fd) {
      return std::any_of(fds.begin(), fds.end(), [fd](const pollfd& p) {
        return p.fd == fd && (p.revents & (POLLHUP | POLLERR)) != 0 && (p.revents & POLLIN) == 0;
      });
    });
  }

 private:
  std::vector<int> drained_;
  std::string fifo_;
  std::string content_;
  size_t written_ = 0;
  UniqueFd writer_;
};

struct TraceOutcome {
  enum class Kind { kDone, kTimedOut, kFailed, kInterrupted };
  Kind kind = Kind::kDone;
  Profile profile;
  std::string message;
};

// ---------------------------------------------------------------------------------------------
// The exploration.

using SiteKey = std::pair<std::string, uint64_t>;

class Exploration {
 public:
  Exploration(const ExploreOptions& options, StudySession& session, size_t program,
              std::string scratch)
      : options_(options),
        session_(session),
        program_(program),
        scratch_(std::move(scratch)),
        rng_(options.seed) {}

  Result<ExploreResult> Run() {
    const StudySpec& spec = session_.spec();
    result_.study = spec.name;
    result_.program = spec.programs[program_].name;
    result_.binary = session_.binary(program_);
    result_.seed = options_.seed;
    result_.budget_seconds = options_.budget_seconds;
    result_.timeout_seconds = options_.timeout_seconds;
    for (const char* dir : {"home", "tmp", "cwd", "traces"}) {
      std::error_code error;
      fs::create_directories(scratch_ + "/" + dir, error);
      if (error) return MakeError("{}/{}: {}", scratch_, dir, error.message());
    }
    if (Status s = LoadBaseRuns(); !s.ok()) return s.error();
    start_ = Clock::now();
    if (Status s = TraceHandWritten(); !s.ok()) return s.error();
    result_.baseline_syscalls = seen_syscalls_.Names();
    result_.baseline_sites = static_cast<int>(seen_sites_.size());
    std::vector<Candidate> candidates;
    if (!Stopped()) {
      Result<std::vector<Candidate>> planned = Plan();
      if (!planned.ok()) return planned.error();
      candidates = std::move(*planned);
    }
    result_.candidates_planned = static_cast<int>(candidates.size());
    Progress(fmt::format("exploring {} candidates for up to {}", candidates.size(),
                         FormatSeconds(options_.budget_seconds)));
    Clock::time_point explore_start = Clock::now();
    Clock::time_point last_progress = explore_start;
    for (Candidate& candidate : candidates) {
      if (Stopped() || Seconds(explore_start) >= options_.budget_seconds) break;
      TryCandidate(candidate);
      if (Seconds(last_progress) >= kProgressEverySeconds) {
        last_progress = Clock::now();
        Progress(fmt::format("  {} of {}: {} tried, {} kept, {} syscalls, {} sites",
                             FormatSeconds(Seconds(explore_start)),
                             FormatSeconds(options_.budget_seconds), result_.candidates_tried,
                             result_.kept.size(), seen_syscalls_.Size(), seen_sites_.size()));
      }
    }
    result_.seconds = Seconds(explore_start);
    result_.interrupted = Stopped();
    Progress(fmt::format("explored for {}: {} tried, {} kept, {} syscalls, {} sites",
                         FormatSeconds(result_.seconds), result_.candidates_tried,
                         result_.kept.size(), seen_syscalls_.Size(), seen_sites_.size()));
    result_.final_syscalls = seen_syscalls_.Names();
    result_.final_sites = static_cast<int>(seen_sites_.size());
    AddCurvePoint(false);
    std::set<size_t> used;
    for (size_t index : kept_recipes_) used.insert(index);
    // The option values' directory holds a copy of their file.
    if (used.contains(1)) used.insert(0);
    for (size_t index : used) {
      if (mutator_ && !mutator_->recipes()[index].shell.empty()) {
        result_.input_recipes.push_back(mutator_->recipes()[index].shell);
      }
    }
    return std::move(result_);
  }

 private:
  static std::string FormatSeconds(double seconds) {
    int whole = static_cast<int>(seconds + 0.5);
    return whole >= 60 ? fmt::format("{}m{:02}s", whole / 60, whole % 60)
                       : fmt::format("{}s", whole);
  }

  double Seconds(Clock::time_point since) const {
    return std::chrono::duration<double>(Clock::now() - since).count();
  }

  void Progress(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  bool Stopped() const { return options_.interrupted && options_.interrupted() != 0; }

  Status LoadBaseRuns() {
    const ProgramSpec& program = session_.spec().programs[program_];
    std::string path = session_.spec().dir + "/" + program.runs_file;
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.error();
    Result<std::vector<RunTemplate>> templates = ParseRunTemplates(*text, path);
    if (!templates.ok()) return templates.error();
    const std::vector<Workload>& runs = session_.runs(program_);
    for (size_t i = 0; i < templates->size() && i < runs.size(); ++i) {
      Result<std::vector<std::string>> words = SplitWords((*templates)[i].command);
      if (!words.ok()) return words.error().WithContext(path);
      BaseRun run{.name = (*templates)[i].name,
                  .words = std::move(*words),
                  .stdin_word = "",
                  .starts_program = session_.StartsProgram(runs[i], program_)};
      if (run.words.size() >= 2 && run.words[run.words.size() - 2] == "<") {
        run.stdin_word = run.words.back();
        run.words.resize(run.words.size() - 2);
      }
      base_.push_back(std::move(run));
    }
    return Ok{};
  }

  Status TraceHandWritten() {
    for (size_t i = 0; i < base_.size() && !Stopped(); ++i) {
      Candidate run = FromRun(i, "hand-written");
      Progress(fmt::format("[{}/{}] tracing {}", i + 1, base_.size(), base_[i].name));
      TraceOutcome outcome = Trace(run);
      if (outcome.kind == TraceOutcome::Kind::kInterrupted) break;
      if (outcome.kind == TraceOutcome::Kind::kFailed) {
        return MakeError("tracing the hand-written run '{}' failed: {}", base_[i].name,
                         outcome.message);
      }
      if (outcome.kind == TraceOutcome::Kind::kTimedOut) {
        Progress(fmt::format("  '{}' ran longer than {} s: its calls so far count", base_[i].name,
                             options_.timeout_seconds));
      }
      ++result_.hand_written_runs;
      ++traced_;
      Learn(outcome.profile);
      AddCurvePoint(true);
    }
    return Ok{};
  }

  // The program's options, its input operands, the environment: every candidate, in order.
  Result<std::vector<Candidate>> Plan() {
    std::vector<HelpOption> options = ReadOptions();
    result_.options_found = static_cast<int>(options.size());
    Progress(fmt::format("{} options in {} --help", options.size(), result_.program));

    mutator_.emplace(session_.placeholders().at("in"), rng_);
    for (const BaseRun& run : base_) {
      for (const std::string& word : run.words) {
        if (auto input = InputOf(word)) mutator_->AddInput(*input);
      }
      if (auto input = InputOf(run.stdin_word)) mutator_->AddInput(*input);
    }
    std::vector<Mutator::Mutation> mutations = mutator_->Build();
    std::vector<std::string> all;
    for (const Recipe& recipe : mutator_->recipes()) all.push_back(recipe.shell);
    std::string script = scratch_ + "/explore-inputs.sh";
    if (Status s = WriteFileAtomically(script, InputsScript(all)); !s.ok()) return s.error();
    Result<int> made = session_.RunQuietly({"/bin/sh", script, session_.placeholders().at("in")},
                                           "/dev/null", scratch_ + "/explore-inputs.err");
    if (!made.ok() || *made != 0) {
      return MakeError("making the mutated inputs failed: {}",
                       made.ok() ? ReadFile(scratch_ + "/explore-inputs.err").value_or("")
                                 : made.error().message());
    }
    std::vector<std::vector<Candidate>> by_kind = {
        OptionCandidates(options), MutationCandidates(mutations), EnvironmentCandidates()};
    std::vector<Candidate> order;
    for (size_t i = 0;; ++i) {
      bool any = false;
      for (std::vector<Candidate>& kind : by_kind) {
        if (i >= kind.size()) continue;
        any = true;
        // A run a runs file cannot hold is not worth its time.
        if (RunsFileCommand(kind[i])) order.push_back(std::move(kind[i]));
      }
      if (!any) break;
    }
    return order;
  }

  // {in}/RELATIVE in a word (after a prefix such as "@" or "--file="), when it exists.
  std::optional<std::string> InputOf(const std::string& word) const {
    size_t at = word.find("{in}/");
    if (at == std::string::npos) return std::nullopt;
    std::string relative = word.substr(at + 5);
    if (relative.empty() || relative.find('{') != std::string::npos) return std::nullopt;
    std::error_code error;
    if (!fs::exists(session_.placeholders().at("in") + "/" + relative, error)) return std::nullopt;
    return relative;
  }

  std::vector<HelpOption> ReadOptions() {
    // The program as the runs start it (its name or path), else its binary.
    std::string command = session_.binary(program_);
    for (const BaseRun& run : base_) {
      if (run.starts_program) {
        command = run.words.front();
        break;
      }
    }
    std::string help = RunUntraced({command, "--help"});
    // Programs with long lists print a short one and say how to get the rest: curl's
    // "--help all", Python's "--help-all".
    if (help.find("--help all") != std::string::npos) {
      help += RunUntraced({command, "--help", "all"});
    } else if (help.find("--help-all") != std::string::npos) {
      help += RunUntraced({command, "--help-all"});
    }
    return ParseHelpOptions(help);
  }

  std::string RunUntraced(const std::vector<std::string>& argv) const {
    SubprocessOptions run;
    run.argv = argv;
    run.stdout_path = scratch_ + "/help.out";
    run.stderr_path = scratch_ + "/help.err";
    run.working_directory = scratch_ + "/cwd";
    run.extra_environment = ScratchEnvironment();
    Result<Subprocess> child = Subprocess::Start(run);
    if (!child.ok()) return "";
    if (!child->Wait(kHelpTimeoutSeconds, options_.interrupted).ok()) return "";
    return ReadFile(run.stdout_path).value_or("");
  }

  std::vector<std::string> ScratchEnvironment() const {
    return {"HOME=" + scratch_ + "/home", "TMPDIR=" + scratch_ + "/tmp"};
  }

  // Breadth first: item by item, each with its next run in a shuffled order, shuffled within a
  // round.
  std::vector<Candidate> InRounds(std::vector<std::vector<Candidate>> items) {
    for (std::vector<Candidate>& runs : items) std::shuffle(runs.begin(), runs.end(), rng_);
    std::vector<Candidate> order;
    for (size_t round = 0;; ++round) {
      std::vector<Candidate> this_round;
      for (std::vector<Candidate>& runs : items) {
        if (round < runs.size()) this_round.push_back(std::move(runs[round]));
      }
      if (this_round.empty()) break;
      std::shuffle(this_round.begin(), this_round.end(), rng_);
      for (Candidate& c : this_round) order.push_back(std::move(c));
    }
    return order;
  }

  Candidate FromRun(size_t index, std::string what) const {
    return Candidate{.from = index,
                     .what = std::move(what),
                     .words = base_[index].words,
                     .stdin_word = base_[index].stdin_word,
                     .environment = {},
                     .output = Output::kFile,
                     .recipes = {},
                     .fifo = "",
                     .fifo_source = ""};
  }

  std::vector<Candidate> OptionCandidates(const std::vector<HelpOption>& options) {
    std::vector<std::vector<Candidate>> items;
    for (const HelpOption& option : options) {
      for (const std::vector<std::string>& variant :
           OptionVariants(option, {.file = kValueFile, .directory = kValueDirectory})) {
        std::string what = "option";
        for (const std::string& word : variant) what += " " + word;
        std::vector<Candidate> runs;
        for (size_t i = 0; i < base_.size(); ++i) {
          if (!base_[i].starts_program) continue;
          Candidate candidate = FromRun(i, what);
          candidate.words.insert(candidate.words.begin() + 1, variant.begin(), variant.end());
          for (const std::string& word : variant) {
            if (word.find(kValueDirectory) != std::string::npos) candidate.recipes = {0, 1};
            if (word.find(kValueFile) != std::string::npos) candidate.recipes = {0};
          }
          runs.push_back(std::move(candidate));
        }
        if (!runs.empty()) items.push_back(std::move(runs));
      }
    }
    return InRounds(std::move(items));
  }

  std::vector<Candidate> MutationCandidates(const std::vector<Mutator::Mutation>& mutations) {
    std::vector<std::vector<Candidate>> items;
    for (const Mutator::Mutation& mutation : mutations) {
      const std::string& mutated = mutator_->recipes()[mutation.recipe].path;
      std::string original = "{in}/" + mutation.input;
      std::vector<Candidate> runs;
      for (size_t i = 0; i < base_.size(); ++i) {
        Candidate candidate = FromRun(i, mutation.what);
        bool used = false;
        for (std::string& word : candidate.words) {
          size_t at = word.find(original);
          if (at != std::string::npos && at + original.size() == word.size()) {
            word = word.substr(0, at) + mutated;
            used = true;
          }
        }
        if (candidate.stdin_word == original && mutation.replaces_stdin_too) {
          candidate.stdin_word = mutated;
          used = true;
        }
        if (!used) continue;
        candidate.recipes = {mutation.recipe};
        if (mutation.fifo) {
          candidate.fifo = mutated;
          candidate.fifo_source = original;
        }
        runs.push_back(std::move(candidate));
      }
      if (!runs.empty()) items.push_back(std::move(runs));
    }
    return InRounds(std::move(items));
  }

  // A UTF-8 locale this machine has (a compiled one under /usr/lib/locale), C.UTF-8 first
  // only when there is no other.
  static std::optional<std::string> Utf8Locale() {
    std::optional<std::string> found;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator("/usr/lib/locale", error)) {
      std::string name = entry.path().filename().string();
      size_t dot = name.find(".utf8");
      if (dot == std::string::npos || !entry.is_directory(error)) continue;
      std::string locale = name.substr(0, dot) + ".UTF-8";
      if (name.starts_with("C.")) {
        if (!found) found = locale;
      } else {
        return locale;
      }
    }
    return found;
  }

  std::vector<Candidate> EnvironmentCandidates() {
    struct Variation {
      std::vector<std::string> environment;
      Output output = Output::kFile;
      std::string what;
    };
    std::vector<Variation> variations = {{{"LC_ALL=C"}, Output::kFile, "LC_ALL=C"}};
    if (std::optional<std::string> utf8 = Utf8Locale()) {
      variations.push_back({{"LC_ALL=" + *utf8}, Output::kFile, "LC_ALL=" + *utf8});
    }
    variations.push_back({{"TZ=UTC"}, Output::kFile, "TZ=UTC"});
    std::string zone =
        fs::exists("/usr/share/zoneinfo/America/New_York") ? "America/New_York" : "EST5EDT";
    variations.push_back({{"TZ=" + zone}, Output::kFile, "TZ=" + zone});
    variations.push_back({{"COLUMNS=40"}, Output::kFile, "COLUMNS=40"});
    variations.push_back({{"COLUMNS=250"}, Output::kFile, "COLUMNS=250"});
    variations.push_back({{}, Output::kPipe, "standard output a pipe"});
    variations.push_back({{"TERM=xterm-256color"}, Output::kTerminal, "a terminal (80x24)"});
    std::vector<std::vector<Candidate>> items;
    for (const Variation& variation : variations) {
      std::vector<Candidate> runs;
      for (size_t i = 0; i < base_.size(); ++i) {
        Candidate candidate = FromRun(i, variation.what);
        candidate.environment = variation.environment;
        candidate.output = variation.output;
        runs.push_back(std::move(candidate));
      }
      items.push_back(std::move(runs));
    }
    return InRounds(std::move(items));
  }

  Result<std::string> Fill(const std::string& word) const {
    return Substitute(word, session_.placeholders());
  }

  TraceOutcome Trace(const Candidate& candidate) {
    TraceOutcome outcome;
    auto fail = [&](const Error& error) {
      outcome.kind = TraceOutcome::Kind::kFailed;
      outcome.message = error.message();
      return outcome;
    };
    std::vector<std::string> argv;
    for (const std::string& word : candidate.words) {
      Result<std::string> filled = Fill(word);
      if (!filled.ok()) return fail(filled.error());
      argv.push_back(std::move(*filled));
    }
    Result<std::string> stdin_path = candidate.stdin_word.empty() ? Result<std::string>("/dev/null")
                                                                  : Fill(candidate.stdin_word);
    if (!stdin_path.ok()) return fail(stdin_path.error());
    Workload run{.name = candidate.what, .argv = argv, .stdin_path = *stdin_path, .command = ""};
    std::string out = fmt::format("{}/traces/{}.json", scratch_, traced_);
    // The ptrace backend: it locates the syscall sites that ran (the eBPF one counts calls only).
    SubprocessOptions start = session_.TraceOptions(run, out, {"--backend", "ptrace"});
    start.working_directory = scratch_ + "/cwd";
    start.extra_environment = ScratchEnvironment();
    for (const std::string& variable : candidate.environment) {
      start.extra_environment.push_back(variable);
    }
    StreamPump pump;
    std::optional<Terminal> terminal;
    UniqueFd pipe_read, pipe_write;
    if (candidate.output == Output::kTerminal) {
      Result<Terminal> opened = Terminal::Open();
      if (!opened.ok()) return fail(opened.error());
      terminal = std::move(*opened);
      if (candidate.stdin_word.empty()) start.stdin_path = terminal->slave;
      start.stdout_path = terminal->slave;
      start.stderr_path = terminal->slave;
      pump.Drain(terminal->master.get());
    } else if (candidate.output == Output::kPipe) {
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0) return fail(MakeError("pipe: {}", strerror(errno)));
      pipe_read = UniqueFd(fds[0]);
      pipe_write = UniqueFd(fds[1]);
      start.stdout_path = fmt::format("/proc/self/fd/{}", pipe_write.get());
      pump.Drain(pipe_read.get());
    }
    if (!candidate.fifo.empty()) {
      Result<std::string> fifo = Fill(candidate.fifo);
      Result<std::string> source = Fill(candidate.fifo_source);
      if (fifo.ok() && source.ok()) pump.Feed(*fifo, ReadFile(*source).value_or(""));
    }
    Result<Subprocess> child = Subprocess::Start(start);
    pipe_write = UniqueFd();
    if (!child.ok()) return fail(child.error());
    Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options_.timeout_seconds));
    while (!child->HasExited()) {
      if (Stopped()) {
        outcome.kind = TraceOutcome::Kind::kInterrupted;
        return outcome;  // the Subprocess kills its group as it goes
      }
      if (Clock::now() > deadline) break;
      pump.Step(5);
    }
    if (!child->HasExited()) {
      // The tracer ends its tracees on SIGTERM and writes what it saw, marked incomplete.
      outcome.kind = TraceOutcome::Kind::kTimedOut;
      child->Signal(SIGTERM);
    }
    Result<int> status = child->Wait(options_.timeout_seconds + 5, options_.interrupted);
    Result<Profile> profile = ReadProfileFile(out);
    for (const char* suffix : {"", ".stdout", ".stderr"}) unlink((out + suffix).c_str());
    if (!profile.ok()) {
      if (outcome.kind == TraceOutcome::Kind::kTimedOut) return outcome;
      return fail(
          MakeError("sysfence trace ended with {} and wrote no profile: {}",
                    status.ok() ? fmt::format("exit {}", *status) : status.error().message(),
                    profile.error().message()));
    }
    outcome.profile = std::move(*profile);
    return outcome;
  }

  // What the profile adds: the program's own calls, and the sites that ran in any file but
  // another program's executable (the profile keeps sites per file, not per image).
  struct Novelty {
    SyscallSet syscalls;
    std::vector<SiteKey> sites;
  };

  Novelty NewIn(const Profile& profile) const {
    Novelty novelty;
    if (auto it = profile.images.find(result_.binary); it != profile.images.end()) {
      novelty.syscalls = it->second - seen_syscalls_;
    }
    for (const auto& [file, offsets] : profile.sites) {
      if (file != result_.binary && profile.images.contains(file)) continue;
      for (const auto& [offset, calls] : offsets) {
        if (!seen_sites_.contains({file, offset})) novelty.sites.emplace_back(file, offset);
      }
    }
    return novelty;
  }

  Novelty Learn(const Profile& profile) {
    Novelty novelty = NewIn(profile);
    seen_syscalls_ |= novelty.syscalls;
    for (const SiteKey& site : novelty.sites) seen_sites_.insert(site);
    return novelty;
  }

  void AddCurvePoint(bool hand_written) {
    result_.curve.push_back({.time = Seconds(start_),
                             .candidates = traced_,
                             .syscalls = static_cast<int>(seen_syscalls_.Size()),
                             .sites = static_cast<int>(seen_sites_.size()),
                             .hand_written = hand_written});
  }

  void TryCandidate(const Candidate& candidate) {
    std::optional<std::string> command = RunsFileCommand(candidate);
    if (!command) return;  // Plan left out the candidates a runs file cannot hold
    TraceOutcome outcome = Trace(candidate);
    if (outcome.kind == TraceOutcome::Kind::kInterrupted) return;
    ++traced_;
    ++result_.candidates_tried;
    if (outcome.kind == TraceOutcome::Kind::kFailed) {
      ++result_.failed;
      if (result_.failures.size() < kFailuresKept) {
        result_.failures.push_back(fmt::format("{} on '{}': {}", candidate.what,
                                               base_[candidate.from].name, outcome.message));
      }
      return;
    }
    if (outcome.kind == TraceOutcome::Kind::kTimedOut) {
      // A run that does not end would hang the study that adopts it.
      ++result_.timed_out;
      return;
    }
    if (outcome.profile.incomplete) return;
    Novelty novelty = Learn(outcome.profile);
    if (novelty.syscalls.Empty() && novelty.sites.empty()) return;
    KeptRun kept;
    kept.name = fmt::format("explore {}: {} on {}", result_.kept.size() + 1, candidate.what,
                            base_[candidate.from].name);
    std::erase_if(kept.name, [](char c) { return c == '|' || c == '\n'; });
    kept.line = kept.name + " | " + *command;
    kept.what = candidate.what;
    kept.from = base_[candidate.from].name;
    kept.exit_status = outcome.profile.exit_status;
    kept.new_syscalls = novelty.syscalls.Names();
    kept.new_sites = static_cast<int>(novelty.sites.size());
    kept.time = Seconds(start_);
    for (const std::string& name : kept.new_syscalls) {
      result_.new_syscalls.push_back({name, kept.name});
    }
    for (size_t recipe : candidate.recipes) kept_recipes_.push_back(recipe);
    result_.kept.push_back(std::move(kept));
    AddCurvePoint(false);
    const KeptRun& added = result_.kept.back();
    Progress(fmt::format("  kept '{}': {}{} sites", added.name,
                         added.new_syscalls.empty()
                             ? ""
                             : fmt::format("{} new syscall(s) ({}), ", added.new_syscalls.size(),
                                           fmt::join(added.new_syscalls, ", ")),
                         added.new_sites));
  }

  const ExploreOptions& options_;
  StudySession& session_;
  size_t program_;
  std::string scratch_;
  std::mt19937_64 rng_;
  std::vector<BaseRun> base_;
  std::optional<Mutator> mutator_;
  std::vector<size_t> kept_recipes_;
  SyscallSet seen_syscalls_;
  std::set<SiteKey> seen_sites_;
  int traced_ = 0;
  Clock::time_point start_;
  ExploreResult result_;
};

Result<size_t> ChooseProgram(const StudySpec& spec, const std::string& name) {
  std::string names;
  std::string with_runs;
  for (const ProgramSpec& program : spec.programs) {
    names += (names.empty() ? "" : ", ") + program.name;
    if (!program.runs_file.empty()) with_runs += (with_runs.empty() ? "" : ", ") + program.name;
  }
  if (name.empty() && spec.programs.size() > 1) {
    return MakeError("study {} has several programs ({}): choose one with --program", spec.name,
                     names);
  }
  size_t index = 0;
  if (!name.empty()) {
    const ProgramSpec* found = spec.FindProgram(name);
    if (found == nullptr) {
      return MakeError("--program {}: study {} has no such program (its programs: {})", name,
                       spec.name, names);
    }
    index = static_cast<size_t>(found - spec.programs.data());
  }
  if (spec.programs[index].runs_file.empty()) {
    return MakeError(
        "{} has no runs in study {}: it only runs as a service, and explore starts from a "
        "program's runs{}",
        spec.programs[index].name, spec.name,
        with_runs.empty() ? "" : fmt::format(" (programs with runs: {})", with_runs));
  }
  return index;
}

}  // namespace

Result<ExploreResult> Explore(const ExploreOptions& options) {
  if (options.budget_seconds <= 0) return MakeError("the budget must be more than zero");
  if (options.timeout_seconds <= 0) return MakeError("the timeout must be more than zero");
  Result<StudySpec> original = LoadStudySpec(options.study_dir);
  if (!original.ok()) return original.error();
  Result<size_t> program = ChooseProgram(*original, options.program);
  if (!program.ok()) return program.error();
  Result<WorkDir> scratch =
      WorkDir::Create(options.work_dir, !options.work_dir.empty(), "sysfence-explore");
  if (!scratch.ok()) return scratch.error();
  // The runs read the study through {study}: a copy in the scratch directory, so nothing a
  // run does reaches the study itself.
  std::string copy = scratch->path() + "/study/" + original->name;
  std::error_code error;
  fs::create_directories(copy, error);
  if (!error) {
    fs::copy(original->dir, copy,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
  }
  if (error) return MakeError("copying {} to {}: {}", original->dir, copy, error.message());
  Result<StudySpec> spec = LoadStudySpec(copy);
  if (!spec.ok()) return spec.error();
  std::string work = scratch->path() + "/work";
  fs::create_directories(work, error);
  if (error) return MakeError("{}: {}", work, error.message());

  // Orphans of the runs are reparented here and killed at the end, with the services.
  ScopedChildSubreaper subreaper;
  Result<ExploreResult> result = [&]() -> Result<ExploreResult> {
    StudySession session(*spec, work,
                         {.sysfence_binary = options.sysfence_binary,
                          .interrupted = options.interrupted,
                          .progress = options.progress});
    if (Status s = session.Prepare(); !s.ok()) return s.error();
    if (Status s = session.StartServices(); !s.ok()) return s.error();
    Result<ExploreResult> explored = Exploration(options, session, *program, scratch->path()).Run();
    Result<std::vector<StoppedService>> stopped = session.StopServices();
    if (explored.ok() && !stopped.ok()) return stopped.error();
    return explored;
  }();
  KillAndReapChildren();
  // Runs may leave files they made unreadable or unwritable: the scratch directory goes anyway.
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(
           scratch->path(), fs::directory_options::skip_permission_denied, ignored)) {
    fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  if (result.ok()) result->study = original->name;
  return result;
}

}  // namespace sysfence
