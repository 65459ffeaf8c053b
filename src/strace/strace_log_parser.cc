// Process bookkeeping over one strace log (see strace_log_parser.h).
//
// Three strace habits shape it:
// - A call is counted when it is entered: "name(... <unfinished ...>" counts, the matching
//   "<... name resumed>" does not; a resumed line without its start counts on its own.
// - A child's lines can come before the fork's return value names it (strace prints whatever
//   stops first), so a new pid starts in an image node with no parent yet, and the fork's
//   return value links it later. Keys are resolved at the end (image_graph.h).
// - strace -f writing to a terminal prints no pid until a second process exists, then
//   "[pid N]" on every line, and none again once only one process is left. The unprefixed
//   process is the first one; its later "[pid N]" name is the one pid nobody forked.
#include "strace/strace_log_parser.h"

#include <fmt/format.h>

#include <charconv>
#include <climits>

#include "strace/strace_arguments.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

constexpr size_t kExcerptChars = 60;
constexpr size_t kMaxSplicedBytes = 64 << 10;

// The start of a line for a warning, with bytes a terminal should not see escaped.
std::string Excerpt(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, kExcerptChars)) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  if (line.size() > kExcerptChars) out += "...";
  return out;
}

bool IsForkName(std::string_view name) {
  return name == "clone" || name == "clone3" || name == "fork" || name == "vfork";
}

bool IsExecName(std::string_view name) { return name == "execve" || name == "execveat"; }

// strace prints a number it has no name for as "syscall_0x258".
std::optional<int> HexSyscallNumber(std::string_view name) {
  constexpr std::string_view kPrefix = "syscall_0x";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  std::string_view digits = name.substr(kPrefix.size());
  int number = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number, 16);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return number;
}

// x86-64 number of a name strace printed ("openat", "syscall_0x258", "syscall_600").
std::optional<int> X86_64Number(std::string_view name) {
  if (std::optional<int> hex = HexSyscallNumber(name)) {
    if (*hex >= 0 && *hex < kSyscallNumberLimit) return hex;
    return std::nullopt;
  }
  return ParseSyscallName(name);
}

// i386 table name of a name strace printed in 32-bit personality ("" when not in the table).
std::string_view I386Name(std::string_view name) {
  if (std::optional<int> hex = HexSyscallNumber(name)) return I386SyscallName(*hex);
  return I386SyscallNumber(name) ? name : std::string_view();
}

}  // namespace

StraceLogParser::StraceLogParser(WarningSink warn) : warn_(std::move(warn)) {}

void StraceLogParser::AddLine(std::string_view text, uint64_t line_number, bool unterminated) {
  last_line_number_ = line_number;
  if (!spliced_prefix_.empty()) {
    joined_line_ = std::move(spliced_prefix_);
    spliced_prefix_.clear();
    joined_line_.append(text);
    text = joined_line_;
  }
  std::optional<std::string_view> prefix = SplicedStraceMessagePrefix(text);
  // A real splice cuts one line; a forged log could chain them without end.
  if (prefix && prefix->size() <= kMaxSplicedBytes) {
    spliced_prefix_ = std::string(*prefix);
    return;
  }
  StraceLine line = ParseStraceLine(text);
  switch (line.kind) {
    case StraceLineKind::kNote:
    case StraceLineKind::kAttached:
    case StraceLineKind::kDetached:
      return;
    case StraceLineKind::kMalformed:
      warn_(line_number, fmt::format("{}: '{}'", line.problem, Excerpt(text)));
      return;
    case StraceLineKind::kSignal:
      PidOf(line);
      ++log_.recognised_lines;
      return;
    case StraceLineKind::kExited:
    case StraceLineKind::kKilled:
      HandleExit(line);
      return;
    case StraceLineKind::kSuperseded:
      HandleSuperseded(line);
      return;
    case StraceLineKind::kPersonality:
      HandlePersonality(line);
      return;
    case StraceLineKind::kCall:
    case StraceLineKind::kUnfinished:
    case StraceLineKind::kResumed:
      HandleCall(line, text, line_number, unterminated);
      return;
  }
}

