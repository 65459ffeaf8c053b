// From argument values to rules (see argument_rules.h).
#include "filter/argument_rules.h"

#include "syscalls/argument_table.h"

namespace sysfence {

size_t ArgumentRuleCount(const SyscallArgumentValues& values) {
  size_t count = 1;
  for (const auto& [index, set] : values) {
    count *= set.size();
    if (count > kMaxArgumentRules) return count;  // no overflow: a set is never that large
  }
  return count;
}

std::vector<ArgumentRule> ArgumentRulesOf(int syscall, const SyscallArgumentValues& values) {
  std::vector<ArgumentRule> rules = {{}};
  for (const auto& [index, set] : values) {
    const ArgumentSpec* spec = FindArgumentSpec(syscall, index);
    if (spec == nullptr) continue;
    std::vector<ArgumentRule> extended;
    extended.reserve(rules.size() * set.size());
    for (const ArgumentRule& rule : rules) {
      for (uint64_t value : set) {
        ArgumentRule longer = rule;
        longer.push_back({index, spec->mask, value & spec->mask});
        extended.push_back(std::move(longer));
      }
    }
    rules = std::move(extended);
  }
  if (rules.size() == 1 && rules.front().empty()) rules.clear();
  return rules;
}

}  // namespace sysfence
