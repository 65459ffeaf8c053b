// Filter compilation with libseccomp (see filter_builder.h). Each architecture is built in its
// own libseccomp context and the three are merged: a rule added to a multi-architecture
// context is translated by name to every architecture, which would allow an x86-64 call's
// namesake on i386 and x32 too. Separate contexts keep each section exactly as asked.
#include "filter/filter_builder.h"

#include <seccomp.h>

#include "seccomp/seccomp_context.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// A context for one architecture with the attributes every section shares (seccomp_merge
// requires them to match).
Result<ScopedSeccompContext> NewContext(uint32_t arch, FilterAction default_action) {
  ScopedSeccompContext context(seccomp_init(SeccompReturnValue(default_action)));
  if (!context) return MakeError("libseccomp: cannot create a filter context");
  if (arch != SCMP_ARCH_X86_64) {
    int rc = seccomp_arch_remove(context.get(), SCMP_ARCH_NATIVE);
    if (rc == 0) rc = seccomp_arch_add(context.get(), arch);
    if (rc != 0) return LibseccompError("selecting the architecture", rc);
  }
  // Architectures other than the three x86 ABIs never reach an x86-64 kernel's filter; if one
  // did, nothing in the profile would describe it.
  int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc == 0) rc = seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc != 0) return LibseccompError("setting filter attributes", rc);
  return context;
}

// args[index] == value, on all 64 bits (libseccomp emits two 32-bit comparisons).
scmp_arg_cmp ArgumentEquals(unsigned index, uint64_t value) {
  scmp_arg_cmp compare{};
  compare.arg = index;
  compare.op = SCMP_CMP_EQ;
  compare.datum_a = value;
  return compare;
}

}  // namespace

void FilterBuilder::Fail(Error error) {
  if (!first_error_) first_error_ = std::move(error);
}

FilterBuilder& FilterBuilder::Allow(int number) {
  if (number < 0 || number >= kSyscallNumberLimit) {
    Fail(MakeError("syscall number {} is outside 0..{}", number, kSyscallNumberLimit - 1));
    return *this;
  }
  SyscallSet one;
  one.Insert(number);
  return SetAction(one, FilterAction::kAllow);
}

FilterBuilder& FilterBuilder::Allow(const SyscallSet& set) {
  return SetAction(set, FilterAction::kAllow);
}

FilterBuilder& FilterBuilder::SetAction(const SyscallSet& set, FilterAction action) {
  for (int number : set) {
    if (conditional_.contains(number)) {
      Fail(MakeError("{} is given argument rules and another action", SyscallDisplayName(number)));
      continue;
    }
    auto [it, inserted] = native_.emplace(number, action);
    if (!inserted && it->second != action) {
      Fail(MakeError("{} is given two actions ({} and {})", SyscallDisplayName(number),
                     FilterActionName(it->second), FilterActionName(action)));
    }
  }
  return *this;
}

FilterBuilder& FilterBuilder::AllowI386(std::string_view name) {
  std::optional<int> number = I386SyscallNumber(name);
  if (!number) {
    Fail(MakeError("unknown i386 syscall '{}'", name));
  } else {
    i386_.push_back(*number);
  }
  return *this;
}

FilterBuilder& FilterBuilder::AllowWhen(int number, std::vector<ArgumentRule> rules) {
  if (number < 0 || number >= kSyscallNumberLimit) {
    Fail(MakeError("syscall number {} is outside 0..{}", number, kSyscallNumberLimit - 1));
  } else if (native_.contains(number) || conditional_.contains(number)) {
    Fail(MakeError("{} is given argument rules and another action", SyscallDisplayName(number)));
  } else {
    conditional_.emplace(number, std::move(rules));
  }
  return *this;
}

FilterBuilder& FilterBuilder::AllowWithMarker(int number, const CallMarker& marker) {
  if (number < 0 || number >= kMaxSyscallNumber) {
    Fail(MakeError("syscall number {} cannot carry a marker", number));
  } else {
    marked_.emplace_back(number, marker);
  }
  return *this;
}

