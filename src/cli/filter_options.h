// The filter options `sysfence filter` and `sysfence run` share, parsed from their words.
//
//   Result<FilterOptions> options = ParseFilterOptions("kill", "log", "working");
//   if (!options.ok()) return ReportError(options.error());   // "--action: unknown ..."
#ifndef SYSFENCE_CLI_FILTER_OPTIONS_H_
#define SYSFENCE_CLI_FILTER_OPTIONS_H_

#include <string>

#include "base/result.h"
#include "filter/filter_policy.h"

namespace sysfence::cli {

// --action, --soft-action and --phase as `filter` and `run` take them; errors name the option.
Result<FilterOptions> ParseFilterOptions(const std::string& action,
                                         const std::string& soft_action,
                                         const std::string& phase);

}  // namespace sysfence::cli

#endif  // SYSFENCE_CLI_FILTER_OPTIONS_H_