StraceLogParser::Process& StraceLogParser::NewProcess(int pid, ImageGraph::NodeId parent) {
  Process process;
  process.first_node = log_.graph.AddInheritingNode(parent);
  process.node = process.first_node;
  process.linked = parent != ImageGraph::kNoNode;
  process.order = next_order_++;
  if (pid != kUnprefixedPid && bracketed_mode_) {
    auto unprefixed = processes_.find(kUnprefixedPid);
    if (unprefixed != processes_.end()) process.unprefixed_node_then = unprefixed->second.node;
  }
  if (!has_root_) {
    has_root_ = true;
    process.is_root = true;
    log_.root_node = process.first_node;
  }
  if (pid != kUnprefixedPid) live_prefixed_.insert(pid);
  return processes_.insert_or_assign(pid, std::move(process)).first->second;
}

StraceLogParser::Process& StraceLogParser::ProcessFor(int pid) {
  auto it = processes_.find(pid);
  if (it != processes_.end() && it->second.alive) return it->second;
  // New, or a pid the kernel handed out again after its process exited.
  return NewProcess(pid, ImageGraph::kNoNode);
}

int StraceLogParser::PidOf(const StraceLine& line) {
  int pid = kUnprefixedPid;
  if (line.pid) {
    pid = *line.pid;
    log_.has_pid_prefixes = true;
    bracketed_mode_ = bracketed_mode_ || line.pid_in_brackets;
  } else if (bracketed_mode_ && live_prefixed_.size() == 1) {
    pid = *live_prefixed_.begin();
  }
  ProcessFor(pid);
  return pid;
}

bool StraceLogParser::CountCall(Process& process, std::string_view name, uint64_t line_number,
                                bool* compat, int* number) {
  *compat = process.personality == Personality::k32Bit;
  if (*compat) {
    std::string_view i386_name = I386Name(name);
    if (i386_name.empty()) {
      warn_(line_number, fmt::format("unknown i386 syscall '{}'; skipped", name));
      return false;
    }
    ++log_.compat_i386[std::string(i386_name)];
    *number = *I386SyscallNumber(i386_name);
  } else {
    std::optional<int> x86_64 = X86_64Number(name);
    if (!x86_64) {
      warn_(line_number, fmt::format("unknown syscall '{}'; skipped", name));
      return false;
    }
    log_.graph.Count(process.node, *x86_64);
    *number = *x86_64;
  }
  ++log_.recognised_lines;
  return true;
}

void StraceLogParser::HandleCall(const StraceLine& line, std::string_view text,
                                 uint64_t line_number, bool unterminated) {
  if (line.kind == StraceLineKind::kCall && line.cut_short && !unterminated) {
    warn_(line_number, fmt::format("call without a result: '{}'", Excerpt(text)));
    return;
  }
  int pid = PidOf(line);
  Process& process = processes_[pid];
  bool compat = false;
  int number = -1;

  if (line.kind == StraceLineKind::kResumed) {
    if (!process.pending && pid != kUnprefixedPid) AdoptUnprefixedPendingCall(process, line);
    bool matches = process.pending && ResumedCallMatches(process, line.name);
    // -ff: a thread's execve that superseded the leader started in the thread's file.
    matches = matches || (process.superseded_by != 0 && IsExecName(line.name));
    std::optional<std::string> exec_path;
    if (matches) {
      exec_path = std::move(process.pending_exec_path);
      ++log_.recognised_lines;
    } else if (!CountCall(process, line.name, line_number, &compat, &number)) {
      return;
    } else if (!compat) {
      // Its start is not in the log.
      RecordArguments(process, number, {}, StraceArgumentsEnd::kCut);
    }
    process.pending = false;
    process.pending_exec_path.reset();
    if (!line.cut_short) HandleResult(process, line.name, line.result, std::move(exec_path));
    return;
  }

  if (!CountCall(process, line.name, line_number, &compat, &number)) return;
  if (!compat) {
    RecordArguments(process, number, line.arguments,
                    line.kind == StraceLineKind::kUnfinished ? StraceArgumentsEnd::kUnfinished
                    : line.cut_short                         ? StraceArgumentsEnd::kCut
                                                             : StraceArgumentsEnd::kClosed);
  }
  std::optional<std::string> exec_path;
  if (IsExecName(line.name)) exec_path = ExecutedPath(line.name, line.arguments);
  if (line.kind == StraceLineKind::kUnfinished) {
    process.pending = true;
    process.pending_compat = compat;
    process.pending_number = number;
    process.pending_exec_path = std::move(exec_path);
    return;
  }
  if (line.cut_short) {
    warn_(line_number, fmt::format("the log ends inside '{}'; counted it as entered", line.name));
    return;
  }
  HandleResult(process, line.name, line.result, std::move(exec_path));
}

