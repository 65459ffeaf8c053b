// Follows the processes of one strace log, line by line: which pid each line belongs to, the
// process tree (clone/fork/vfork return values), the image each process runs (execve), calls
// split over <unfinished ...>/<... resumed> pairs, personality switches, exits. The result,
// a StraceLog, is one file's share of a run; strace_import.h joins -ff files into runs.
//
//   StraceLogParser parser([&](uint64_t line, std::string message) { ... });
//   parser.AddLine("1234  execve(\"/bin/true\", [\"true\"], 0x7ffd /* 4 vars */) = 0", 1, false);
//   StraceLog log = std::move(parser).Finish();
#ifndef SYSFENCE_STRACE_STRACE_LOG_PARSER_H_
#define SYSFENCE_STRACE_STRACE_LOG_PARSER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strace/image_graph.h"
#include "strace/strace_arguments.h"
#include "strace/strace_line.h"

namespace sysfence {

// What one log file says about a run.
struct StraceLog {
  ImageGraph graph;
  // Lines that said something about the tracee (calls with a known name and events).
  uint64_t recognised_lines = 0;
  // Some line carried a pid prefix: the file is a whole `strace -f` log, not one -ff file.
  bool has_pid_prefixes = false;
  // The first process of the file (strace's command; in a -ff file, the file's process): the
  // node it started in (inheriting from whoever launched it) and how it ended.
  ImageGraph::NodeId root_node = ImageGraph::kNoNode;
  std::optional<int> root_exit_status;  // exit code, or 128+N when killed by signal N
  // The first successful execve of the first process, and of any process.
  std::string root_first_exec;
  std::string first_exec;
  // Every fork/clone/vfork that returned a pid: (child pid, node the caller was in).
  std::vector<std::pair<int, ImageGraph::NodeId>> children;
  // -ff: an execve the first process started and never finished (a thread's execve that
  // superseded its group leader finishes in the leader's file).
  std::string unfinished_exec_path;
  // -ff: exec nodes whose path is in another file: (node, pid of the thread that exec'd).
  std::vector<std::pair<ImageGraph::NodeId, int>> exec_paths_from;
  // Calls made in i386 personality, by i386 name.
  std::map<std::string, uint64_t> compat_i386;
};

class StraceLogParser {
 public:
  // Called for every line that is skipped or only partly understood.
  using WarningSink = std::function<void(uint64_t line_number, std::string message)>;

  explicit StraceLogParser(WarningSink warn);

  // `unterminated`: the line ends the file without a '\n' (strace was killed mid-line).
  void AddLine(std::string_view line, uint64_t line_number, bool unterminated);
  StraceLog Finish() &&;

 private:
  // The pid key of lines that carry no pid prefix (plain strace, -ff files, and strace -f's
  // own lines before it traces a second process).
  static constexpr int kUnprefixedPid = -1;

  struct Process {
    ImageGraph::NodeId node = ImageGraph::kNoNode;        // image it runs now
    ImageGraph::NodeId first_node = ImageGraph::kNoNode;  // where it started
    bool linked = false;                                  // first_node knows its parent
    bool alive = true;
    // strace -f to a terminal prints the first process unprefixed until a second one
    // appears: the node that process was in when this pid first showed up.
    ImageGraph::NodeId unprefixed_node_then = ImageGraph::kNoNode;
    uint64_t order = 0;          // when it first showed up
    bool is_root = false;        // the first process of the log
    bool is_root_alias = false;  // the first process again, under its "[pid N]" name
    Personality personality = Personality::k64Bit;
    // A started (<unfinished ...>) call: its identity, and for execve the file it runs.
    bool pending = false;
    bool pending_compat = false;
    int pending_number = -1;
    std::optional<std::string> pending_exec_path;
    // "+++ superseded by execve in pid N +++": the thread whose execve this process finishes.
    int superseded_by = 0;
    std::optional<int> exit_status;
  };

  void HandleCall(const StraceLine& line, std::string_view text, uint64_t line_number,
                  bool unterminated);
  void HandleResult(Process& process, std::string_view name, std::optional<int64_t> result,
                    std::optional<std::string> exec_path);
  void HandleChild(Process& parent, int child_pid);
  bool ResumedCallMatches(const Process& process, std::string_view name) const;
  void AdoptUnprefixedPendingCall(Process& process, const StraceLine& line);
  void MakeRootAlias(Process& process);
  void HandleExit(const StraceLine& line);
  void HandleSuperseded(const StraceLine& line);
  void HandlePersonality(const StraceLine& line);
  // Counts one call; false (after a warning) when the name is not a syscall of the personality.
  // The argument table's values of an x86-64 call (strace_arguments.h), for the node the
  // process is in.
  void RecordArguments(const Process& process, int number, std::string_view arguments,
                       StraceArgumentsEnd end);
  bool CountCall(Process& process, std::string_view name, uint64_t line_number, bool* compat,
                 int* number);

  // The pid key of a line, creating the process when the pid is new (or was reused).
  int PidOf(const StraceLine& line);
  Process& ProcessFor(int pid);
  Process& NewProcess(int pid, ImageGraph::NodeId parent);

  WarningSink warn_;
  StraceLog log_;
  std::unordered_map<int, Process> processes_;
  // Prefixed pids that have not exited, for unprefixed lines after prefixes began.
  std::unordered_set<int> live_prefixed_;
  bool bracketed_mode_ = false;
  bool has_root_ = false;
  bool has_root_alias_ = false;
  uint64_t last_line_number_ = 0;
  uint64_t next_order_ = 0;
  // A line strace -f cut with "strace: Process N attached"; the next line continues it.
  std::string spliced_prefix_;
  std::string joined_line_;
};

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_STRACE_LOG_PARSER_H_
