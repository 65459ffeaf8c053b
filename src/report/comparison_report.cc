// Text, JSON and CSV renderings of a profile comparison (see comparison_report.h).
#include "report/comparison_report.h"

#include <nlohmann/json.hpp>

#include "profile/compare.h"
#include "syscalls/argument_table.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

uint64_t CountOf(const Profile& profile, int number) {
  auto it = profile.counts.find(number);
  return it == profile.counts.end() ? 0 : it->second;
}

json Summary(NamedProfile p) {
  int total = TotalSyscallCount();
  return {{"label", p.label},
          {"target", p.profile->target},
          {"kind", ProfileKindName(p.profile->kind)},
          {"runs", p.profile->runs},
          {"count", p.profile->syscalls.Size()},
          {"percent_of_all", Percent(p.profile->syscalls.Size(), total)}};
}

// Wraps a comma-separated list at `width` columns, indenting continuation lines.
std::string Wrap(const std::string& text, size_t indent, size_t width) {
  std::string out;
  size_t column = indent;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(", ", start);
    std::string word =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
    if (column + word.size() > width && column > indent) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    }
    out += word;
    column += word.size();
    if (end == std::string::npos) break;
    out += ' ';
    ++column;
    start = end + 2;
  }
  return out;
}

}  // namespace

