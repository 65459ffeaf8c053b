// `sysfence compare [--format text|json|csv] A B`: both / only in A / only in B.
#include <memory>
#include <string>

#include "base/file_util.h"
#include "cli/cli.h"
#include "profile/profile_json.h"
#include "report/comparison_report.h"

namespace sysfence::cli {
namespace {

struct CompareOptions {
  std::string format = "text";
  std::string output;
  std::string a;
  std::string b;
};

int RunCompare(const CompareOptions& options) {
  Result<Profile> a = ReadProfileFile(options.a);
  if (!a.ok()) return ReportError(a.error());
  Result<Profile> b = ReadProfileFile(options.b);
  if (!b.ok()) return ReportError(b.error());
  NamedProfile named_a{options.a, &*a};
  NamedProfile named_b{options.b, &*b};
  std::string text = options.format == "json"  ? ComparisonToJson(named_a, named_b)
                     : options.format == "csv" ? ComparisonToCsv(named_a, named_b)
                                               : ComparisonToText(named_a, named_b);
  Status written = WriteFileAtomically(options.output, text);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterCompareVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* verb = app.add_subcommand(
      "compare", "Compare two profiles: both, only in A, only in B, by category.");
  verb->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "csv"}));
  verb->add_option("-o,--output", options->output, "Write here (default: stdout)");
  verb->add_option("PROFILE_A", options->a, "First profile")->required();
  verb->add_option("PROFILE_B", options->b, "Second profile")->required();
  verb->callback([options, &action] { action = [options] { return RunCompare(*options); }; });
}

}  // namespace sysfence::cli
