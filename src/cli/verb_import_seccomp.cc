// `sysfence import-seccomp [-o FILE] FILE`: an OCI or Docker seccomp profile (or a whole OCI
// config.json) as a sysfence profile, e.g. to `sysfence compare` it with a traced one.
#include <memory>
#include <string>

#include "cli/cli.h"
#include "filter/seccomp_json_import.h"
#include "profile/profile_json.h"

namespace sysfence::cli {
namespace {

struct ImportSeccompOptions {
  std::string output;
  std::string input;
};

int RunImportSeccomp(const ImportSeccompOptions& options) {
  Result<ImportedSeccomp> imported = ImportSeccompFile(options.input);
  if (!imported.ok()) return ReportError(imported.error());
  for (const std::string& note : imported->notes) Warn(fmt::format("{}: {}", options.input, note));
  Status written = WriteProfileFile(options.output, imported->profile);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterImportSeccompVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<ImportSeccompOptions>();
  CLI::App* verb = app.add_subcommand(
      "import-seccomp",
      "Read an OCI or Docker seccomp profile (or an OCI config.json) as a sysfence profile.");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_option("FILE", options->input, "The seccomp JSON ('-' for stdin)")->required();
  verb->callback([options, &action] { action = [options] { return RunImportSeccomp(*options); }; });
}

}  // namespace sysfence::cli
