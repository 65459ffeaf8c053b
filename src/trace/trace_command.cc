// TraceCommand: resolve, build the filter, launch, trace, build the profile (see
// trace_command.h). The one retry: if the kernel refuses the seccomp filter (the child says
// so before it has run the command), the command is started again with PTRACE_SYSCALL stops,
// which need no filter; nothing of the command has run at that point.
#include "trace/trace_command.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/command_path.h"
#include "base/signal_scope.h"
#include "base/subprocess.h"
#include "record/recorder.h"
#include "trace/seccomp_trace_filter.h"
#include "trace/tracee_launcher.h"

namespace sysfence {
namespace {

struct Attempt {
  explicit Attempt(TraceObserver* observer) : recorder(observer) {}
  Recorder recorder;
  TracerOutcome outcome;
  std::optional<LaunchFailure> failure;  // set when the command never ran
};

Result<std::unique_ptr<Attempt>> TraceOnce(const CommandPath& path, const TraceOptions& options,
                                           StopMode mode, TraceObserver* observer,
                                           const TerminationSignals* signals) {
  std::optional<BpfProgram> filter;
  if (mode == StopMode::kSeccomp) {
    Result<BpfProgram> built = BuildSeccompTraceFilter(options.traced_syscalls);
    if (!built.ok()) return built.error();
    filter = std::move(*built);
  }
  auto attempt = std::make_unique<Attempt>(observer);
  if (!options.sites) attempt->recorder.DropSites();
  Result<LaunchedCommand> launched =
      LaunchTracedCommand({path.exec_path, options.command, filter ? &*filter : nullptr});
  if (!launched.ok()) return launched.error();
  attempt->recorder.Start(launched->pid);
  Tracer tracer(mode, &attempt->recorder, signals);
  Result<TracerOutcome> outcome = tracer.Run();
  if (!outcome.ok()) return outcome.error();
  attempt->outcome = *outcome;
  if (!attempt->recorder.root_execed()) {
    attempt->failure = ReadLaunchFailure(launched->failure_pipe.get());
  }
  return attempt;
}

}  // namespace

Result<TraceResult> TraceCommand(const TraceOptions& options, TraceObserver* observer) {
  if (options.command.empty()) return MakeError("no command to trace");
  Result<CommandPath> path = ResolveCommand(options.command.front());
  if (!path.ok()) return path.error();

  std::optional<TerminationSignals> signals;
  if (options.catch_termination_signals) signals.emplace();
  const TerminationSignals* signals_ptr = signals ? &*signals : nullptr;
  // A tracee whose parent dies is reparented to sysfence instead of init, so sysfence itself
  // reaps it and no zombie of the traced tree outlives the trace (init may reap late, or never).
  ScopedChildSubreaper subreaper;

  TraceResult result;
  result.stop_mode_used = options.stop_mode;
  Result<std::unique_ptr<Attempt>> attempt =
      TraceOnce(*path, options, options.stop_mode, observer, signals_ptr);
  if (!attempt.ok()) return attempt.error();
  if ((*attempt)->failure && (*attempt)->failure->stage != LaunchFailure::Stage::kExecve &&
      options.stop_mode == StopMode::kSeccomp) {
    result.warnings.push_back(fmt::format(
        "the kernel refused the seccomp trace filter ({}); tracing with two ptrace stops per "
        "call instead, which is slower",
        strerror((*attempt)->failure->error_number)));
    result.stop_mode_used = StopMode::kEverySyscall;
    attempt = TraceOnce(*path, options, StopMode::kEverySyscall, observer, signals_ptr);
    if (!attempt.ok()) return attempt.error();
  }
  const Attempt& done = **attempt;
  if (!done.recorder.root_execed() && done.outcome.interrupted_by == 0) {
    if (done.failure) {
      const char* stage = done.failure->stage == LaunchFailure::Stage::kExecve
                              ? "cannot execute"
                              : "cannot install the trace filter for";
      return MakeError("{} {}: {}", stage, path->exec_path, strerror(done.failure->error_number));
    }
    return MakeError("{}: the process ended before the command started", path->exec_path);
  }

  Recording recording = done.recorder.Finish(path->canonical, done.outcome.interrupted_by != 0);
  result.profile = std::move(recording.profile);
  result.interrupted_by = done.outcome.interrupted_by;
  result.exit_status = recording.exit_status;
  result.syscall_stops = recording.calls;
  for (const auto& [bit, program] : done.outcome.unprivileged_set_id) {
    result.warnings.push_back(fmt::format(
        "{} is {} but ran without that privilege (the kernel ignores the bit for a tracer "
        "without CAP_SYS_PTRACE, and on a nosuid mount): its calls may differ from an "
        "untraced run",
        program, bit));
  }
  for (std::string& warning : recording.warnings) result.warnings.push_back(std::move(warning));
  return result;
}

}  // namespace sysfence
