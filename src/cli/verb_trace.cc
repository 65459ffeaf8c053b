// `sysfence trace [-o FILE] [--backend ptrace|ebpf|auto] -- CMD [ARG...]`: run a command under
// sysfence's ptrace tracer or its eBPF recorder and write its dynamic profile; exit with the
// command's own status. `sysfence trace --pid PID | --cgroup PATH [--duration D]
// [--flush-every D] -o FILE`: record what already runs until Ctrl-C, SIGTERM, the duration or
// its end, and leave it running.
#include <string.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "base/command_path.h"
#include "base/duration.h"
#include "base/file_util.h"
#include "cli/cli.h"
#include "ebpf/bpf_recorder.h"
#include "ebpf/ebpf_trace.h"
#include "phases/phase_detector.h"
#include "phases/timeline_file.h"
#include "profile/profile_json.h"
#include "ptrace/live_tracee_inspector.h"
#include "record/control_socket.h"
#include "record/idle_request.h"
#include "record/phase_observer.h"
#include "trace/attach_trace.h"
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
  bool no_sites = false;
  std::string backend = "auto";
  std::vector<int> pids;
  std::string cgroup;
  std::string duration;
  std::string flush_every;
  bool attaching() const { return !pids.empty() || !cgroup.empty(); }
};

// What either backend returns, as far as the verb needs it.
struct Traced {
  Profile profile;
  int exit_status = -1;
  int interrupted_by = 0;
  std::vector<std::string> warnings;
};

// Loads the eBPF recorder when the options ask for it (--backend ebpf) or allow it (auto) and
// the kernel lets it load; null means ptrace. Under auto, one line on stderr says which backend
// records and, for ptrace, why not eBPF.
Result<std::unique_ptr<BpfRecorder>> ChooseBackend(const TraceVerbOptions& options,
                                                   const std::vector<PhaseSpec>& specs) {
  if (options.backend == "ptrace") {
    if (!options.cgroup.empty()) {
      return MakeError(
          "--cgroup needs the eBPF backend (ptrace cannot follow tasks that enter "
          "a cgroup)");
    }
    return std::unique_ptr<BpfRecorder>();
  }
  bool forced = options.backend == "ebpf" || !options.cgroup.empty();
  std::optional<std::string> why_not;
  if (options.every_syscall) {
    why_not = "--every-syscall asks for the ptrace backend's syscall stops";
  } else {
    why_not = EbpfUnsupportedTrigger(specs);
  }
  if (!why_not) why_not = BpfRecorderUnavailable();
  std::unique_ptr<BpfRecorder> recorder;
  if (!why_not) {
    Result<std::unique_ptr<BpfRecorder>> loaded =
        BpfRecorder::Create({.call_events = !options.events.empty() || options.auto_phases,
                             .sites = !options.no_sites});
    if (loaded.ok()) {
      recorder = std::move(*loaded);
    } else {
      why_not = loaded.error().message();
    }
  }
  if (forced) {
    if (why_not) {
      return MakeError("{}: {}", options.backend == "ebpf" ? "--backend ebpf" : "--cgroup",
                       *why_not);
    }
    return recorder;
  }
  if (why_not) {
    fmt::print(stderr,
               "sysfence: recording with ptrace (--backend auto): eBPF cannot be used: {}\n",
               *why_not);
  } else {
    fmt::print(stderr, "sysfence: recording with eBPF (--backend auto)\n");
  }
  return recorder;
}

