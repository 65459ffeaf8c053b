// `sysfence filter --format oci|docker|systemd|minijail|bpf|pfc|c [--action A]
// [--soft-action S] [--phase NAME] [-o FILE] PROFILE`: a profile as a seccomp filter in the
// format another tool loads.
#include <memory>
#include <string>

#include "base/file_util.h"
#include "cli/cli.h"
#include "cli/filter_options.h"
#include "filter/exporters.h"
#include "filter/filter_policy.h"
#include "profile/profile_json.h"

namespace sysfence::cli {
namespace {

struct FilterVerbOptions {
  std::string format;
  std::string action = "errno";
  std::string soft_action = "log";
  bool no_args = false;
  std::string phase;
  std::string output;
  std::string profile;
};

int RunFilter(const FilterVerbOptions& options) {
  Result<ExportFormat> format = ParseExportFormat(options.format);
  if (!format.ok()) return ReportError(format.error().WithContext("--format"));
  Result<FilterOptions> filter_options =
      ParseFilterOptions(options.action, options.soft_action, options.phase);
  if (!filter_options.ok()) return ReportError(filter_options.error());
  filter_options->with_arguments = !options.no_args;
  Result<Profile> profile = ReadProfileFile(options.profile);
  if (!profile.ok()) return ReportError(profile.error());
  Result<FilterPolicy> policy = MakeFilterPolicy(*profile, *filter_options);
  if (!policy.ok()) return ReportError(policy.error().WithContext(options.profile));
  Result<ExportedFilter> exported = ExportFilter(*policy, *format);
  if (!exported.ok()) return ReportError(exported.error());
  for (const std::string& note : exported->notes) Warn(note);
  Status written = WriteFileAtomically(options.output, exported->contents);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterFilterVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<FilterVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "filter",
      "Turn a profile into a seccomp filter: OCI/Docker JSON, systemd, minijail, "
      "raw BPF, libseccomp pseudo-code or a C header.");
  verb->add_option("--format", options->format, "oci|docker|systemd|minijail|bpf|pfc|c")
      ->required();
  verb->add_option("--action", options->action,
                   "What calls outside the profile get: errno (EPERM, default), kill, log, trap");
  verb->add_option("--soft-action", options->soft_action,
                   "What a hybrid profile's soft (static-only) calls get: log (default), errno");
  verb->add_option("--phase", options->phase, "Use this phase of the profile instead of all");
  verb->add_flag("--no-args", options->no_args,
                 "Check syscalls only, not their arguments (the profile's argument values)");
  verb->add_option("-o,--output", options->output, "Write here (default: stdout)");
  verb->add_option("PROFILE", options->profile, "The profile ('-' for stdin)")->required();
  verb->callback([options, &action] { action = [options] { return RunFilter(*options); }; });
}

}  // namespace sysfence::cli
