// Interprocedural syscall number resolution (see number_resolver.h). A "parameter" is a
// (function, register) pair whose entry values a site needs; its values are the constants
// its callers pass, plus the values of the callers' own parameters they pass on. Three
// steps: demand parameters from the sites, transitively through callers; seed each with
// its callers' constants; propagate along the caller chains to a fixpoint.
#include "analysis/number_resolver.h"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "analysis/go_abi.h"
#include "analysis/library_knowledge.h"
#include "analysis/value_set.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

struct Caller {
  FunctionRef function;
  const CallSite* call;
};

struct Parameter {
  FunctionRef function;
  int reg = 0;
  SyscallSet numbers;
  std::vector<uint64_t> out_of_range;
  bool unknown = false;
  std::string reason;
  std::vector<uint32_t> feeds;  // parameters whose values include this one's
};

class NumberResolver {
 public:
  NumberResolver(const LinkedProgram& program, const Reachability& reach)
      : program_(program), reach_(reach) {}

  std::vector<ResolvedSite> Run();
  // See TraceSyscallNumber.
  std::vector<NumberHop> Trace(const ResolvedSite& site, int number);

 private:
  // The reached calls to f's entry (direct, or through an import bound to it).
  const std::vector<Caller>& CallersOf(FunctionRef f);
  uint32_t Demand(FunctionRef f, int reg);
  void Seed(uint32_t index);
  void Propagate();
  // Whether code outside f's object can hold f's address (exported, or handed out).
  bool Escapes(FunctionRef f) const;
  // The library-knowledge rule that says what `caller` passes `callee` when it is not
  // known statically, or null.
  const NumberRule* RuleFor(FunctionRef caller, FunctionRef callee) const;
  // The reached calls through pointers in `object`.
  const std::vector<Caller>& IndirectCallsIn(uint32_t object);
  // Where a Go caller that passes a number loaded from memory got it (go_abi.h): nullopt
  // when `caller` is no such function; an invalid ref when the source is not linked in.
  std::optional<FunctionRef> GoNumberSource(FunctionRef caller) const;
  std::string Describe(FunctionRef f) const {
    return fmt::format("{} ({:#x} in {})", program_.FunctionName(f), program_.FunctionAddress(f),
                       program_.ObjectPath(f.object));
  }

  const LinkedProgram& program_;
  const Reachability& reach_;
  std::unordered_map<uint64_t, std::vector<Caller>> callers_;  // memo of CallersOf
  std::unordered_map<uint32_t, std::vector<Caller>> indirect_calls_;
  std::unordered_map<uint64_t, uint32_t> parameter_index_;
  std::vector<Parameter> parameters_;
  std::deque<uint32_t> unseeded_;
};

const std::vector<Caller>& NumberResolver::CallersOf(FunctionRef f) {
  auto [it, inserted] = callers_.try_emplace(f.Key());
  if (inserted) {
    for (const ProgramCall& c : program_.CallsTo(f, /*at_entry=*/true)) {
      if ((c.call->flags & kCallMidFunction) || !reach_.IsReached(c.caller)) continue;
      it->second.push_back({c.caller, c.call});
    }
  }
  return it->second;
}

uint32_t NumberResolver::Demand(FunctionRef f, int reg) {
  uint64_t key = f.Key() * (kStackArgument0 + 1) + static_cast<uint64_t>(reg);
  auto [it, inserted] = parameter_index_.emplace(key, static_cast<uint32_t>(parameters_.size()));
  if (inserted) {
    Parameter p;
    p.function = f;
    p.reg = reg;
    parameters_.push_back(std::move(p));
    unseeded_.push_back(it->second);
  }
  return it->second;
}

