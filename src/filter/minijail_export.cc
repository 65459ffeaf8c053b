// minijail .policy files (minijail0 -S FILE, or its policy compiler): one `name: 1` line per
// allowed call. minijail kills the process on any call a policy does not list, and its
// `@default` directive only offers kill or trap, so the other default actions are spelt out
// per call: for errno every other syscall of the table gets `name: return 1` (EPERM), for log
// `name: log`. Calls newer than the table then still meet minijail's kill. Soft calls get
// `log` or `return 1`.
//
// Argument rules: minijail compares whole 64-bit registers (==, and `in` for "only these
// bits"), not masked values. A number argument whose whole int is compared becomes
// `argN == V` (and its sign-extended form for V >= 2^31); any other argument (a flag word, a
// socket type without its SOCK_CLOEXEC bits) becomes `argN in ALLOWED`, which lets through
// every combination of the bits the profile's values use: wider than the other formats, and
// a note says so.
#include "filter/exporters.h"
#include "syscalls/argument_table.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// `name: expression` for a call with argument values: the alternatives of each argument,
// ANDed (minijail binds && tighter than ||).
std::string ArgumentExpression(int number, const SyscallArgumentValues& values, bool& widened) {
  std::vector<std::vector<std::string>> alternatives;
  for (const auto& [index, set] : values) {
    const ArgumentSpec* spec = FindArgumentSpec(number, index);
    if (spec == nullptr) continue;
    std::vector<std::string> these;
    if (spec->kind == ArgumentKind::kValue && spec->mask == 0xffffffff) {
      for (uint64_t v : set) {
        these.push_back(fmt::format("arg{} == {:#x}", index, v));
        if (v >= 0x80000000) {
          these.push_back(fmt::format("arg{} == {:#x}", index, v | 0xffffffff00000000));
        }
      }
    } else {
      uint64_t used = 0;
      for (uint64_t v : set) used |= v;
      these.push_back(fmt::format("arg{} in {:#x}", index, ~(spec->mask & ~used)));
      widened = true;
    }
    alternatives.push_back(std::move(these));
  }
  std::vector<std::string> terms = {""};
  for (const std::vector<std::string>& these : alternatives) {
    std::vector<std::string> longer;
    for (const std::string& term : terms) {
      for (const std::string& condition : these) {
        longer.push_back(term.empty() ? condition : term + " && " + condition);
      }
    }
    terms = std::move(longer);
  }
  std::string expression;
  for (const std::string& term : terms) {
    if (!expression.empty()) expression += " || ";
    expression += term;
  }
  return expression;
}

void AppendLines(std::string& text, const std::vector<std::string>& names,
                 std::string_view action) {
  for (const std::string& name : names) text += fmt::format("{}: {}\n", name, action);
}

}  // namespace

ExportedFilter ExportMinijail(const FilterPolicy& policy) {
  ExportedFilter out;
  SyscallSet conditional;
  for (const auto& [number, values] : policy.arguments) conditional.Insert(number);
  std::vector<std::string> allowed =
      NamesForExport(policy.allowed - conditional, "minijail", out.notes);
  std::vector<std::string> soft = NamesForExport(policy.soft, "minijail", out.notes);
  if (!policy.i386_allowed.empty()) {
    out.notes.push_back(
        "a minijail policy describes one architecture: the profile's i386 calls "
        "are left out (minijail blocks i386 calls of an x86-64 program)");
  }

  std::string& text = out.contents;
  text += fmt::format("# sysfence: minijail seccomp policy for {} (x86_64), {} system calls.\n",
                      PolicyOrigin(policy), allowed.size() + soft.size() + policy.arguments.size());
  switch (policy.default_action) {
    case FilterAction::kKill:
    case FilterAction::kAllow:
    case FilterAction::kTrace:
      text += "# Calls not listed: minijail kills the process (its default).\n";
      break;
    case FilterAction::kTrap:
      text += "# Calls not listed: SIGSYS.\n@default trap\n";
      break;
    case FilterAction::kErrno:
    case FilterAction::kLog:
      text += fmt::format(
          "# Calls not in the profile: '{}' (listed one by one below the allowed "
          "calls); calls newer than\n# sysfence's table meet minijail's default "
          "kill.\n",
          MinijailActionName(policy.default_action));
      break;
  }
  AppendLines(text, allowed, "1");
  bool widened = false;
  for (const auto& [number, values] : policy.arguments) {
    text +=
        fmt::format("{}: {}\n", SyscallName(number), ArgumentExpression(number, values, widened));
  }
  if (widened) {
    out.notes.push_back(
        "minijail cannot compare masked argument values: flag words and socket types are "
        "checked as 'only these bits' (argN in MASK), which is wider than the profile");
  }
  if (!soft.empty()) {
    text += "# Found only by static analysis (soft):\n";
    AppendLines(text, soft, MinijailActionName(policy.soft_action));
  }
  if (policy.default_action == FilterAction::kErrno ||
      policy.default_action == FilterAction::kLog) {
    SyscallSet rest = SyscallSet::All() - policy.allowed - policy.soft;
    std::vector<std::string> ignored;
    text += "# Outside the profile:\n";
    AppendLines(text, NamesForExport(rest, "minijail", ignored),
                MinijailActionName(policy.default_action));
  }
  return out;
}

}  // namespace sysfence
