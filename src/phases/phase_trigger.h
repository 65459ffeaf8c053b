// Phase triggers: the syscall-level events that switch a trace from one execution phase to the
// next (`sysfence trace --phase NAME=TRIGGER`). This file parses the trigger language and
// decides whether one event fires a trigger; phase_tracker.h keeps the phase state.
//
//   Result<PhaseSpec> spec = ParsePhaseSpec("auth=syscall:connect");
//   Result<PhaseSpec> work = ParsePhaseSpec("work=write:fd=1@process");
//   if (TriggerMatches(spec->trigger, event, inspector)) ...;
//
// Trigger language (one per --phase; `@process` or `@tree` may follow, default @tree):
//   syscall:NAME          first call of NAME
//   NAME:PATH-GLOB        NAME called with a path argument matching the glob
//                         (open:/etc/passwd, openat:/home/*/.ssh/*, execve:/usr/bin/*)
//   NAME:fd=N             NAME called on descriptor N (write:fd=1)
//   NAME:argK=V           NAME called with argument K (0-5) equal to V (alarm:arg0=0)
//   socket:FAMILY         socket() of a family (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, or a
//   number) exec:PATH-GLOB        a successful exec of a matching program read:socket|tty|pipe|file
//                         first read (read, readv, pread64, recvfrom, recvmsg) from such an fd
//   signal:SIGNAME        a signal delivered to a tracee (signal:SIGUSR1 or signal:10)
//   mark                  only `sysfence mark NAME` switches to this phase
#ifndef SYSFENCE_PHASES_PHASE_TRIGGER_H_
#define SYSFENCE_PHASES_PHASE_TRIGGER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sysfence {

enum class TriggerKind {
  kFirstCall,     // syscall:NAME
  kPathArgument,  // NAME:/path/glob
  kFdArgument,    // NAME:fd=N, NAME:argK=V
  kSocketFamily,  // socket:AF_INET
  kExec,          // exec:/usr/bin/ls
  kReadFrom,      // read:socket
  kSignal,        // signal:SIGUSR1
  kMark,          // mark
};

// Whether a trigger moves the whole process tree to the phase or only the process that fired it
// (and the children it starts afterwards).
enum class TriggerScope { kTree, kProcess };

// What kind of file a descriptor refers to (for read:KIND triggers).
enum class FdKind { kUnknown, kFile, kSocket, kTty, kPipe, kOther };
std::string_view FdKindName(FdKind kind);

struct PhaseTrigger {
  TriggerKind kind = TriggerKind::kMark;
  TriggerScope scope = TriggerScope::kTree;
  int syscall = -1;     // kFirstCall, kPathArgument, kFdArgument, kSocketFamily
  int path_arg = -1;    // kPathArgument: index of the path argument; kFdArgument: the argument
  std::string pattern;  // kPathArgument, kExec: glob
  int64_t number = -1;  // kFdArgument: value; kSocketFamily: family; kSignal: signal number
  FdKind fd_kind = FdKind::kUnknown;  // kReadFrom
  std::string text;                   // as the user wrote it (without the scope)
};

struct PhaseSpec {
  std::string name;
  PhaseTrigger trigger;
};

Result<PhaseTrigger> ParsePhaseTrigger(std::string_view text);
// "NAME=TRIGGER". Names are [A-Za-z0-9_.-]+.
Result<PhaseSpec> ParsePhaseSpec(std::string_view text);
// The spec back in the form ParsePhaseSpec reads.
std::string FormatPhaseSpec(const PhaseSpec& spec);

// One syscall stop, as the tracer sees it.
struct SyscallEvent {
  int pid = 0;
  int tgid = 0;
  int number = -1;
  std::array<uint64_t, 6> args{};
  double time = 0;  // seconds since the trace started
};

// Reads what a trigger needs from a stopped tracee. The tracer implements it with
// process_vm_readv and /proc/PID/fd; tests implement it with fixed answers.
class TraceeInspector {
 public:
  virtual ~TraceeInspector() = default;
  virtual std::optional<std::string> ReadString(int pid, uint64_t address) = 0;
  virtual FdKind KindOfFd(int pid, int fd) = 0;
};

// Index of the path argument of a path-taking syscall, or -1.
int PathArgumentIndex(int syscall);

// The x86-64 calls whose stop can fire `trigger` (empty for exec, signal and mark triggers).
std::vector<int> TriggerCallNumbers(const PhaseTrigger& trigger);

bool TriggerMatchesSyscall(const PhaseTrigger& trigger, const SyscallEvent& event,
                           TraceeInspector& inspector);
bool TriggerMatchesExec(const PhaseTrigger& trigger, std::string_view path);
bool TriggerMatchesSignal(const PhaseTrigger& trigger, int signal);

// Shell-style glob: `*`, `?`, `[...]`; `*` stops at `/` unless the pattern holds `**`, in which
// case every `*` of it matches across directories.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace sysfence

#endif  // SYSFENCE_PHASES_PHASE_TRIGGER_H_