void StraceLogParser::RecordArguments(const Process& process, int number,
                                      std::string_view arguments, StraceArgumentsEnd end) {
  for (const StraceArgument& argument : ReadStraceArguments(number, arguments, end)) {
    log_.graph.RecordArgument(process.node, number, argument.index, argument.value);
  }
}

bool StraceLogParser::ResumedCallMatches(const Process& process, std::string_view name) const {
  bool compat = process.personality == Personality::k32Bit;
  std::optional<int> number = compat ? I386SyscallNumber(I386Name(name)) : X86_64Number(name);
  return compat == process.pending_compat && number && *number == process.pending_number;
}

void StraceLogParser::AdoptUnprefixedPendingCall(Process& process, const StraceLine& line) {
  // strace -f to a terminal: the first process started this call unprefixed, then a second
  // process appeared and the call resumes under the first one's "[pid N]". That makes this
  // process the first one.
  if (!bracketed_mode_ || process.linked || process.unprefixed_node_then == ImageGraph::kNoNode) {
    return;
  }
  auto unprefixed = processes_.find(kUnprefixedPid);
  if (unprefixed == processes_.end() || !unprefixed->second.is_root) return;
  Process& first = unprefixed->second;
  if (!first.pending || !ResumedCallMatches(first, line.name)) return;
  process.pending = true;
  process.pending_compat = first.pending_compat;
  process.pending_number = first.pending_number;
  process.pending_exec_path = std::move(first.pending_exec_path);
  first.pending = false;
  MakeRootAlias(process);
}

void StraceLogParser::MakeRootAlias(Process& process) {
  log_.graph.SetParent(process.first_node, process.unprefixed_node_then);
  process.linked = true;
  process.is_root_alias = true;
  has_root_alias_ = true;
  if (process.exit_status) log_.root_exit_status = process.exit_status;
}

void StraceLogParser::HandleResult(Process& process, std::string_view name,
                                   std::optional<int64_t> result,
                                   std::optional<std::string> exec_path) {
  if (!result) return;
  if (IsForkName(name) && *result > 0 && *result <= INT_MAX) {
    HandleChild(process, static_cast<int>(*result));
    return;
  }
  if (!IsExecName(name) || *result != 0) return;
  ImageGraph::NodeId node = ImageGraph::kNoNode;
  if (exec_path) {
    node = log_.graph.AddExecNode(*exec_path);
    if (process.is_root && log_.root_first_exec.empty()) log_.root_first_exec = *exec_path;
    if (log_.first_exec.empty()) log_.first_exec = *exec_path;
  } else {
    node = log_.graph.AddExecNode(std::string(ImageGraph::kUnknownKey));
    if (process.superseded_by != 0) log_.exec_paths_from.emplace_back(node, process.superseded_by);
  }
  process.node = node;
  process.superseded_by = 0;
}