void NumberResolver::Seed(uint32_t index) {
  FunctionRef f = parameters_[index].function;
  int reg = parameters_[index].reg;
  auto mark_unknown = [&](std::string reason) {
    Parameter& p = parameters_[index];
    if (!p.unknown) p.reason = std::move(reason);
    p.unknown = true;
  };
  if (reach_.IsEnteredFromOutside(f)) {
    mark_unknown(
        fmt::format("the number arrives in %{} of {}, which is entered from outside the "
                    "analysed code",
                    RegisterName(reg), Describe(f)));
  }
  int slot = TrackedSlot(reg);
  const std::vector<Caller>* pointer_callers = nullptr;
  if (reach_.IsAddressTaken(f) && reach_.indirect_calls_reached()) {
    if (Escapes(f)) {
      mark_unknown(
          fmt::format("the number arrives in %{} of {}, which other objects may call "
                      "through a function pointer",
                      RegisterName(reg), Describe(f)));
    } else {
      // Only its own object holds its address: the calls through pointers there are all
      // the ways in.
      pointer_callers = &IndirectCallsIn(f.object);
    }
  }
  const std::vector<Caller>& direct = CallersOf(f);
  for (const std::vector<Caller>* list : {&direct, pointer_callers}) {
    if (list == nullptr) continue;
    for (const Caller& caller : *list) {
      const ObjectSummary& s = program_.summary(caller.function.object);
      std::optional<std::span<const uint64_t>> atoms =
          slot < 0 ? std::nullopt : s.ArgumentOf(*caller.call, slot);
      if (!atoms) {
        if (const NumberRule* rule = RuleFor(caller.function, f)) {
          for (std::string_view name : rule->syscalls) {
            parameters_[index].numbers.Insert(*SyscallNumber(name));
          }
          continue;
        }
        if (std::optional<FunctionRef> source =
                reg == kRax ? GoNumberSource(caller.function) : std::nullopt) {
          if (source->valid()) parameters_[Demand(*source, kRax)].feeds.push_back(index);
          continue;
        }
        mark_unknown(fmt::format(
            "the number arrives in %{} of {}; the call at {:#x} in {} passes a "
            "value not known statically",
            RegisterName(reg), Describe(f), caller.call->address, Describe(caller.function)));
        continue;
      }
      for (uint64_t bits : *atoms) {
        Atom atom = Atom::FromBits(bits);
        if (atom.kind() == Atom::kConstant) {
          uint64_t n = atom.payload() & 0xffffffffu;  // syscall numbers are 32-bit (%eax)
          if (n < static_cast<uint64_t>(kSyscallNumberLimit)) {
            parameters_[index].numbers.Insert(static_cast<int>(n));
          } else {
            parameters_[index].out_of_range.push_back(n);
          }
        } else if (atom.kind() == Atom::kArgument) {
          uint32_t source = Demand(caller.function, static_cast<int>(atom.payload()));
          parameters_[source].feeds.push_back(index);
        } else {
          mark_unknown(fmt::format("the call at {:#x} in {} passes an address as the number",
                                   caller.call->address, Describe(caller.function)));
        }
      }
    }
  }
}

const NumberRule* NumberResolver::RuleFor(FunctionRef caller, FunctionRef callee) const {
  std::string_view soname = program_.object(caller.object).loaded.elf->dynamic().soname;
  for (const NumberRule& rule : NumberRules()) {
    if (rule.caller_soname == soname && program_.FunctionName(callee) == rule.callee) return &rule;
  }
  return nullptr;
}

bool NumberResolver::Escapes(FunctionRef f) const {
  const ObjectSummary& s = program_.summary(f.object);
  if (std::binary_search(s.escaping_functions.begin(), s.escaping_functions.end(), f.function)) {
    return true;
  }
  uint64_t start = program_.FunctionAddress(f);
  for (const ElfSymbol& sym : program_.object(f.object).loaded.elf->dynamic_symbols()) {
    if (sym.IsDefined() && sym.value == start && sym.binding != STB_LOCAL &&
        sym.visibility != STV_HIDDEN && sym.visibility != STV_INTERNAL) {
      return true;  // exported: any object can take its address
    }
  }
  return false;
}

std::optional<FunctionRef> NumberResolver::GoNumberSource(FunctionRef caller) const {
  const ObjectSummary& s = program_.summary(caller.object);
  if (s.go_version.empty()) return std::nullopt;
  std::string_view source = GoNumberSourceOf(s.NameOf(s.functions[caller.function]));
  if (source.empty()) return std::nullopt;
  for (uint32_t f = 0; f < s.functions.size(); ++f) {
    if (s.NameOf(s.functions[f]) == source) return FunctionRef{caller.object, f};
  }
  return FunctionRef{};
}

