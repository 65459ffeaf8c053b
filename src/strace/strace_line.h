// One line of strace output, taken apart: which process, which syscall and its result, or
// which event (signal, exit, personality switch). Pure and allocation-free: the importer
// (strace_import.h) calls it once per line and keeps the process state itself.
//
//   StraceLine line = ParseStraceLine("1234  openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3");
//   line.kind;     // StraceLineKind::kCall
//   *line.pid;     // 1234
//   line.name;     // "openat"
//   *line.result;  // 3
#ifndef SYSFENCE_STRACE_STRACE_LINE_H_
#define SYSFENCE_STRACE_STRACE_LINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence {

enum class StraceLineKind {
  kCall,          // name(args) = result: a whole syscall
  kUnfinished,    // name(args <unfinished ...>: entered; the result comes on a later line
  kResumed,       // <... name resumed>args) = result
  kSignal,        // --- SIGCHLD {...} ---
  kExited,        // +++ exited with N +++
  kKilled,        // +++ killed by SIGKILL +++
  kSuperseded,    // +++ superseded by execve in pid N +++
  kPersonality,   // [ Process PID=N runs in 32 bit mode. ]
  kAttached,      // strace: Process N attached
  kDetached,      // strace: Process N detached
  kNote,          // says nothing about the tracee: blank, -k stack frame, other strace: messages
  kMalformed,     // none of the above; `problem` says why
};

enum class Personality { k64Bit, k32Bit, kX32 };

struct StraceLine {
  StraceLineKind kind = StraceLineKind::kMalformed;
  // From a "1234  " (-f -o) or "[pid  1234] " (-f to a terminal) prefix.
  std::optional<int> pid;
  bool pid_in_brackets = false;
  // kCall, kUnfinished, kResumed: the syscall name as printed ("openat", "syscall_0x258").
  std::string_view name;
  // kCall, kUnfinished: the argument text after "(" (up to the result or the marker).
  std::string_view arguments;
  // kCall, kResumed: the return value; nullopt for "?" and anything that is not a number.
  std::optional<int64_t> result;
  // kCall without a result ("name(args" and nothing more): a line cut short.
  bool cut_short = false;
  // kExited: the exit code. kKilled: the signal number (0 when the name is unknown).
  int status = 0;
  // kSuperseded, kPersonality, kAttached, kDetached: the process the message is about
  // (0 when the message does not name one).
  int subject_pid = 0;
  Personality personality = Personality::k64Bit;
  // kMalformed: what is wrong, for the warning.
  std::string_view problem;
};

StraceLine ParseStraceLine(std::string_view line);

// strace -f writing to a terminal splices "strace: Process N attached" into the middle of a
// line it has started; the line then continues on the next line. Returns the part before
// the message when `line` ends with such a message after some other text.
std::optional<std::string_view> SplicedStraceMessagePrefix(std::string_view line);

// The file an execve/execveat call runs, from its argument text as strace prints it
// (C escapes decoded; with -y, execveat's directory descriptor is used for a relative path).
// nullopt when the arguments do not show it (an unreadable pointer, an fd without -y).
std::optional<std::string> ExecutedPath(std::string_view name, std::string_view arguments);

// Signal number for a name strace prints ("SIGKILL" -> 9, "SIGRT_2" -> 34), 0 if unknown.
int SignalNumber(std::string_view name);

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_STRACE_LINE_H_