Result<Traced> Record(const TraceVerbOptions& options, BpfRecorder* bpf, TraceObserver* observer,
                      IdleRequest* idle) {
  Traced traced;
  if (bpf != nullptr) {
    EbpfTraceOptions trace;
    trace.command = options.command;
    trace.every_call = !options.events.empty() || options.auto_phases;
    trace.idle = idle;
    Result<EbpfTraceResult> result = EbpfTraceCommand(trace, *bpf, observer);
    if (!result.ok()) return result.error();
    traced.profile = std::move(result->recording.profile);
    traced.exit_status = result->recording.exit_status;
    traced.interrupted_by = result->interrupted_by;
    traced.warnings = std::move(result->recording.warnings);
    return traced;
  }
  TraceOptions trace;
  trace.command = options.command;
  trace.stop_mode = options.every_syscall ? StopMode::kEverySyscall : StopMode::kSeccomp;
  trace.sites = !options.no_sites;
  Result<TraceResult> result = TraceCommand(trace, observer);
  if (!result.ok()) return result.error();
  traced.profile = std::move(result->profile);
  traced.exit_status = result->exit_status;
  traced.interrupted_by = result->interrupted_by;
  traced.warnings = std::move(result->warnings);
  return traced;
}

// One line on stderr, rewritten in place, while recording what already runs.
class ProgressLine {
 public:
  ProgressLine() : shown_(isatty(STDERR_FILENO) != 0) {}
  void Show(const AttachProgress& now) {
    if (!shown_) return;
    fmt::print(stderr, "\r\033[Ksysfence: {} thread(s), {} calls, {} syscalls{}{}", now.tasks,
               now.calls, now.distinct, now.last_new.empty() ? "" : ", last new: ", now.last_new);
    written_ = true;
  }
  void End() {
    if (written_) fmt::print(stderr, "\n");
    written_ = false;
  }

 private:
  bool shown_;
  bool written_ = false;
};