const std::vector<Caller>& NumberResolver::IndirectCallsIn(uint32_t object) {
  auto [it, inserted] = indirect_calls_.try_emplace(object);
  if (inserted) {
    for (FunctionRef g : reach_.reached()) {
      if (g.object != object) continue;
      const ObjectSummary& s = program_.summary(g.object);
      for (const CallSite& c : s.CallsOf(s.functions[g.function])) {
        if (c.target_kind == TargetKind::kIndirect && !(c.flags & kCallTargetIsImport)) {
          it->second.push_back({g, &c});
        }
      }
    }
  }
  return it->second;
}

void NumberResolver::Propagate() {
  std::deque<uint32_t> work;
  std::vector<char> queued(parameters_.size(), 1);
  for (uint32_t i = 0; i < parameters_.size(); ++i) work.push_back(i);
  while (!work.empty()) {
    uint32_t i = work.front();
    work.pop_front();
    queued[i] = 0;
    for (uint32_t d : parameters_[i].feeds) {
      Parameter& target = parameters_[d];
      const Parameter& source = parameters_[i];
      bool changed = false;
      if (!source.numbers.IsSubsetOf(target.numbers)) {
        target.numbers |= source.numbers;
        changed = true;
      }
      if (source.unknown && !target.unknown) {
        target.unknown = true;
        target.reason = source.reason;
        changed = true;
      }
      for (uint64_t n : source.out_of_range) {
        if (std::find(target.out_of_range.begin(), target.out_of_range.end(), n) ==
            target.out_of_range.end()) {
          target.out_of_range.push_back(n);
          changed = true;
        }
      }
      if (changed && !queued[d]) {
        queued[d] = 1;
        work.push_back(d);
      }
    }
  }
}

std::vector<ResolvedSite> NumberResolver::Run() {
  struct PendingSite {
    ResolvedSite site;
    std::vector<uint32_t> parameters;
  };
  std::vector<PendingSite> pending;
  for (FunctionRef f : reach_.reached()) {
    const ObjectSummary& s = program_.summary(f.object);
    for (const SyscallSite& site : s.SitesOf(s.functions[f.function])) {
      PendingSite p;
      p.site.function = f;
      p.site.address = site.address;
      p.site.kind = site.kind;
      if (site.number.unknown) {
        p.site.unresolved = true;
        p.site.reason = "the number is computed or loaded from memory";
      }
      for (uint64_t bits : s.AtomsOf(site.number)) {
        Atom atom = Atom::FromBits(bits);
        if (atom.kind() == Atom::kConstant) {
          uint64_t n = atom.payload() & 0xffffffffu;
          if (n < static_cast<uint64_t>(kSyscallNumberLimit)) {
            p.site.numbers.Insert(static_cast<int>(n));
          } else {
            p.site.out_of_range.push_back(n);
          }
        } else if (atom.kind() == Atom::kArgument) {
          p.parameters.push_back(Demand(f, static_cast<int>(atom.payload())));
        } else {
          p.site.unresolved = true;
          p.site.reason = "the number is an address";
        }
      }
      pending.push_back(std::move(p));
    }
  }
  while (!unseeded_.empty()) {
    uint32_t index = unseeded_.front();
    unseeded_.pop_front();
    Seed(index);
  }
  Propagate();
  std::vector<ResolvedSite> sites;
  for (PendingSite& p : pending) {
    for (uint32_t index : p.parameters) {
      const Parameter& param = parameters_[index];
      p.site.numbers |= param.numbers;
      p.site.out_of_range.insert(p.site.out_of_range.end(), param.out_of_range.begin(),
                                 param.out_of_range.end());
      if (param.unknown && !p.site.unresolved) {
        p.site.unresolved = true;
        p.site.reason = param.reason;
      }
    }
    sites.push_back(std::move(p.site));
  }
  return sites;
}

