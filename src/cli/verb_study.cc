// `sysfence study NAME|DIR [-o DIR]`: runs a study directory (docs/STUDY.md), a checked-in one
// such as the poster's diff and ssh or any other, and writes its report.
#include <string.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/signal_scope.h"
#include "cli/cli.h"
#include "report/browser.h"
#include "study/study_report.h"
#include "study/study_runner.h"

namespace sysfence::cli {
namespace {

struct StudyVerbOptions {
  std::string study;
  std::string output;
  std::string work_dir;
  std::string workloads_dir;
};

// Exit status when the study ran but the static analysis missed traced syscalls.
constexpr int kExitUnsound = 1;

int RunStudyVerb(const StudyVerbOptions& verb) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return ReportError(Error("cannot find the sysfence executable (/proc/self/exe)"));
  self[n] = '\0';
  StudyOptions options;
  Result<std::string> dir = FindStudyDirectory(
      verb.study, verb.workloads_dir.empty() ? DefaultWorkloadsDir() : verb.workloads_dir);
  if (!dir.ok()) return ReportError(dir.error());
  options.study_dir = *dir;
  options.sysfence_binary = self;
  options.work_dir = verb.work_dir;
  options.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  std::string output =
      verb.output.empty()
          ? "study-results/" + std::filesystem::path(*dir).lexically_normal().filename().string()
          : verb.output;

  if (Status usable = CheckReportDirectory(output); !usable.ok()) {
    return ReportError(usable.error());
  }

  // SIGINT, SIGTERM and SIGHUP end the study cleanly: the running child is killed, the
  // scratch directory removed, and no report is written (each report file is complete or
  // absent in any case).
  TerminationSignals signals;
  options.interrupted = [&signals] { return signals.Received(); };
  auto interrupted = [&signals] {
    Warn(
        fmt::format("interrupted by SIG{}: the study's processes were killed and its scratch "
                    "directory removed",
                    sigabbrev_np(signals.Received())));
    return 128 + signals.Received();
  };

  Result<StudyResult> result = RunStudy(options);
  if (signals.Received() != 0) return interrupted();
  if (!result.ok()) return ReportError(result.error().WithContext("study " + verb.study));
  Status written = WriteStudyReport(*result, output);
  if (signals.Received() != 0) return interrupted();
  if (!written.ok()) return ReportError(written.error());
  // The screenshot shows the page as a browser renders it; without a browser the report is
  // still complete.
  std::string screenshot_note;
  if (Result<std::string> chromium = FindChromium(); chromium.ok()) {
    Status shot = CaptureScreenshot(*chromium, output + "/index.html", output + "/screenshot.png");
    screenshot_note = shot.ok() ? ", screenshot.png" : "";
    if (!shot.ok()) Warn("no screenshot: " + shot.error().message());
  } else {
    Warn("no screenshot: " + chromium.error().message());
  }
  fmt::print("\n{}\nreport: {}/index.html (and report.md, data.json, data.csv, *.svg{})\n",
             StudySummaryText(*result), output, screenshot_note);
  if (!result->soundness_failures.empty()) {
    fmt::print(stderr,
               "sysfence: the static analysis missed {} traced syscall(s); see the "
               "report\n",
               result->soundness_failures.size());
    return kExitUnsound;
  }
  return 0;
}

}  // namespace

void RegisterStudyVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<StudyVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "study",
      "Run a study: traces, static sets, phases and a report, for the poster's diff or SSH or any "
      "study directory (docs/STUDY.md).");
  verb->add_option("STUDY", options->study,
                   "A checked-in study (diff, ssh) or a study directory with a study.txt")
      ->required();
  verb->add_option("-o,--output", options->output,
                   "Report directory (default: study-results/STUDY)");
  verb->add_option("--work-dir", options->work_dir,
                   "Keep the traces and profiles in this directory (default: a temporary one)");
  verb->add_option("--workloads", options->workloads_dir,
                   "Where the checked-in studies are (default: the source tree's study/)");
  verb->footer(
      "Exit status: 0 when done, 1 when the static analysis missed a traced syscall, "
      "2 on errors.");
  verb->callback([options, &action] { action = [options] { return RunStudyVerb(*options); }; });
}

}  // namespace sysfence::cli
