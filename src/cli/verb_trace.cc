// `sysfence trace [-o FILE] -- CMD [ARG...]`: run a command under sysfence's ptrace tracer and
// write its dynamic profile; exit with the command's own status.
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "profile/profile_json.h"
#include "trace/trace_command.h"

namespace sysfence::cli {
namespace {

struct TraceVerbOptions {
  std::string output;
  std::vector<std::string> command;
  bool every_syscall = false;
};

int RunTrace(const TraceVerbOptions& options) {
  TraceOptions trace;
  trace.command = options.command;
  trace.stop_mode = options.every_syscall ? StopMode::kEverySyscall : StopMode::kSeccomp;
  Result<TraceResult> result = TraceCommand(trace);
  if (!result.ok()) return ReportError(result.error());
  for (const std::string& warning : result->warnings) Warn(warning);
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
  // After "--" every word is the command's, even ones that look like sysfence options.
  verb->add_option("CMD", options->command,
                   "The command and its arguments; put them after -- when they hold options")
      ->required();
  verb->callback([options, &action] { action = [options] { return RunTrace(*options); }; });
}

}  // namespace sysfence::cli