Result<CompiledFilter> FilterBuilder::Build() const {
  if (first_error_) return *first_error_;
  uint32_t default_value = SeccompReturnValue(default_action_);

  Result<ScopedSeccompContext> native = NewContext(SCMP_ARCH_X86_64, default_action_);
  if (!native.ok()) return native.error();
  for (const auto& [number, action] : native_) {
    // libseccomp refuses rules that repeat the default action; they change nothing anyway.
    if (SeccompReturnValue(action) == default_value) continue;
    int rc = seccomp_rule_add(native->get(), SeccompReturnValue(action), number, 0);
    if (rc != 0) return LibseccompError(fmt::format("adding {}", SyscallDisplayName(number)), rc);
  }
  for (const auto& [number, rules] : conditional_) {
    if (default_value == SECCOMP_RET_ALLOW) break;
    for (const ArgumentRule& rule : rules) {
      std::vector<scmp_arg_cmp> compares;
      for (const ArgumentCondition& condition : rule) {
        scmp_arg_cmp compare{};
        compare.arg = condition.index;
        compare.op = SCMP_CMP_MASKED_EQ;
        compare.datum_a = condition.mask;
        compare.datum_b = condition.value;
        compares.push_back(compare);
      }
      int rc = seccomp_rule_add_array(native->get(), SCMP_ACT_ALLOW, number,
                                      static_cast<unsigned>(compares.size()), compares.data());
      if (rc != 0) {
        return LibseccompError(
            fmt::format("adding the argument rules of {}", SyscallDisplayName(number)), rc);
      }
    }
  }
  for (const auto& [number, marker] : marked_) {
    // Allowed anyway, or decided by a supervisor (which knows the launcher's own calls).
    auto it = native_.find(number);
    if (it != native_.end() &&
        (it->second == FilterAction::kAllow || it->second == FilterAction::kTrace)) {
      continue;
    }
    if (default_value == SECCOMP_RET_ALLOW) continue;
    const scmp_arg_cmp compares[] = {ArgumentEquals(3, marker.values[0]),
                                     ArgumentEquals(4, marker.values[1]),
                                     ArgumentEquals(5, marker.values[2])};
    int rc = seccomp_rule_add_array(native->get(), SCMP_ACT_ALLOW, number, 3, compares);
    if (rc != 0) {
      return LibseccompError(fmt::format("adding the marked {}", SyscallDisplayName(number)), rc);
    }
  }

  // i386: libseccomp names i386 calls through the native numbering (an i386-only call has a
  // negative pseudo-number), so go through the name and check that libseccomp agrees with our
  // table about the i386 number.
  Result<ScopedSeccompContext> i386 = NewContext(SCMP_ARCH_X86, default_action_);
  if (!i386.ok()) return i386.error();
  if (default_value != SECCOMP_RET_ALLOW) {
    for (int number : i386_) {
      std::string name(I386SyscallName(number));
      int libseccomp_number = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name.c_str());
      if (libseccomp_number != number) {
        return MakeError("i386 syscall '{}' ({}) is unknown to this libseccomp, cannot filter it",
                         name, number);
      }
      int rc = seccomp_rule_add(i386->get(), SCMP_ACT_ALLOW,
                                seccomp_syscall_resolve_name(name.c_str()), 0);
      if (rc != 0) return LibseccompError(fmt::format("adding i386 {}", name), rc);
    }
  }

  // x32 gets no rules, only the default action: a profile describes an x86-64 program, which
  // never makes x32 calls on purpose. An x32 call from such a process (the x86-64 `syscall`
  // instruction with bit 30 set in the number) is a way around filters that only compare
  // numbers, so it is treated as what it is: a call outside the profile.
  Result<ScopedSeccompContext> x32 = NewContext(SCMP_ARCH_X32, default_action_);
  if (!x32.ok()) return x32.error();

  // seccomp_merge releases the source context on success.
  int rc = seccomp_merge(native->get(), i386->get());
  if (rc != 0) return LibseccompError("merging the i386 section", rc);
  (void)i386->release();
  rc = seccomp_merge(native->get(), x32->get());
  if (rc != 0) return LibseccompError("merging the x32 section", rc);
  (void)x32->release();

  Result<BpfProgram> program = ExportBpf(*native);
  if (!program.ok()) return program.error();
  Result<std::string> pfc = ExportPseudoCode(*native);
  if (!pfc.ok()) return pfc.error();
  return CompiledFilter{std::move(*program), std::move(*pfc)};
}

}  // namespace sysfence
