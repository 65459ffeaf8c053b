// `sysfence import-strace [-o FILE] LOG...`: strace logs (plain, -f, -ff) as a dynamic profile,
// one run per LOG (or -ff set). Skipped lines are warned about, the first few by file and line.
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "profile/profile_json.h"
#include "strace/strace_import.h"

namespace sysfence::cli {
namespace {

constexpr size_t kShownWarnings = 10;

struct ImportStraceOptions {
  std::string output;
  std::vector<std::string> logs;
  bool keep_paths = false;
};

int RunImportStrace(const ImportStraceOptions& options) {
  StraceImportReport report;
  StraceImportOptions import_options;
  import_options.max_warnings = kShownWarnings;
  import_options.resolve_paths = !options.keep_paths;
  Result<Profile> profile = ImportStraceLogs(options.logs, &report, import_options);
  if (!profile.ok()) return ReportError(profile.error());
  for (const StraceWarning& warning : report.warnings) {
    Warn(fmt::format("{}:{}: {}", warning.file, warning.line, warning.message));
  }
  if (report.warning_count > report.warnings.size()) {
    Warn(fmt::format("{} more warnings not shown ({} in all)",
                     report.warning_count - report.warnings.size(), report.warning_count));
  }
  Status written = WriteProfileFile(options.output, *profile);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterImportStraceVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<ImportStraceOptions>();
  CLI::App* verb = app.add_subcommand(
      "import-strace",
      "Make a dynamic profile from strace logs (strace, strace -f, strace -ff -o PREFIX). "
      "Each LOG, or each set of PREFIX.PID files, is one run.");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_flag("--keep-paths", options->keep_paths,
                 "Keep image paths as execve got them (default: resolve symbolic links when the "
                 "file exists here, as sysfence trace does: /bin/sh becomes /usr/bin/dash)");
  verb->add_option("LOG", options->logs,
                   "strace output files ('-' for stdin), or directories of strace -ff "
                   "PREFIX.PID files")
      ->required();
  verb->callback([options, &action] { action = [options] { return RunImportStrace(*options); }; });
}

}  // namespace sysfence::cli
