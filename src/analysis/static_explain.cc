// `sysfence static --explain`: the path by which the analysis reached a syscall site or a
// function, root first, from the reachability's record of how each function was reached (see
// static_analysis.h).
#include <fmt/format.h>

#include <algorithm>

#include "analysis/static_analysis.h"
#include "analysis/value_set.h"
#include "syscalls/argument_table.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

Result<std::string> StaticAnalysis::Explain(int number) const {
  const ResolvedSite* found = nullptr;
  for (const ResolvedSite& site : sites_) {
    if (site.kind == SiteKind::kSyscall && site.numbers.Contains(number)) {
      found = &site;
      break;
    }
  }
  std::string name = SyscallDisplayName(number);
  if (found == nullptr) {
    if (profile_.syscalls.Contains(number)) {
      std::string text =
          fmt::format("{} ({}) is in the profile without a syscall site:\n", name, number);
      auto it = profile_.evidence.find(number);
      if (it != profile_.evidence.end()) {
        for (const CodeLocation& l : it->second) {
          text += fmt::format("  {} {} {:#x}\n", l.image, l.function, l.address);
        }
      }
      if (it == profile_.evidence.end()) text += "  every syscall is allowed (--unresolved=all)\n";
      return text;
    }
    return MakeError("{} is not reachable in {}", name, profile_.target);
  }
  std::string heading = fmt::format("{} ({}) reached by this path:\n", name, number);
  std::string site_line =
      fmt::format("{} site {:#x} in {}", name, found->address, Describe(found->function));
  // A wrapper's site (glibc's syscall(), Go's Syscall6): the path goes to the caller that
  // passes the number, then along the calls that hand it down.
  std::vector<NumberHop> hops = TraceSyscallNumber(program_, *reach_, *found, number);
  std::string arguments = ExplainArguments(number);
  if (hops.empty()) return heading + PathTo(found->function, {site_line}) + arguments;
  return heading + PathTo(hops.front().caller, HopLines(hops, name, site_line)) + arguments;
}

std::vector<std::string> StaticAnalysis::HopLines(const std::vector<NumberHop>& hops,
                                                  std::string_view what,
                                                  const std::string& site_line) const {
  std::vector<std::string> lines;
  for (size_t i = 0; i < hops.size(); ++i) {
    const NumberHop& hop = hops[i];
    lines.push_back(fmt::format("{} passes {} in %{} to {} (at {:#x})", Describe(hop.caller),
                                i == 0 ? what : "it on", RegisterName(hop.reg),
                                program_.FunctionName(hop.callee), hop.call));
  }
  lines.push_back(site_line);
  return lines;
}

std::string StaticAnalysis::ExplainArguments(int number) const {
  std::span<const ArgumentSpec> specs = ArgumentSpecsOf(number);
  if (specs.empty()) return "";
  std::string text = "argument values:\n";
  auto it = profile_.args.find(number);
  for (const ArgumentSpec& spec : specs) {
    // The sites that may issue the call, with what each passes in this argument.
    std::vector<std::pair<const ResolvedSite*, const SiteArgument*>> passing;
    for (const ResolvedSite& site : sites_) {
      if (site.kind != SiteKind::kSyscall) continue;
      if (!site.unresolved && !site.numbers.Contains(number)) continue;
      for (const SiteArgument& argument : site.arguments) {
        if (argument.index == spec.index) passing.push_back({&site, &argument});
      }
    }
    bool constrained = it != profile_.args.end() && it->second.count(spec.index) != 0;
    if (!constrained) {
      auto any =
          std::find_if(passing.begin(), passing.end(), [](const auto& p) { return p.second->any; });
      if (any == passing.end()) {
        text +=
            fmt::format("  {}: any value (no syscall site of the analysis issues it)\n", spec.name);
      } else {
        text +=
            fmt::format("  {}: any value: {} (site {:#x} in {})\n", spec.name, any->second->reason,
                        any->first->address, Describe(any->first->function));
      }
      continue;
    }
    text += fmt::format("  {}:\n", spec.name);
    for (uint64_t value : it->second.at(spec.index)) {
      std::string value_name = FormatArgumentValue(spec, value);
      // The first site passing it, and the calls that bring it there.
      for (const auto& [site, argument] : passing) {
        bool here = std::any_of(argument->values.begin(), argument->values.end(),
                                [&](uint64_t v) { return spec.Masked(v) == value; });
        if (!here) continue;
        std::string site_line =
            fmt::format("site {:#x} in {}", site->address, Describe(site->function));
        std::vector<NumberHop> hops = TraceArgumentValue(program_, *reach_, *site, spec, value);
        text += fmt::format("    {}:\n", value_name);
        std::vector<std::string> lines =
            argument->from_rule
                ? std::vector<std::string>{fmt::format("{} (a rule of the analysis) at the {}",
                                                       argument->reason, site_line)}
            : hops.empty() ? std::vector<std::string>{fmt::format("set at the {}", site_line)}
                           : HopLines(hops, value_name, site_line);
        for (const std::string& line : lines) text += fmt::format("      {}\n", line);
        break;
      }
    }
  }
  return text;
}

std::string StaticAnalysis::PathTo(FunctionRef target,
                                   const std::vector<std::string>& last_lines) const {
  // Walk back to a root, then print root first.
  std::vector<std::string> lines(last_lines.rbegin(), last_lines.rend());
  FunctionRef f = target;
  for (size_t guard = 0; f.valid() && guard < 100000; ++guard) {
    const ReachStep& step = reach_->StepOf(f);
    if (step.kind != ReachKind::kRoot && !step.from.valid()) {
      if (step.root != kNoIndex) {
        lines.push_back(fmt::format("{}: {}, called through a pointer",
                                    reach_->RootReason(step.root), Describe(f)));
      } else {
        lines.push_back(
            fmt::format("{} is called through a pointer stored in data the loader "
                        "sets up",
                        Describe(f)));
      }
      break;
    }
    switch (step.kind) {
      case ReachKind::kRoot:
        lines.push_back(fmt::format(
            "{}: {}", step.root != kNoIndex ? reach_->RootReason(step.root) : "root", Describe(f)));
        f = FunctionRef{};
        break;
      case ReachKind::kCall:
        lines.push_back(fmt::format("{} calls {} (at {:#x})", Describe(step.from),
                                    program_.FunctionName(f), reach_->SiteOf(step)));
        f = step.from;
        break;
      case ReachKind::kPointer:
        lines.push_back(
            fmt::format("{} takes the address of {} (in code or data it refers to), "
                        "called through a pointer",
                        Describe(step.from), Describe(f)));
        f = step.from;
        break;
      case ReachKind::kIfunc:
        lines.push_back(fmt::format("IFUNC resolver {} may pick {}", Describe(step.from),
                                    program_.FunctionName(f)));
        f = step.from;
        break;
    }
  }
  std::string text;
  for (size_t i = lines.size(); i-- > 0;) {
    text += fmt::format("  {}{}\n", std::string(2 * (lines.size() - 1 - i), ' ').substr(0, 40),
                        lines[i]);
  }
  return text;
}

Result<std::string> StaticAnalysis::ExplainFunction(std::string_view name) const {
  for (uint32_t o = 0; o < program_.size(); ++o) {
    FunctionRef f = FindFunction(o, name);
    if (!f.valid() || !reach_->IsReached(f)) continue;
    return fmt::format("{} reached by this path:\n", name) +
           PathTo(f, {fmt::format("{} reached", Describe(f))});
  }
  return MakeError("no reachable function is named '{}'", name);
}

}  // namespace sysfence