std::vector<NumberHop> NumberResolver::Trace(const ResolvedSite& site, int number) {
  const ObjectSummary& s = program_.summary(site.function.object);
  std::vector<int> registers;
  for (const SyscallSite& candidate : s.SitesOf(s.functions[site.function.function])) {
    if (candidate.address != site.address) continue;
    for (uint64_t bits : s.AtomsOf(candidate.number)) {
      Atom atom = Atom::FromBits(bits);
      if (atom.kind() == Atom::kArgument) registers.push_back(static_cast<int>(atom.payload()));
    }
  }
  // Breadth first from the site's parameters out through the callers: the first caller
  // found passing the constant ends the shortest chain.
  struct Node {
    FunctionRef function;
    int reg;
    size_t parent;  // index into nodes, or SIZE_MAX
    NumberHop hop;  // the call that led here (from the caller's side)
  };
  std::vector<Node> nodes;
  std::unordered_map<uint64_t, bool> seen;
  for (int reg : registers) nodes.push_back({site.function, reg, SIZE_MAX, {}});
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node node = nodes[i];
    uint64_t key = node.function.Key() * (kStackArgument0 + 1) + static_cast<uint64_t>(node.reg);
    if (seen[key]) continue;
    seen[key] = true;
    int slot = TrackedSlot(node.reg);
    if (slot < 0) continue;
    for (const Caller& caller : CallersOf(node.function)) {
      const ObjectSummary& cs = program_.summary(caller.function.object);
      std::optional<std::span<const uint64_t>> atoms = cs.ArgumentOf(*caller.call, slot);
      if (!atoms) continue;
      NumberHop hop{caller.function, caller.call->address, node.function, node.reg};
      for (uint64_t bits : *atoms) {
        Atom atom = Atom::FromBits(bits);
        if (atom.kind() == Atom::kConstant &&
            (atom.payload() & 0xffffffffu) == static_cast<uint64_t>(number)) {
          std::vector<NumberHop> chain = {hop};
          for (size_t at = i; nodes[at].parent != SIZE_MAX; at = nodes[at].parent) {
            chain.push_back(nodes[at].hop);
          }
          return chain;
        }
        if (atom.kind() == Atom::kArgument) {
          nodes.push_back({caller.function, static_cast<int>(atom.payload()), i, hop});
        }
      }
    }
  }
  return {};
}

// glibc's set*id functions in a multi-threaded process hand their syscall number to
// __nptl_setxid in a struct (and it to every thread's __nptl_setxid_sighandler through a
// global), so those two sites load the number from memory. Every number that reaches them is
// one a set*id wrapper also issues itself (INLINE_SETXID_SYSCALL makes the same call directly
// when single-threaded), so the sites issue exactly the set*id calls found elsewhere. The
// functions are recognised by name with libc's symbols, by their calls without them
// (library_knowledge.h).
void ApplySetxidProtocol(LinkedProgram& program, std::vector<ResolvedSite>& sites) {
  static constexpr std::string_view kSetxidFamily[] = {
      "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups"};
  SyscallSet family;
  for (std::string_view name : kSetxidFamily) family.Insert(*SyscallNumber(name));
  SyscallSet found;
  for (const ResolvedSite& site : sites) {
    if (site.kind == SiteKind::kSyscall && !site.unresolved) found |= site.numbers;
  }
  for (ResolvedSite& site : sites) {
    if (!site.unresolved || site.kind != SiteKind::kSyscall) continue;
    if (program.object(site.function.object).loaded.elf->dynamic().soname != "libc.so.6") continue;
    const ProgramObject& libc = program.object(site.function.object);
    bool broadcast = false;
    for (const RuleFunction& f : SetxidBroadcastFunctions()) {
      broadcast |= FindRuleFunctionIn(*libc.loaded.elf, *libc.summary, f) == site.function.function;
    }
    if (!broadcast) continue;
    site.numbers |= family & found;
    site.unresolved = false;
    site.reason.clear();
  }
}

}  // namespace

std::vector<NumberHop> TraceSyscallNumber(const LinkedProgram& program, const Reachability& reach,
                                          const ResolvedSite& site, int number) {
  return NumberResolver(program, reach).Trace(site, number);
}

std::vector<ResolvedSite> ResolveSyscallSites(LinkedProgram& program, const Reachability& reach) {
  std::vector<ResolvedSite> sites = NumberResolver(program, reach).Run();
  ApplySetxidProtocol(program, sites);
  return sites;
}

}  // namespace sysfence
