// Parsing the filter options of `filter` and `run` (see filter_options.h).
#include "cli/filter_options.h"

namespace sysfence::cli {

Result<FilterOptions> ParseFilterOptions(const std::string& action, const std::string& soft_action,
                                         const std::string& phase) {
  FilterOptions options;
  Result<FilterAction> parsed_action = ParseFilterAction(action);
  if (!parsed_action.ok()) return parsed_action.error().WithContext("--action");
  Result<FilterAction> parsed_soft = ParseSoftAction(soft_action);
  if (!parsed_soft.ok()) return parsed_soft.error().WithContext("--soft-action");
  options.action = *parsed_action;
  options.soft_action = *parsed_soft;
  options.phase = phase;
  return options;
}

}  // namespace sysfence::cli
