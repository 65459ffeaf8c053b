// Interprocedural syscall number resolution (see number_resolver.h). A "parameter" is a
// (function, register) pair whose entry values a site needs; its values are the constants
// its callers pass, plus the values of the callers' own parameters they pass on. Three
// steps: demand parameters from the sites, transitively through callers; seed each with
// its callers' constants; propagate along the caller chains to a fixpoint. The argument
// values of the table's syscalls are found by a second run of the same steps, demanding the
// parameters the sites' argument registers come from.
#include "analysis/number_resolver.h"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "analysis/go_abi.h"
#include "analysis/library_knowledge.h"
#include "analysis/value_set.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

void SortUnique(std::vector<uint64_t>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

constexpr size_t kMaxOutOfRange = 64;

struct Caller {
  FunctionRef function;
  const CallSite* call;
};

// What a resolver looks for: syscall numbers (library rules and Go's number sources may
// supply what a caller leaves unknown), or argument values (nothing supplies those).
enum class Resolving { kNumbers, kArguments };

struct Parameter {
  FunctionRef function;  // invalid for a pointer node
  int reg = 0;
  // A pointer node: what the calls through pointers in this object pass in `reg`, shared by
  // every function of the object whose address only its own object holds (kNoIndex: none).
  uint32_t pointer_object = kNoIndex;
  SyscallSet numbers;
  // Constants passed that are no syscall number, each once, at most kMaxOutOfRange of them
  // (examples for a reader: a large program's pointer calls pass thousands).
  std::vector<uint64_t> out_of_range;
  std::vector<uint64_t> values;  // kArguments: the constants, sorted
  bool unknown = false;
  std::string reason;
  std::vector<uint32_t> feeds;  // parameters whose values include this one's
};

// Adds `n` to p.out_of_range; true when it was not there and there was room.
bool NoteOutOfRange(Parameter& p, uint64_t n) {
  if (p.out_of_range.size() >= kMaxOutOfRange ||
      std::find(p.out_of_range.begin(), p.out_of_range.end(), n) != p.out_of_range.end()) {
    return false;
  }
  p.out_of_range.push_back(n);
  return true;
}

class NumberResolver {
 public:
  NumberResolver(const LinkedProgram& program, const Reachability& reach,
                 Resolving resolving = Resolving::kNumbers)
      : program_(program), reach_(reach), resolving_(resolving) {}

  std::vector<ResolvedSite> Run();
  // See ResolveSiteArguments.
  void RunArguments(std::vector<ResolvedSite>& sites);
  // The chain of calls by which a constant `matches` accepts reaches one of `registers` of
  // the site's function (see TraceSyscallNumber).
  std::vector<NumberHop> Trace(const ResolvedSite& site, const std::vector<int>& registers,
                               const std::function<bool(uint64_t)>& matches);

 private:
  // The reached calls to f's entry (direct, or through an import bound to it).
  const std::vector<Caller>& CallersOf(FunctionRef f);
  uint32_t Demand(FunctionRef f, int reg);
  // The pointer node of `object` for `reg` (see Parameter::pointer_object).
  uint32_t DemandPointerNode(uint32_t object, int reg);
  // The parameter `key` names in `index`, added (and queued for seeding) as `p` if new.
  uint32_t Add(std::unordered_map<uint64_t, uint32_t>& index, uint64_t key, Parameter p);
  void Seed(uint32_t index);
  // What the calls in `callers` pass parameter `index` (of callee `f`, invalid for a pointer
  // node) in `reg`.
  void SeedFrom(uint32_t index, FunctionRef f, int reg, const std::vector<Caller>& callers);
  // Whether a library-knowledge rule may supply what a call through a pointer in f's object
  // passes f (RuleFor with a caller there).
  bool PointerCallRuleMayApply(FunctionRef f) const;
  void Propagate();
  // Seeds every demanded parameter (demanding more on the way), then propagates.
  void Solve();
  // Whether code outside f's object can hold f's address (exported, or handed out).
  bool Escapes(FunctionRef f) const;
  // The library-knowledge rule that says what `caller` passes `callee` when it is not
  // known statically, or null.
  const NumberRule* RuleFor(FunctionRef caller, FunctionRef callee) const;
  // The library-knowledge rule that says what argument `index` of `site` holds when it is
  // not known at the site, or null.
  const ArgumentValueRule* ArgumentValueRuleFor(const ResolvedSite& site, int index);
  // The reached calls through pointers in `object`.
  const std::vector<Caller>& IndirectCallsIn(uint32_t object);
  // Where a Go caller that passes a number loaded from memory got it (go_abi.h): nullopt
  // when `caller` is no such function; an invalid ref when the source is not linked in.
  std::optional<FunctionRef> GoNumberSource(FunctionRef caller) const;
  // More different values of one argument than a filter could list (filter/argument_rules.h
  // allows 256 combinations per call) make it any value.
  static constexpr size_t kMaxArgumentValues = 256;
  void LimitValues(Parameter& p) const;
  const char* What() const { return resolving_ == Resolving::kNumbers ? "number" : "value"; }
  std::string Describe(FunctionRef f) const {
    return fmt::format("{} ({:#x} in {})", program_.FunctionName(f), program_.FunctionAddress(f),
                       program_.ObjectPath(f.object));
  }
  // The function a parameter arrives in, or for a pointer node the functions it stands for.
  std::string DescribeReceiver(const Parameter& p) const {
    if (p.pointer_object != kNoIndex) {
      return fmt::format("a function of {} called through a pointer",
                         program_.ObjectPath(p.pointer_object));
    }
    return Describe(p.function);
  }

  const LinkedProgram& program_;
  const Reachability& reach_;
  Resolving resolving_;
  std::unordered_map<uint64_t, std::vector<Caller>> callers_;  // memo of CallersOf
  std::unordered_map<uint32_t, std::vector<Caller>> indirect_calls_;
  std::unordered_map<uint64_t, uint32_t> parameter_index_;
  std::unordered_map<uint64_t, uint32_t> pointer_nodes_;  // by object and register
  std::vector<Parameter> parameters_;
  std::deque<uint32_t> unseeded_;
  std::map<std::pair<uint32_t, const ArgumentValueRule*>, uint32_t> rule_functions_;  // memo
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
  Parameter p;
  p.function = f;
  p.reg = reg;
  return Add(parameter_index_, f.Key() * (kStackArgument0 + 1) + static_cast<uint64_t>(reg),
             std::move(p));
}

uint32_t NumberResolver::DemandPointerNode(uint32_t object, int reg) {
  Parameter p;
  p.reg = reg;
  p.pointer_object = object;
  return Add(pointer_nodes_, uint64_t{object} * (kStackArgument0 + 1) + static_cast<uint64_t>(reg),
             std::move(p));
}

uint32_t NumberResolver::Add(std::unordered_map<uint64_t, uint32_t>& index, uint64_t key,
                             Parameter p) {
  auto [it, inserted] = index.emplace(key, static_cast<uint32_t>(parameters_.size()));
  if (inserted) {
    parameters_.push_back(std::move(p));
    unseeded_.push_back(it->second);
  }
  return it->second;
}

bool NumberResolver::PointerCallRuleMayApply(FunctionRef f) const {
  if (resolving_ != Resolving::kNumbers) return false;
  std::string_view soname = program_.object(f.object).loaded.elf->dynamic().soname;
  for (const NumberRule& rule : NumberRules()) {
    if (rule.caller_soname == soname && program_.FunctionName(f) == rule.callee) return true;
  }
  return false;
}

void NumberResolver::Seed(uint32_t index) {
  FunctionRef f = parameters_[index].function;
  int reg = parameters_[index].reg;
  if (parameters_[index].pointer_object != kNoIndex) {
    // Seeded once for every function it stands for: a large program has hundreds of
    // thousands of calls through pointers, and as many functions whose parameters may flow
    // into a syscall number.
    SeedFrom(index, FunctionRef{}, reg, IndirectCallsIn(parameters_[index].pointer_object));
    return;
  }
  // `reason` makes the message: only the first is kept, so only the first is formatted.
  auto mark_unknown = [&](const auto& reason) {
    Parameter& p = parameters_[index];
    if (!p.unknown) p.reason = reason();
    p.unknown = true;
    p.values.clear();  // any value: the constants no longer matter
  };
  if (reach_.IsEnteredFromOutside(f)) {
    mark_unknown([&] {
      return fmt::format(
          "the {} arrives in %{} of {}, which is entered from outside the "
          "analysed code",
          What(), RegisterName(reg), Describe(f));
    });
  }
  const std::vector<Caller>* pointer_callers = nullptr;
  if (reach_.IsAddressTaken(f) && reach_.indirect_calls_reached()) {
    if (Escapes(f)) {
      mark_unknown([&] {
        return fmt::format(
            "the {} arrives in %{} of {}, which other objects may call "
            "through a function pointer",
            What(), RegisterName(reg), Describe(f));
      });
    } else {
      // Only its own object holds its address: the calls through pointers there are all
      // the ways in. What they pass is the object's pointer node, found once for all such
      // functions, unless a rule may speak for some of those calls to this function.
      if (PointerCallRuleMayApply(f)) {
        pointer_callers = &IndirectCallsIn(f.object);
      } else {
        uint32_t node = DemandPointerNode(f.object, reg);
        parameters_[node].feeds.push_back(index);
      }
    }
  }
  SeedFrom(index, f, reg, CallersOf(f));
  if (pointer_callers != nullptr) SeedFrom(index, f, reg, *pointer_callers);
  SortUnique(parameters_[index].values);
  LimitValues(parameters_[index]);
}

void NumberResolver::SeedFrom(uint32_t index, FunctionRef f, int reg,
                              const std::vector<Caller>& callers) {
  auto mark_unknown = [&](const auto& reason) {
    Parameter& p = parameters_[index];
    if (!p.unknown) p.reason = reason();
    p.unknown = true;
    p.values.clear();
  };
  int slot = TrackedSlot(reg);
  for (const Caller& caller : callers) {
    // An argument value unknown on one path is any value: the other paths add nothing.
    if (resolving_ == Resolving::kArguments && parameters_[index].unknown) break;
    const ObjectSummary& s = program_.summary(caller.function.object);
    std::optional<std::span<const uint64_t>> atoms =
        slot < 0 ? std::nullopt : s.ArgumentOf(*caller.call, slot);
    if (!atoms && resolving_ == Resolving::kNumbers) {
      const NumberRule* rule = f.valid() ? RuleFor(caller.function, f) : nullptr;
      if (rule != nullptr) {
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
    }
    if (!atoms) {
      mark_unknown([&] {
        return fmt::format(
            "the {} arrives in %{} of {}; the call at {:#x} in {} passes a "
            "value not known statically",
            What(), RegisterName(reg), DescribeReceiver(parameters_[index]), caller.call->address,
            Describe(caller.function));
      });
      continue;
    }
    for (uint64_t bits : *atoms) {
      Atom atom = Atom::FromBits(bits);
      if (atom.kind() == Atom::kConstant && resolving_ == Resolving::kArguments) {
        if (!parameters_[index].unknown) parameters_[index].values.push_back(atom.payload());
      } else if (atom.kind() == Atom::kConstant) {
        uint64_t n = atom.payload() & 0xffffffffu;  // syscall numbers are 32-bit (%eax)
        if (n < static_cast<uint64_t>(kSyscallNumberLimit)) {
          parameters_[index].numbers.Insert(static_cast<int>(n));
        } else {
          NoteOutOfRange(parameters_[index], n);
        }
      } else if (atom.kind() == Atom::kArgument) {
        uint32_t source = Demand(caller.function, static_cast<int>(atom.payload()));
        parameters_[source].feeds.push_back(index);
      } else {
        mark_unknown([&] {
          return fmt::format("the call at {:#x} in {} passes an address as the {}",
                             caller.call->address, Describe(caller.function), What());
        });
      }
    }
  }
  if (!f.valid()) {
    SortUnique(parameters_[index].values);
    LimitValues(parameters_[index]);
  }
}

void NumberResolver::LimitValues(Parameter& p) const {
  if (p.values.size() <= kMaxArgumentValues) return;
  p.unknown = true;
  p.reason = fmt::format("the {} arrives in %{} of {} with more than {} different values", What(),
                         RegisterName(p.reg), DescribeReceiver(p), kMaxArgumentValues);
  p.values.clear();
}

const ArgumentValueRule* NumberResolver::ArgumentValueRuleFor(const ResolvedSite& site, int index) {
  if (site.unresolved || site.numbers.Size() != 1) return nullptr;
  const ProgramObject& object = program_.object(site.function.object);
  std::string_view soname = object.loaded.elf->dynamic().soname;
  for (const ArgumentValueRule& rule : ArgumentValueRules()) {
    if (rule.soname != soname || rule.index != index ||
        !site.numbers.Contains(*SyscallNumber(rule.syscall))) {
      continue;
    }
    auto [it, inserted] = rule_functions_.try_emplace({site.function.object, &rule}, kNoIndex);
    if (inserted) {
      it->second = FindRuleFunctionIn(*object.index, {rule.function});
    }
    if (it->second == site.function.function) return &rule;
  }
  return nullptr;
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

void NumberResolver::Solve() {
  while (!unseeded_.empty()) {
    uint32_t index = unseeded_.front();
    unseeded_.pop_front();
    Seed(index);
  }
  Propagate();
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
        target.values.clear();
        changed = true;
      }
      // (An unknown argument value takes any value, which no constant widens.)
      if (!target.unknown && !std::includes(target.values.begin(), target.values.end(),
                                            source.values.begin(), source.values.end())) {
        std::vector<uint64_t> joined;
        std::set_union(target.values.begin(), target.values.end(), source.values.begin(),
                       source.values.end(), std::back_inserter(joined));
        target.values = std::move(joined);
        LimitValues(target);
        changed = true;
      }
      for (uint64_t n : source.out_of_range) changed |= NoteOutOfRange(target, n);
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
  Solve();
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

// The summary's record of a resolved site.
const SyscallSite* SummarySite(const LinkedProgram& program, const ResolvedSite& site) {
  const ObjectSummary& s = program.summary(site.function.object);
  for (const SyscallSite& candidate : s.SitesOf(s.functions[site.function.function])) {
    if (candidate.address == site.address) return &candidate;
  }
  return nullptr;
}

// The registers of the function's entry state a recorded value comes from.
std::vector<int> ArgumentRegistersOf(const ObjectSummary& s, const ValueRef& value) {
  std::vector<int> registers;
  for (uint64_t bits : s.AtomsOf(value)) {
    Atom atom = Atom::FromBits(bits);
    if (atom.kind() == Atom::kArgument) registers.push_back(static_cast<int>(atom.payload()));
  }
  return registers;
}

void NumberResolver::RunArguments(std::vector<ResolvedSite>& sites) {
  struct Pending {
    SiteArgument* argument;
    std::vector<uint32_t> parameters;
  };
  std::vector<Pending> pending;
  for (ResolvedSite& site : sites) {
    site.arguments.clear();
    if (site.kind != SiteKind::kSyscall) continue;
    // The argument indexes the table lists for the site's numbers (all of them when the
    // site may issue any call).
    bool wanted[kSiteArguments] = {};
    for (const ArgumentSpec& spec : ArgumentSpecs()) {
      if (spec.index < kSiteArguments && (site.unresolved || site.numbers.Contains(spec.syscall))) {
        wanted[spec.index] = true;
      }
    }
    const SyscallSite* recorded = SummarySite(program_, site);
    const ObjectSummary& s = program_.summary(site.function.object);
    for (int index = 0; index < kSiteArguments; ++index) {
      if (!wanted[index]) continue;
      SiteArgument& argument = site.arguments.emplace_back();
      argument.index = static_cast<uint8_t>(index);
      if (recorded == nullptr || recorded->arguments[index].unknown) {
        if (const ArgumentValueRule* rule = ArgumentValueRuleFor(site, index)) {
          argument.values = rule->values;
          std::sort(argument.values.begin(), argument.values.end());
          argument.from_rule = true;
          argument.reason = rule->reason;
          continue;
        }
        argument.any = true;
        argument.reason = fmt::format("%{} is computed or loaded from memory at the site",
                                      RegisterName(kSiteArgumentRegisters[index]));
      }
    }
    if (recorded == nullptr) continue;
    for (SiteArgument& argument : site.arguments) {
      if (argument.any || argument.from_rule) continue;
      Pending p{&argument, {}};
      for (uint64_t bits : s.AtomsOf(recorded->arguments[argument.index])) {
        Atom atom = Atom::FromBits(bits);
        if (atom.kind() == Atom::kConstant) {
          argument.values.push_back(atom.payload());
        } else if (atom.kind() == Atom::kArgument) {
          p.parameters.push_back(Demand(site.function, static_cast<int>(atom.payload())));
        }
      }
      pending.push_back(std::move(p));
    }
  }
  Solve();
  for (Pending& p : pending) {
    SiteArgument& argument = *p.argument;
    for (uint32_t index : p.parameters) {
      const Parameter& param = parameters_[index];
      argument.values.insert(argument.values.end(), param.values.begin(), param.values.end());
      if (param.unknown && !argument.any) {
        argument.any = true;
        argument.reason = param.reason;
      }
    }
    SortUnique(argument.values);
  }
}

std::vector<NumberHop> NumberResolver::Trace(const ResolvedSite& site,
                                             const std::vector<int>& registers,
                                             const std::function<bool(uint64_t)>& matches) {
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
        if (atom.kind() == Atom::kConstant && matches(atom.payload())) {
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
      broadcast |= FindRuleFunctionIn(*libc.index, f) == site.function.function;
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
  const SyscallSite* recorded = SummarySite(program, site);
  if (recorded == nullptr) return {};
  return NumberResolver(program, reach)
      .Trace(site, ArgumentRegistersOf(program.summary(site.function.object), recorded->number),
             [&](uint64_t constant) {
               return (constant & 0xffffffffu) == static_cast<uint64_t>(number);
             });
}

std::vector<NumberHop> TraceArgumentValue(const LinkedProgram& program, const Reachability& reach,
                                          const ResolvedSite& site, const ArgumentSpec& spec,
                                          uint64_t value) {
  const SyscallSite* recorded = SummarySite(program, site);
  if (recorded == nullptr || spec.index >= kSiteArguments) return {};
  return NumberResolver(program, reach, Resolving::kArguments)
      .Trace(site,
             ArgumentRegistersOf(program.summary(site.function.object),
                                 recorded->arguments[spec.index]),
             [&](uint64_t constant) { return spec.Masked(constant) == value; });
}

void ResolveSiteArguments(const LinkedProgram& program, const Reachability& reach,
                          std::vector<ResolvedSite>& sites) {
  NumberResolver(program, reach, Resolving::kArguments).RunArguments(sites);
}

ArgumentValues SiteArgumentValues(const std::vector<ResolvedSite>& sites) {
  ArgumentValues values;
  std::set<std::pair<int, uint8_t>> any;
  for (const ResolvedSite& site : sites) {
    if (site.kind != SiteKind::kSyscall) continue;
    for (const SiteArgument& argument : site.arguments) {
      for (const ArgumentSpec& spec : ArgumentSpecs()) {
        if (spec.index != argument.index) continue;
        if (!site.unresolved && !site.numbers.Contains(spec.syscall)) continue;
        if (argument.any) {
          any.insert({spec.syscall, spec.index});
          continue;
        }
        std::set<uint64_t>& masked = values[spec.syscall][spec.index];
        for (uint64_t v : argument.values) masked.insert(spec.Masked(v));
      }
    }
  }
  for (auto [syscall, index] : any) {
    auto it = values.find(syscall);
    if (it == values.end()) continue;
    it->second.erase(index);
    if (it->second.empty()) values.erase(it);
  }
  return values;
}

std::vector<ResolvedSite> ResolveSyscallSites(LinkedProgram& program, const Reachability& reach) {
  std::vector<ResolvedSite> sites = NumberResolver(program, reach).Run();
  ApplySetxidProtocol(program, sites);
  return sites;
}

}  // namespace sysfence
