// `sysfence explore STUDY --program NAME --budget 5m [-o DIR]`: looks for runs of a study's
// program that reach syscalls and syscall sites its hand-written runs do not (study/explore.h),
// and writes them as a runs file the study can adopt, with a discovery curve.
#include <string.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/duration.h"
#include "base/file_util.h"
#include "base/signal_scope.h"
#include "cli/cli.h"
#include "study/explore.h"
#include "study/study_report.h"
#include "study/study_runner.h"

namespace sysfence::cli {
namespace {

struct ExploreVerbOptions {
  std::string study;
  std::string program;
  std::string budget = "5m";
  std::string timeout = "5s";
  uint64_t seed = 1;
  std::string output;
  std::string work_dir;
  std::string workloads_dir;
  bool json = false;
};

Result<double> Seconds(const std::string& option, const std::string& text) {
  Result<int64_t> nanoseconds = ParseDuration(text);
  if (!nanoseconds.ok()) return nanoseconds.error().WithContext(option + " " + text);
  return static_cast<double>(*nanoseconds) / 1e9;
}

int RunExploreVerb(const ExploreVerbOptions& verb) {
  Result<std::string> self = SysfenceExecutable();
  if (!self.ok()) return ReportError(self.error());
  Result<double> budget = Seconds("--budget", verb.budget);
  if (!budget.ok()) return ReportError(budget.error());
  Result<double> timeout = Seconds("--timeout", verb.timeout);
  if (!timeout.ok()) return ReportError(timeout.error());
  std::string workloads = verb.workloads_dir.empty() ? DefaultWorkloadsDir() : verb.workloads_dir;
  Result<std::string> dir = FindStudyDirectory(verb.study, workloads);
  if (!dir.ok()) return ReportError(dir.error());
  std::string name = std::filesystem::path(*dir).lexically_normal().filename().string();
  std::string output = verb.output;
  if (output.empty()) {
    output = "explore-results/" + name + (verb.program.empty() ? "" : "-" + verb.program);
  }
  if (Status usable = CheckReportDirectory(output); !usable.ok()) {
    return ReportError(usable.error());
  }

  // SIGINT, SIGTERM and SIGHUP end the exploration early: the running trace is killed, and
  // what was found so far is written.
  TerminationSignals signals;
  ExploreOptions options{
      .study_dir = *dir,
      .program = verb.program,
      .sysfence_binary = *self,
      .budget_seconds = *budget,
      .timeout_seconds = *timeout,
      .seed = verb.seed,
      .work_dir = verb.work_dir,
      .interrupted = [&signals] { return signals.Received(); },
      .progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); }};
  Result<ExploreResult> result = Explore(options);
  if (!result.ok()) return ReportError(result.error().WithContext("explore " + name));
  if (Status written = WriteExploreOutput(*result, output); !written.ok()) {
    return ReportError(written.error());
  }
  if (verb.json) {
    Result<std::string> json = ReadFile(output + "/explore.json");
    if (!json.ok()) return ReportError(json.error());
    fmt::print("{}", *json);
  } else {
    fmt::print("{}output: {}/runs.txt (and inputs.sh, explore.json, curve.svg)\n",
               ExploreSummaryText(*result), output);
  }
  if (result->interrupted && signals.Received() != 0) {
    Warn(fmt::format("interrupted by SIG{}: the results so far are written",
                     sigabbrev_np(signals.Received())));
    return 128 + signals.Received();
  }
  return 0;
}

}  // namespace

void RegisterExploreVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<ExploreVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "explore",
      "Look for runs of a study's program that reach syscalls and syscall sites its "
      "hand-written runs do not: its --help options with the runs' operands, mutated input "
      "files, and the environment. Writes them as a runs file the study can adopt "
      "(docs/STUDY.md).");
  verb->add_option("STUDY", options->study,
                   "A checked-in study (diff, curl, python3, ...) or a study directory")
      ->required();
  verb->add_option("--program", options->program,
                   "The study's program to explore (required when it has several)");
  verb->add_option("--budget", options->budget,
                   "How long to explore after the hand-written runs: 90s, 5m, ... (default 5m)");
  verb->add_option("--timeout", options->timeout,
                   "Time limit of each run; a run that takes longer is not kept (default 5s)");
  verb->add_option("--seed", options->seed,
                   "Seed of the order and of the mutations: the same seed tries the same "
                   "candidates in the same order (default 1)");
  verb->add_option("-o,--output", options->output,
                   "Output directory (default: explore-results/STUDY, or STUDY-PROGRAM with "
                   "--program)");
  verb->add_option("--work-dir", options->work_dir,
                   "Keep the scratch directory (copies, inputs, home) here (default: a "
                   "temporary one, removed)");
  verb->add_option("--workloads", options->workloads_dir,
                   "Where the checked-in studies are (default: the source tree's study/)");
  verb->add_flag("--json", options->json, "Print explore.json on stdout instead of the summary");
  verb->footer(
      "Each run is traced with its working directory, HOME and TMPDIR in the scratch "
      "directory. Progress goes to stderr. Exit status: 0 when done, 2 on errors, 128+N when "
      "interrupted by signal N (what was found is still written).");
  verb->callback([options, &action] { action = [options] { return RunExploreVerb(*options); }; });
}

}  // namespace sysfence::cli
