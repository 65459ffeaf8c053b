// `sysfence merge [-o FILE] PROFILE...`: the union of profiles over runs.
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "profile/merge.h"
#include "profile/profile_json.h"

namespace sysfence::cli {
namespace {

struct MergeOptions {
  std::string output;
  std::vector<std::string> inputs;
};

int RunMerge(const MergeOptions& options) {
  std::vector<Profile> profiles;
  for (const std::string& path : options.inputs) {
    Result<Profile> profile = ReadProfileFile(path);
    if (!profile.ok()) return ReportError(profile.error());
    profiles.push_back(std::move(*profile));
  }
  Result<Profile> merged = MergeProfiles(profiles);
  if (!merged.ok()) return ReportError(merged.error());
  Status written = WriteProfileFile(options.output, *merged);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterMergeVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<MergeOptions>();
  CLI::App* verb = app.add_subcommand(
      "merge", "Merge profiles of several runs: union, runs, seen_in_runs, summed counts.");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_option("PROFILE", options->inputs, "Profiles to merge ('-' for stdin)")->required();
  verb->callback([options, &action] { action = [options] { return RunMerge(*options); }; });
}

}  // namespace sysfence::cli