void StraceLogParser::HandleChild(Process& parent, int child_pid) {
  log_.children.emplace_back(child_pid, parent.node);
  auto it = processes_.find(child_pid);
  if (it != processes_.end()) {
    Process& child = it->second;
    // A child seen before this return (a short thread may even have ended by now) gets its
    // parent here; a pid that already had its parent is one the kernel handed out again.
    bool awaiting_parent = !child.linked && !child.is_root && !child.is_root_alias;
    if (awaiting_parent) {
      log_.graph.SetParent(child.first_node, parent.node);
      child.linked = true;
    }
    if (awaiting_parent || child.alive) return;
  }
  NewProcess(child_pid, parent.node);
}

void StraceLogParser::HandleExit(const StraceLine& line) {
  int pid = PidOf(line);
  Process& process = processes_[pid];
  ++log_.recognised_lines;
  std::optional<int> status;
  if (line.kind == StraceLineKind::kExited) {
    status = line.status;
  } else if (line.status > 0) {
    status = 128 + line.status;
  }
  process.exit_status = status;
  process.alive = false;
  live_prefixed_.erase(pid);
  if (process.is_root || process.is_root_alias) log_.root_exit_status = status;
}

void StraceLogParser::HandleSuperseded(const StraceLine& line) {
  int leader_pid = PidOf(line);
  Process& leader = processes_[leader_pid];
  ++log_.recognised_lines;
  int thread_pid = line.subject_pid;
  if (thread_pid == 0 || thread_pid == leader_pid) return;
  auto thread = processes_.find(thread_pid);
  if (thread == processes_.end() || !thread->second.alive || !thread->second.pending) {
    // The thread's execve is in another file (-ff): the importer finds its path there.
    leader.superseded_by = thread_pid;
    return;
  }
  // The thread's execve finishes as the leader: its <... execve resumed> comes under the
  // leader's pid.
  Process& from = thread->second;
  leader.pending = true;
  leader.pending_compat = from.pending_compat;
  leader.pending_number = from.pending_number;
  leader.pending_exec_path = std::move(from.pending_exec_path);
  leader.node = from.node;
  from.pending = false;
  from.alive = false;
  live_prefixed_.erase(thread_pid);
}

void StraceLogParser::HandlePersonality(const StraceLine& line) {
  ++log_.recognised_lines;
  // The message names the process; in a -ff file that pid is the file's unprefixed one.
  auto named = processes_.find(line.subject_pid);
  Process& process =
      named != processes_.end() && named->second.alive ? named->second : processes_[PidOf(line)];
  process.personality = line.personality;
}

StraceLog StraceLogParser::Finish() && {
  if (!spliced_prefix_.empty()) {
    std::string rest = std::move(spliced_prefix_);
    spliced_prefix_.clear();
    AddLine(rest, last_line_number_, true);
    spliced_prefix_.clear();
  }
  // strace -f to a terminal: the unprefixed first process reappears as the one "[pid N]"
  // nobody forked. It continues where the unprefixed lines left off.
  auto unprefixed = processes_.find(kUnprefixedPid);
  if (bracketed_mode_ && !has_root_alias_ && unprefixed != processes_.end() &&
      unprefixed->second.is_root) {
    Process* alias = nullptr;
    for (auto& [pid, process] : processes_) {
      if (pid == kUnprefixedPid || process.linked ||
          process.unprefixed_node_then == ImageGraph::kNoNode) {
        continue;
      }
      if (alias == nullptr || process.order < alias->order) alias = &process;
    }
    if (alias != nullptr) MakeRootAlias(*alias);
  }
  for (const auto& [pid, process] : processes_) {
    if (process.is_root && process.pending && process.pending_exec_path) {
      log_.unfinished_exec_path = *process.pending_exec_path;
    }
  }
  return std::move(log_);
}

}  // namespace sysfence
