// The library entry point of the dynamic analysis: run a command under sysfence's own ptrace
// tracer and get its Profile (which calls, how often, made by which executable image), the
// command's exit status, and whether the trace was cut short.
//
//   TraceOptions options;
//   options.command = {"diff", "a.txt", "b.txt"};
//   Result<TraceResult> result = TraceCommand(options);
//   if (!result.ok()) return result.error();      // e.g. "diff2: command not found in PATH"
//   WriteProfileFile("diff.json", result->profile);
//   return result->exit_status;                    // diff's own status (128+N if killed)
#ifndef SYSFENCE_TRACE_TRACE_COMMAND_H_
#define SYSFENCE_TRACE_TRACE_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "profile/profile.h"
#include "profile/syscall_set.h"
#include "record/trace_observer.h"
#include "trace/tracer.h"

namespace sysfence {

struct TraceOptions {
  // The command and its arguments; a command without '/' is searched in PATH.
  std::vector<std::string> command;
  // The calls the tracees stop for (x86-64 numbers); nullopt stops for every call. Calls that
  // do not stop are neither counted nor reported to the observer.
  std::optional<SyscallSet> traced_syscalls;
  // kSeccomp falls back to kEverySyscall (with a warning) when the kernel refuses the filter.
  StopMode stop_mode = StopMode::kSeccomp;
  // Catch SIGINT/SIGTERM/SIGHUP while tracing: kill the tracees and return what was seen,
  // marked incomplete. Installs process-wide handlers for the duration of the call.
  bool catch_termination_signals = true;
  // Record the syscall sites that ran (Profile::sites).
  bool sites = true;
};

struct TraceResult {
  // kind dynamic, target = the command's canonical path, runs 1, seen_in_runs, images,
  // counts, compat_i386, phases (if the observer started any), exit_status, incomplete.
  Profile profile;
  // The command's exit code, or 128+N when it was killed by signal N; -1 when the trace was
  // interrupted (then `interrupted_by` is the signal sysfence received).
  int exit_status = -1;
  int interrupted_by = 0;
  StopMode stop_mode_used = StopMode::kSeccomp;
  uint64_t syscall_stops = 0;
  std::vector<std::string> warnings;
};

// Resolves the command (errors name it), starts it under the tracer and traces the whole
// process tree until every process has ended. Every process still alive when this returns
// early (error, termination signal) is killed. `observer` may be null.
//
// While it runs, the process is the child subreaper of the traced tree (orphans are reaped by
// sysfence, not init) and, with catch_termination_signals, handles SIGINT/SIGTERM/SIGHUP. It
// must not wait for children elsewhere meanwhile (the tracer waits for any child), and only
// one trace may run at a time.
Result<TraceResult> TraceCommand(const TraceOptions& options, TraceObserver* observer = nullptr);

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_TRACE_COMMAND_H_
