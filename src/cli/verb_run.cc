// `sysfence run --profile P [--action A] [--soft-action S] [--learn-output FILE]
// [--phased [--phase-log FILE]] -- CMD...`: runs CMD under the profile's seccomp filter and
// exits with its status. With --action log nothing is blocked and the calls outside the
// profile are listed on stderr at the end. With --phased the allowed set narrows as the
// profile's phase triggers fire.
#include <memory>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "cli/cli.h"
#include "cli/filter_options.h"
#include "enforce/launcher.h"
#include "profile/profile_json.h"

namespace sysfence::cli {
namespace {

struct RunOptions {
  std::string profile;
  std::string action = "errno";
  std::string soft_action = "log";
  bool no_args = false;
  std::string learn_output;
  bool phased = false;
  std::string phase_log;
  std::vector<std::string> command;
};

void PrintCounts(std::string_view title, const std::map<std::string, uint64_t>& counts) {
  if (counts.empty()) return;
  uint64_t calls = 0;
  size_t width = 0;
  for (const auto& [name, count] : counts) {
    calls += count;
    width = std::max(width, name.size());
  }
  fmt::print(stderr, "sysfence: {} ({} distinct, {} calls):\n", title, counts.size(), calls);
  for (const auto& [name, count] : counts) {
    fmt::print(stderr, "  {:<{}}  {}\n", name, width, count);
  }
}

// Names and counts of what learning mode saw, on stderr.
void ReportLearned(const LearnedCalls& learned) {
  auto by_name = [](const std::map<int, uint64_t>& calls) {
    std::map<std::string, uint64_t> named;
    for (const auto& [number, count] : calls) named[SyscallDisplayName(number)] += count;
    return named;
  };
  if (learned.Empty()) {
    fmt::print(stderr, "sysfence: learning mode: every call was in the profile\n");
    return;
  }
  PrintCounts("system calls outside the profile", by_name(learned.outside));
  PrintCounts("soft (static-only) calls the program made", by_name(learned.soft));
  std::map<std::string, uint64_t> i386;
  for (const auto& [name, count] : learned.i386) i386["i386:" + name] = count;
  PrintCounts("i386 calls outside the profile", i386);
  std::map<std::string, uint64_t> x32;
  for (const auto& [number, count] : learned.x32) x32[fmt::format("x32:{}", number)] = count;
  PrintCounts("x32 calls", x32);
}

int RunRun(const RunOptions& options) {
  Result<FilterOptions> filter_options =
      ParseFilterOptions(options.action, options.soft_action, "");
  if (!filter_options.ok()) return ReportError(filter_options.error());
  bool learn = filter_options->action == FilterAction::kLog;
  // Learning records new calls, not new values: it runs on the syscall-level filter.
  filter_options->with_arguments = !options.no_args && !learn;
  if (!options.learn_output.empty() && !learn) {
    return ReportError(Error("--learn-output needs --action log (learning mode)"));
  }
  if (!options.phase_log.empty() && !options.phased) {
    return ReportError(Error("--phase-log needs --phased"));
  }
  Result<Profile> profile = ReadProfileFile(options.profile);
  if (!profile.ok()) return ReportError(profile.error());

  LaunchOptions launch;
  launch.argv = options.command;
  launch.learn = learn;
  if (options.phased) {
    Result<PhasedPolicy> phased = MakePhasedPolicy(*profile, *filter_options);
    if (!phased.ok()) return ReportError(phased.error().WithContext(options.profile));
    launch.phased = std::move(*phased);
  } else {
    Result<FilterPolicy> policy = MakeFilterPolicy(*profile, *filter_options);
    if (!policy.ok()) return ReportError(policy.error().WithContext(options.profile));
    launch.policy = std::move(*policy);
  }
  Result<LaunchResult> result = Launch(launch);
  if (!result.ok()) return ReportError(result.error());
  if (!options.phase_log.empty()) {
    Status written = WriteFileAtomically(options.phase_log, result->phase_log);
    if (!written.ok()) return ReportError(written.error());
  }
  if (learn) {
    ReportLearned(result->learned);
    if (!options.learn_output.empty()) {
      Status written = WriteProfileFile(options.learn_output, LearnedProfile(*result));
      if (!written.ok()) return ReportError(written.error());
    }
  }
  return result->exit_status;
}

}  // namespace

void RegisterRunVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* verb = app.add_subcommand(
      "run", "Run a command under a profile's seccomp filter; exit with its status.");
  verb->add_option("--profile", options->profile, "The profile to enforce")->required();
  verb->add_option("--action", options->action,
                   "What calls outside the profile get: errno (EPERM, default), kill, trap, or "
                   "log (learning mode: nothing is blocked, the calls are reported)");
  verb->add_option("--soft-action", options->soft_action,
                   "What a hybrid profile's soft calls get: log (default), errno");
  verb->add_option("--learn-output", options->learn_output,
                   "With --action log: write the calls outside the profile here as a profile");
  verb->add_flag("--no-args", options->no_args,
                 "Check syscalls only, not their arguments (the profile's argument values)");
  verb->add_flag("--phased", options->phased,
                 "Enforce the profile's phases: start with the union of the phases and narrow "
                 "to the calls of the current and later phases as each phase's trigger fires");
  verb->add_option("--phase-log", options->phase_log,
                   "With --phased: write the phase switches here, one a line");
  verb->add_option("CMD", options->command, "The command and its arguments (after --)")->required();
  verb->callback([options, &action] { action = [options] { return RunRun(*options); }; });
}

}  // namespace sysfence::cli
