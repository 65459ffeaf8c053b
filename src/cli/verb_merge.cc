// `sysfence merge [-o FILE] PROFILE...`: the union of profiles over runs;
// `sysfence merge --hybrid [-o FILE] STATIC DYNAMIC`: a hybrid profile (static-only calls soft).
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
  bool hybrid = false;
};

int RunMerge(const MergeOptions& options) {
  std::vector<Profile> profiles;
  for (const std::string& path : options.inputs) {
    Result<Profile> profile = ReadProfileFile(path);
    if (!profile.ok()) return ReportError(profile.error());
    profiles.push_back(std::move(*profile));
  }
  if (options.hybrid && profiles.size() != 2) {
    return ReportError(Error("--hybrid takes exactly two profiles: STATIC DYNAMIC"));
  }
  Result<Profile> merged =
      options.hybrid ? MakeHybridProfile(profiles[0], profiles[1]) : MergeProfiles(profiles);
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
  verb->add_flag("--hybrid", options->hybrid,
                 "Combine STATIC DYNAMIC into a hybrid profile: the union, with the calls only "
                 "static analysis found marked soft");
  verb->add_option("PROFILE", options->inputs, "Profiles to merge ('-' for stdin)")->required();
  verb->callback([options, &action] { action = [options] { return RunMerge(*options); }; });
}

}  // namespace sysfence::cli
