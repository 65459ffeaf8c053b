// Argument values in profiles (see argument_values.h).
#include "profile/argument_values.h"

#include "syscalls/argument_table.h"

namespace sysfence {

void RecordArguments(ArgumentValues& into, int syscall, const std::array<uint64_t, 6>& args) {
  std::span<const ArgumentSpec> specs = ArgumentSpecsOf(syscall);
  if (specs.empty()) return;
  SyscallArgumentValues& values = into[syscall];
  for (const ArgumentSpec& spec : specs) values[spec.index].insert(spec.Masked(args[spec.index]));
}

void JoinArguments(ArgumentValues& into, const ArgumentValues& from) {
  for (const auto& [syscall, args] : from) {
    for (const auto& [index, values] : args)
      into[syscall][index].insert(values.begin(), values.end());
  }
}

ArgumentValues UnionArguments(const ArgumentValues& a, const SyscallSet& a_calls,
                              const ArgumentValues& b, const SyscallSet& b_calls) {
  ArgumentValues out;
  auto take_alone = [&](const ArgumentValues& from, const SyscallSet& other_calls) {
    for (const auto& [syscall, args] : from) {
      if (!other_calls.Contains(syscall)) out[syscall] = args;
    }
  };
  take_alone(a, b_calls);
  take_alone(b, a_calls);
  for (const auto& [syscall, a_args] : a) {
    if (!b_calls.Contains(syscall)) continue;
    auto b_it = b.find(syscall);
    if (b_it == b.end()) continue;  // b takes any arguments: so does the union
    SyscallArgumentValues both;
    for (const auto& [index, values] : a_args) {
      auto b_values = b_it->second.find(index);
      if (b_values == b_it->second.end()) continue;
      std::set<uint64_t> joined = values;
      joined.insert(b_values->second.begin(), b_values->second.end());
      both[index] = std::move(joined);
    }
    if (!both.empty()) out[syscall] = std::move(both);
  }
  return out;
}

std::vector<ArgumentGap> ArgumentsNotCovered(const ArgumentValues& outer,
                                             const ArgumentValues& inner, const SyscallSet& both) {
  std::vector<ArgumentGap> gaps;
  for (const auto& [syscall, outer_args] : outer) {
    if (!both.Contains(syscall)) continue;
    auto inner_it = inner.find(syscall);
    for (const auto& [index, allowed] : outer_args) {
      ArgumentGap gap{syscall, index, {}, false};
      if (inner_it == inner.end() || !inner_it->second.contains(index)) {
        gap.any = true;
      } else {
        for (uint64_t v : inner_it->second.at(index)) {
          if (!allowed.contains(v)) gap.values.push_back(v);
        }
      }
      if (gap.any || !gap.values.empty()) gaps.push_back(std::move(gap));
    }
  }
  return gaps;
}

void RestrictArguments(ArgumentValues& args, const SyscallSet& calls) {
  std::erase_if(args, [&](const auto& entry) { return !calls.Contains(entry.first); });
}

}  // namespace sysfence
