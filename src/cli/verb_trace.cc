// `sysfence trace [-o FILE] -- CMD [ARG...]`: run a command under sysfence's ptrace tracer and
// write its dynamic profile; exit with the command's own status.
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "cli/cli.h"
#include "phases/phase_detector.h"
#include "phases/timeline_file.h"
#include "profile/profile_json.h"
#include "ptrace/live_tracee_inspector.h"
#include "record/control_socket.h"
#include "record/phase_observer.h"
#include "trace/trace_command.h"

namespace sysfence::cli {
namespace {

struct TraceVerbOptions {
  std::string output;
  std::vector<std::string> command;
  bool every_syscall = false;
  std::vector<std::string> phases;
  std::string first_phase = "init";
  std::string phase_log;
  std::string events;
  bool auto_phases = false;
};

int RunTrace(const TraceVerbOptions& options) {
  std::vector<PhaseSpec> specs;
  for (const std::string& text : options.phases) {
    Result<PhaseSpec> spec = ParsePhaseSpec(text);
    if (!spec.ok()) return ReportError(spec.error());
    for (const PhaseSpec& earlier : specs) {
      if (earlier.name == spec->name || spec->name == options.first_phase) {
        return ReportError(MakeError("--phase '{}': phase '{}' is named twice", text, spec->name));
      }
    }
    specs.push_back(std::move(*spec));
  }
  if (!options.first_phase.empty()) {
    if (Result<PhaseSpec> check = ParsePhaseSpec(options.first_phase + "=mark"); !check.ok()) {
      return ReportError(MakeError("--first-phase '{}': not a phase name", options.first_phase));
    }
  }
  std::optional<TimelineWriter> events;
  if (!options.events.empty()) {
    Result<TimelineWriter> opened = TimelineWriter::Open(options.events);
    if (!opened.ok()) return ReportError(opened.error());
    events.emplace(std::move(*opened));
  }
  LiveTraceeInspector inspector;
  PhaseObserver observer(specs, options.first_phase,
                         {.keep_events = options.auto_phases,
                          .events_file = events ? &*events : nullptr,
                          .inspector = &inspector});
  // Manual marks reach the tracer through a control socket whose address the tracee inherits.
  std::unique_ptr<ControlSocket> control;
  if (!specs.empty()) {
    auto started = ControlSocket::Start([&observer](std::string_view name) -> std::string {
      return observer.RequestMark(name) ? "" : fmt::format("'{}' is not a later phase", name);
    });
    if (started.ok()) {
      control = std::move(*started);
      setenv(kControlEnvironment, control->address().c_str(), 1);
      fmt::print(stderr, "sysfence: switch phases by hand with: sysfence mark NAME --to {}\n",
                 control->address());
    } else {
      Warn(started.error().message() + " (sysfence mark will not work)");
    }
  }

  TraceOptions trace;
  trace.command = options.command;
  trace.stop_mode = options.every_syscall ? StopMode::kEverySyscall : StopMode::kSeccomp;
  Result<TraceResult> result = TraceCommand(trace, &observer);
  control.reset();
  if (!result.ok()) {
    if (events) unlink(options.events.c_str());
    return ReportError(result.error());
  }
  for (const std::string& warning : result->warnings) Warn(warning);
  observer.AddToProfile(result->profile);
  if (events) {
    if (Status closed = events->Close(); !closed.ok()) return ReportError(closed.error());
  }
  if (!options.phase_log.empty()) {
    Status logged = WriteFileAtomically(options.phase_log, observer.tracker().FormatLog());
    if (!logged.ok()) return ReportError(logged.error());
  }
  if (options.auto_phases) {
    PhaseProposal proposal = DetectPhases(observer.events(), {});
    std::string text = FormatProposal(proposal);
    if (!proposal.boundaries.empty()) {
      text += "\nto trace with these phases:\n  sysfence trace";
      for (const ProposedBoundary& b : proposal.boundaries) text += " --phase " + b.suggested_spec;
      text += " -- CMD...\n";
    }
    fmt::print(stderr, "\nproposed phases:\n{}", text);
  }
  Status written = WriteProfileFile(options.output, result->profile);
  if (!written.ok()) return ReportError(written.error());
  if (result->interrupted_by != 0) {
    const char* name = sigabbrev_np(result->interrupted_by);
    Warn(fmt::format("interrupted by SIG{}: the traced processes were killed and the profile "
                     "is marked incomplete",
                     name != nullptr ? name : "?"));
    return 128 + result->interrupted_by;
  }
  return result->exit_status;
}

}  // namespace

void RegisterTraceVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<TraceVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "trace",
      "Run a command under sysfence's ptrace tracer (following forks, threads and execs) and "
      "write its dynamic profile. Exits with the command's status (128+N if killed by signal "
      "N).");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_flag("--every-syscall", options->every_syscall,
                 "Stop at every call's entry and exit with PTRACE_SYSCALL instead of using a "
                 "seccomp filter (slower; for kernels that refuse the filter)");
  verb->add_option("--phase", options->phases,
                   "NAME=TRIGGER: enter phase NAME when TRIGGER fires (repeatable, in order). "
                   "Triggers: syscall:NAME, NAME:/path/glob, NAME:fd=N, NAME:argK=V, "
                   "socket:AF_INET, exec:/path/glob, read:socket|tty|pipe|file, signal:SIG, "
                   "mark; add @process to move only the process that fires it")
      ->allow_extra_args(false);
  verb->add_option("--first-phase", options->first_phase,
                   "Name of the phase before the first trigger (default: init)");
  verb->add_option("--phase-log", options->phase_log,
                   "Write which event switched which phase, and when, to this file");
  verb->add_option("--events", options->events,
                   "Write every call (time, pid, syscall) to this file, for 'sysfence phases'");
  verb->add_flag("--auto-phases", options->auto_phases,
                 "Propose phase boundaries from this trace (printed on stderr)");
  // After "--" every word is the command's, even ones that look like sysfence options.
  verb->add_option("CMD", options->command,
                   "The command and its arguments; put them after -- when they hold options")
      ->required();
  verb->callback([options, &action] { action = [options] { return RunTrace(*options); }; });
}

}  // namespace sysfence::cli