std::string JoinNames(const SyscallSet& set) {
  std::string out;
  for (const std::string& name : set.Names()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "-" : out;
}

std::vector<std::pair<Category, SyscallSet>> ByCategory(const SyscallSet& set) {
  std::vector<std::pair<Category, SyscallSet>> parts;
  for (int i = 0; i < kCategoryCount; ++i) {
    auto category = static_cast<Category>(i);
    SyscallSet part = InCategory(set, category);
    if (!part.Empty()) parts.emplace_back(category, part);
  }
  return parts;
}

namespace {

// Argument values one profile allows and the other does not, for the calls both have.
std::vector<ArgumentGap> ArgumentsOnlyIn(const Profile& in, const Profile& other) {
  return ArgumentsNotCovered(other.args, in.args, in.syscalls & other.syscalls);
}

std::string GapValues(const ArgumentGap& gap) {
  if (gap.any) return "any value";
  const ArgumentSpec* spec = FindArgumentSpec(gap.syscall, gap.index);
  std::string out;
  for (uint64_t value : gap.values) {
    if (!out.empty()) out += ", ";
    out += spec != nullptr ? FormatArgumentValue(*spec, value) : fmt::format("{}", value);
  }
  return out;
}

std::string ArgumentName(const ArgumentGap& gap) {
  const ArgumentSpec* spec = FindArgumentSpec(gap.syscall, gap.index);
  return spec != nullptr ? std::string(spec->name) : fmt::format("arg{}", gap.index);
}

}  // namespace

std::string ArgumentGapText(const ArgumentGap& gap) {
  return fmt::format("{}: {}", ArgumentName(gap), GapValues(gap));
}

json ArgumentGapsToJson(const std::vector<ArgumentGap>& gaps) {
  json out = json::array();
  for (const ArgumentGap& gap : gaps) {
    json values = json::array();
    const ArgumentSpec* spec = FindArgumentSpec(gap.syscall, gap.index);
    for (uint64_t value : gap.values) {
      values.push_back(spec != nullptr ? FormatArgumentValue(*spec, value)
                                       : fmt::format("{}", value));
    }
    out.push_back({{"syscall", SyscallDisplayName(gap.syscall)},
                   {"argument", ArgumentName(gap)},
                   {"any", gap.any},
                   {"values", values}});
  }
  return out;
}

std::string ComparisonToText(NamedProfile a, NamedProfile b) {
  Comparison c = CompareSets(a.profile->syscalls, b.profile->syscalls);
  int total = TotalSyscallCount();
  std::string out;
  out += fmt::format("A: {} ({}, {})\n", a.label, ProfileKindName(a.profile->kind),
                     a.profile->target.empty() ? "-" : a.profile->target);
  out += fmt::format("B: {} ({}, {})\n\n", b.label, ProfileKindName(b.profile->kind),
                     b.profile->target.empty() ? "-" : b.profile->target);
  out += fmt::format("{:<12} {:>5} {:>9} {:>9}\n", "", "count", "% of A∪B", "% of all");
  int either = (c.a | c.b).Size();
  auto row = [&](std::string_view label, const SyscallSet& set) {
    out += fmt::format("{:<12} {:>5} {:>8.1f}% {:>8.1f}%\n", label, set.Size(),
                       Percent(set.Size(), either), Percent(set.Size(), total));
  };
  row("A", c.a);
  row("B", c.b);
  row("both", c.both);
  row("only in A", c.only_a);
  row("only in B", c.only_b);
  out += fmt::format("(all x86-64 syscalls: {})\n", total);

  out += fmt::format("\n{:<28} {:>5} {:>7} {:>7}\n", "category", "both", "only A", "only B");
  for (int i = 0; i < kCategoryCount; ++i) {
    auto category = static_cast<Category>(i);
    int n_both = InCategory(c.both, category).Size();
    int n_a = InCategory(c.only_a, category).Size();
    int n_b = InCategory(c.only_b, category).Size();
    if (n_both + n_a + n_b == 0) continue;
    out += fmt::format("{:<28} {:>5} {:>7} {:>7}\n", CategoryTitle(category), n_both, n_a, n_b);
  }
  auto list = [&](std::string_view title, const SyscallSet& set) {
    out += fmt::format("\n{} ({}):\n", title, set.Size());
    for (const auto& [category, part] : ByCategory(set)) {
      std::string head = fmt::format("  {:<27} ", CategoryTitle(category));
      out += head + Wrap(JoinNames(part), head.size(), 100) + "\n";
    }
  };
  list("Only in A", c.only_a);
  list("Only in B", c.only_b);
  list("In both", c.both);
  // Argument values (profile version 2): what one allows that the other does not, for the
  // calls both have. A profile that says nothing of an argument allows any value.
  if (!a.profile->args.empty() || !b.profile->args.empty()) {
    auto gaps = [&](std::string_view title, const std::vector<ArgumentGap>& found) {
      out += fmt::format("\nArgument values {} ({}):\n", title, found.size());
      for (const ArgumentGap& gap : found) {
        std::string head =
            fmt::format("  {} {}: ", SyscallDisplayName(gap.syscall), ArgumentName(gap));
        out += head + Wrap(GapValues(gap), head.size(), 100) + "\n";
      }
    };
    gaps("only A allows", ArgumentsOnlyIn(*a.profile, *b.profile));
    gaps("only B allows", ArgumentsOnlyIn(*b.profile, *a.profile));
  }
  return out;
}

std::string ComparisonToJson(NamedProfile a, NamedProfile b) {
  Comparison c = CompareSets(a.profile->syscalls, b.profile->syscalls);
  json by_category = json::object();
  for (int i = 0; i < kCategoryCount; ++i) {
    auto category = static_cast<Category>(i);
    by_category[std::string(CategoryName(category))] = {
        {"both", InCategory(c.both, category).Names()},
        {"only_a", InCategory(c.only_a, category).Names()},
        {"only_b", InCategory(c.only_b, category).Names()}};
  }
  json root = {{"a", Summary(a)},
               {"b", Summary(b)},
               {"both", c.both.Names()},
               {"only_a", c.only_a.Names()},
               {"only_b", c.only_b.Names()},
               {"total_syscalls", TotalSyscallCount()},
               {"by_category", by_category},
               {"args_only_a", ArgumentGapsToJson(ArgumentsOnlyIn(*a.profile, *b.profile))},
               {"args_only_b", ArgumentGapsToJson(ArgumentsOnlyIn(*b.profile, *a.profile))}};
  return root.dump(2) + "\n";
}

std::string ComparisonToCsv(NamedProfile a, NamedProfile b) {
  SyscallSet either = a.profile->syscalls | b.profile->syscalls;
  std::string out = "syscall,number,category,in_a,in_b,count_a,count_b\n";
  for (const std::string& name : either.Names()) {
    int number = *ParseSyscallName(name);
    out += fmt::format(
        "{},{},{},{},{},{},{}\n", name, number, CategoryName(SyscallCategory(number)),
        a.profile->syscalls.Contains(number) ? 1 : 0, b.profile->syscalls.Contains(number) ? 1 : 0,
        CountOf(*a.profile, number), CountOf(*b.profile, number));
  }
  return out;
}

}  // namespace sysfence
