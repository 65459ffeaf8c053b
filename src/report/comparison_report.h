// Renders a comparison of two profiles as a terminal table, JSON or CSV (`sysfence compare`).
//
//   std::string text = ComparisonToText(a, "diff.json", b, "static.json");
#ifndef SYSFENCE_REPORT_COMPARISON_REPORT_H_
#define SYSFENCE_REPORT_COMPARISON_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/argument_values.h"
#include "profile/profile.h"

namespace sysfence {

struct NamedProfile {
  std::string_view label;  // how the user named it (usually the file path)
  const Profile* profile;
};

// A readable table: counts and shares, then both / only A / only B per category, then the
// argument values one profile allows and the other does not (calls both have).
std::string ComparisonToText(NamedProfile a, NamedProfile b);
// {"a":{...}, "b":{...}, "both":[...], "only_a":[...], "only_b":[...], "total_syscalls":N,
//  "by_category":{...}, "args_only_a":[{"syscall", "argument", "any", "values"}],
//  "args_only_b":[...]}
std::string ComparisonToJson(NamedProfile a, NamedProfile b);
// One row per syscall in either set: name,number,category,in_a,in_b,count_a,count_b
std::string ComparisonToCsv(NamedProfile a, NamedProfile b);

// One argument's values one profile allows and another does not: "domain: AF_NETLINK,
// AF_PACKET" ("any value" when the gap is all of them); the syscall's name is the caller's.
std::string ArgumentGapText(const ArgumentGap& gap);
// [{"syscall", "argument", "any", "values"}, ...]
nlohmann::json ArgumentGapsToJson(const std::vector<ArgumentGap>& gaps);

// "read, write, ..." in name order, or "-" for an empty set.
std::string JoinNames(const SyscallSet& set);
// The categories `set` has calls in, in Category order, each with those calls.
std::vector<std::pair<Category, SyscallSet>> ByCategory(const SyscallSet& set);

}  // namespace sysfence

#endif  // SYSFENCE_REPORT_COMPARISON_REPORT_H_