Result<Traced> RecordAttached(const TraceVerbOptions& options, BpfRecorder* bpf,
                              PhaseObserver& observer, IdleRequest* idle) {
  AttachOptions attach;
  for (int pid : options.pids) attach.pids.push_back(pid);
  attach.cgroup = options.cgroup;
  attach.sites = !options.no_sites;
  if (!options.duration.empty()) {
    Result<int64_t> duration = ParseDuration(options.duration);
    if (!duration.ok()) return MakeError("--duration: {}", duration.error().message());
    attach.duration_ns = *duration;
  }
  if (!options.flush_every.empty()) {
    Result<int64_t> every = ParseDuration(options.flush_every);
    if (!every.ok()) return MakeError("--flush-every: {}", every.error().message());
    attach.flush_every_ns = *every;
    attach.on_flush = [&options, &observer](const Recording& so_far) {
      Profile profile = so_far.profile;
      observer.AddToProfile(profile);
      return WriteProfileFile(options.output, profile);
    };
  }
  ProgressLine line;
  attach.on_progress = [&line](const AttachProgress& now) { line.Show(now); };
  attach.on_started = [&attach](int threads) {
    fmt::print(stderr,
               "sysfence: recording {} thread(s){}; stop with Ctrl-C or SIGTERM (the processes "
               "run on)\n",
               threads, attach.cgroup.empty() ? "" : " and whatever enters the cgroup");
  };
  bool every_call = !options.events.empty() || options.auto_phases;
  Result<AttachResult> result = bpf != nullptr
                                    ? EbpfAttach(attach, every_call, idle, *bpf, &observer)
                                    : PtraceAttach(attach, &observer);
  line.End();
  if (!result.ok()) return result.error();
  Traced traced;
  traced.profile = std::move(result->recording.profile);
  traced.exit_status = 0;
  traced.warnings = std::move(result->recording.warnings);
  fmt::print(stderr, "sysfence: recording stopped ({}): {} calls of {} syscalls in {} image(s)\n",
             result->ended, result->recording.calls, traced.profile.syscalls.Size(),
             traced.profile.images.size());
  return traced;
}

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
  if (options.attaching()) {
    if (!options.command.empty()) {
      return ReportError(
          MakeError("--pid and --cgroup record what already runs: give no "
                    "command ('{}')",
                    options.command.front()));
    }
    if (!options.flush_every.empty() && options.output.empty()) {
      return ReportError(MakeError("--flush-every needs -o FILE to write the profile to"));
    }
    for (const std::string* text : {&options.duration, &options.flush_every}) {
      if (text->empty()) continue;
      if (Result<int64_t> parsed = ParseDuration(*text); !parsed.ok()) {
        return ReportError(MakeError("--{}: {}",
                                     text == &options.duration ? "duration" : "flush-every",
                                     parsed.error().message()));
      }
    }
  } else {
    if (!options.duration.empty() || !options.flush_every.empty()) {
      return ReportError(MakeError(
          "--duration and --flush-every apply to --pid and --cgroup (a command's recording "
          "ends with the command)"));
    }
    // A command that cannot run is reported before anything else, whichever backend records.
    if (options.command.empty()) return ReportError(MakeError("no command to trace"));
    if (Result<CommandPath> path = ResolveCommand(options.command.front()); !path.ok()) {
      return ReportError(path.error());
    }
  }
  Result<std::unique_ptr<BpfRecorder>> bpf = ChooseBackend(options, specs);
  if (!bpf.ok()) return ReportError(bpf.error());
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
  // The ptrace backend applies a mark at the next stop, which comes before the requester's
  // next call; the eBPF recorder is asked to apply it before the requester gets its answer.
  IdleRequest idle;
  bool mark_waits = bpf->get() != nullptr;
  std::unique_ptr<ControlSocket> control;
  if (!specs.empty()) {
    auto started = ControlSocket::Start([&observer, &idle, mark_waits](std::string_view name) {
      if (!observer.RequestMark(name)) return fmt::format("'{}' is not a later phase", name);
      if (mark_waits) idle.RequestAndWait();
      return std::string();
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

  Result<Traced> result = options.attaching() ? RecordAttached(options, bpf->get(), observer, &idle)
                                              : Record(options, bpf->get(), &observer, &idle);
  control.reset();
  bpf->reset();
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
    fmt::print(stderr, "\nproposed phases:\n{}", text);
  }
  Status written = WriteProfileFile(options.output, result->profile);
  if (!written.ok()) return ReportError(written.error());
  if (result->interrupted_by != 0) {
    const char* name = sigabbrev_np(result->interrupted_by);
    Warn(
        fmt::format("interrupted by SIG{}: the traced processes were killed and the profile "
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
      "Run a command under sysfence's ptrace tracer or eBPF recorder (following forks, threads "
      "and execs) and write its dynamic profile. Exits with the command's status (128+N if "
      "killed by signal N).");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_option("--backend", options->backend,
                   "How to record: ptrace (stops the program at each call), ebpf (counts in "
                   "the kernel, never stops it; needs root), or auto (default: eBPF when the "
                   "kernel and privileges allow it and the phases need no ptrace, else ptrace)")
      ->check(CLI::IsMember({"ptrace", "ebpf", "auto"}));
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
  verb->add_flag("--no-sites", options->no_sites,
                 "Record no syscall sites (the profile's `sites`, which compare --explain "
                 "uses): for measuring what recording them costs");
  verb->add_flag("--auto-phases", options->auto_phases,
                 "Propose phase boundaries from this trace (printed on stderr)");
  verb->add_option("--pid", options->pids,
                   "Record this running process (all its threads) and every process it starts "
                   "from now on, instead of a command; repeatable. It runs on untouched when "
                   "recording ends (Ctrl-C, SIGTERM, --duration, or its end)")
      ->check(CLI::PositiveNumber);
  verb->add_option("--cgroup", options->cgroup,
                   "Record every process in this cgroup v2 directory (a service's or a "
                   "container's) and its sub-cgroups, including those that enter it later "
                   "(eBPF only)");
  verb->add_option("--duration", options->duration,
                   "With --pid/--cgroup: stop recording after this long (e.g. 90s, 10m, 2h)");
  verb->add_option("--flush-every", options->flush_every,
                   "With --pid/--cgroup: also write the profile so far to -o FILE (atomically) "
                   "this often (e.g. 60s)");
  // After "--" every word is the command's, even ones that look like sysfence options.
  verb->add_option("CMD", options->command,
                   "The command and its arguments; put them after -- when they hold options");
  verb->callback([options, &action] { action = [options] { return RunTrace(*options); }; });
}

}  // namespace sysfence::cli
