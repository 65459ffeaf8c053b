// `sysfence study NAME|DIR [-o DIR]`: runs a study directory (docs/STUDY.md), a checked-in one
// such as the poster's diff and ssh or any other, and writes its report. `sysfence study --all`
// runs every checked-in study and writes an overview across them.
#include <string.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/signal_scope.h"
#include "cli/cli.h"
#include "report/browser.h"
#include "study/study_overview.h"
#include "study/study_report.h"
#include "study/study_runner.h"

namespace sysfence::cli {
namespace {

struct StudyVerbOptions {
  std::string study;
  std::string output;
  std::string work_dir;
  std::string workloads_dir;
  bool all = false;
};

// Exit status when the study ran but the static analysis missed traced syscalls.
constexpr int kExitUnsound = 1;
constexpr int kExitError = 2;

// A screenshot of a report page as a browser renders it; without a browser the report is still
// complete. Returns ", screenshot.png" when one was taken, for the closing line.
std::string TakeScreenshot(const std::string& dir) {
  Result<std::string> chromium = FindChromium();
  if (!chromium.ok()) {
    Warn("no screenshot: " + chromium.error().message());
    return "";
  }
  Status shot = CaptureScreenshot(*chromium, dir + "/index.html", dir + "/screenshot.png");
  if (!shot.ok()) Warn("no screenshot: " + shot.error().message());
  return shot.ok() ? ", screenshot.png" : "";
}

std::string StudyName(const std::string& dir) {
  return std::filesystem::path(dir).lexically_normal().filename().string();
}

int RunStudyVerb(const StudyVerbOptions& verb) {
  Result<std::string> self = SysfenceExecutable();
  if (!self.ok()) return ReportError(self.error());
  std::string workloads = verb.workloads_dir.empty() ? DefaultWorkloadsDir() : verb.workloads_dir;
  std::vector<std::string> dirs;
  if (verb.all == !verb.study.empty()) {
    return ReportError(Error("name one study (a checked-in one or a directory), or --all"));
  }
  if (verb.all) {
    dirs = CheckedInStudies(workloads);
    if (dirs.empty()) return ReportError(MakeError("{}: no study directories there", workloads));
  } else {
    Result<std::string> dir = FindStudyDirectory(verb.study, workloads);
    if (!dir.ok()) return ReportError(dir.error());
    dirs.push_back(*dir);
  }
  std::string output = verb.output;
  if (output.empty()) output = verb.all ? "study-results" : "study-results/" + StudyName(dirs[0]);
  if (Status usable = CheckReportDirectory(output); !usable.ok()) {
    return ReportError(usable.error());
  }

  // SIGINT, SIGTERM and SIGHUP end the study cleanly: the running child is killed, the
  // scratch directory removed, and no report is written (each report file is complete or
  // absent in any case).
  TerminationSignals signals;
  auto interrupted = [&signals] {
    Warn(
        fmt::format("interrupted by SIG{}: the study's processes were killed and its scratch "
                    "directory removed",
                    sigabbrev_np(signals.Received())));
    return 128 + signals.Received();
  };

  std::vector<StudyOverviewEntry> entries;
  bool failed = false;
  bool unsound = false;
  for (size_t i = 0; i < dirs.size(); ++i) {
    std::string name = StudyName(dirs[i]);
    StudyOptions options;
    options.study_dir = dirs[i];
    options.sysfence_binary = *self;
    options.work_dir =
        verb.work_dir.empty() || !verb.all ? verb.work_dir : verb.work_dir + "/" + name;
    options.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
    options.interrupted = [&signals] { return signals.Received(); };
    std::string report = verb.all ? output + "/" + name : output;
    if (verb.all) fmt::print(stderr, "== study {} ({} of {})\n", name, i + 1, dirs.size());

    Result<StudyResult> result = RunStudy(options);
    if (signals.Received() != 0) return interrupted();
    if (!result.ok()) {
      Error error = result.error().WithContext("study " + name);
      if (!verb.all) return ReportError(error);
      Warn(error.message());
      entries.push_back({name, name, std::nullopt, error.message()});
      failed = true;
      continue;
    }
    Status written = WriteStudyReport(*result, report);
    if (signals.Received() != 0) return interrupted();
    if (!written.ok()) return ReportError(written.error());
    std::string screenshot_note = TakeScreenshot(report);
    fmt::print("\n{}\nreport: {}/index.html (and report.md, data.json, data.csv, *.svg{})\n",
               StudySummaryText(*result), report, screenshot_note);
    if (!result->soundness_failures.empty()) {
      fmt::print(stderr,
                 "sysfence: the static analysis missed {} traced syscall(s) in study {}; see the "
                 "report\n",
                 result->soundness_failures.size(), name);
      unsound = true;
    }
    entries.push_back({name, name, std::move(*result), ""});
  }
  if (verb.all) {
    if (Status written = WriteStudyOverview(entries, output); !written.ok()) {
      return ReportError(written.error());
    }
    std::string screenshot_note = TakeScreenshot(output);
    fmt::print("\n{}\noverview: {}/index.html (and overview.json, summary.txt, *.svg{})\n",
               StudyOverviewText(entries), output, screenshot_note);
  }
  if (failed) return kExitError;
  return unsound ? kExitUnsound : 0;
}

}  // namespace

void RegisterStudyVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<StudyVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "study",
      "Run a study: traces, static sets, phases and a report, for the poster's diff or SSH or any "
      "study directory (docs/STUDY.md).");
  verb->add_option("STUDY", options->study,
                   "A checked-in study (diff, ssh, nginx, ...) or a study directory with a "
                   "study.txt");
  verb->add_flag("--all", options->all,
                 "Run every checked-in study, each report in OUTPUT/NAME, and write an overview "
                 "across them to OUTPUT/index.html (default OUTPUT: study-results)");
  verb->add_option("-o,--output", options->output,
                   "Report directory (default: study-results/STUDY, or study-results with "
                   "--all)");
  verb->add_option("--work-dir", options->work_dir,
                   "Keep the traces and profiles in this directory (with --all, one "
                   "subdirectory per study; default: a temporary one)");
  verb->add_option("--workloads", options->workloads_dir,
                   "Where the checked-in studies are (default: the source tree's study/)");
  verb->footer(
      "Exit status: 0 when done, 1 when the static analysis missed a traced syscall, "
      "2 on errors (with --all: when a study failed; the others still run and the overview "
      "names it).");
  verb->callback([options, &action] { action = [options] { return RunStudyVerb(*options); }; });
}

}  // namespace sysfence::cli
