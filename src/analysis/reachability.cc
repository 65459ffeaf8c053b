// The reachability fixpoint (see reachability.h).
#include "analysis/reachability.h"

#include <algorithm>
#include <span>

namespace sysfence {

Reachability::Reachability(LinkedProgram& program) : program_(program) { GrowToProgram(); }

void Reachability::GrowToProgram() {
  while (state_.size() < program_.size()) {
    const ObjectSummary& s = program_.summary(static_cast<uint32_t>(state_.size()));
    ObjectState state;
    state.function_bits.assign(s.functions.size(), 0);
    state.steps.resize(s.functions.size());
    state.region_reached.assign(s.regions.size(), 0);
    state.region_origin.resize(s.regions.size());
    state_.push_back(std::move(state));
  }
}

bool Reachability::IsReached(FunctionRef f) const {
  return f.valid() && (state_[f.object].function_bits[f.function] & kReached) != 0;
}
bool Reachability::IsAddressTaken(FunctionRef f) const {
  return f.valid() && (state_[f.object].function_bits[f.function] & kTaken) != 0;
}
bool Reachability::IsRoot(FunctionRef f) const {
  return f.valid() && (state_[f.object].function_bits[f.function] & kRoot) != 0;
}
bool Reachability::IsEnteredFromOutside(FunctionRef f) const {
  return f.valid() && (state_[f.object].function_bits[f.function] & (kRoot | kOpaque)) != 0;
}
const ReachStep& Reachability::StepOf(FunctionRef f) const {
  return state_[f.object].steps[f.function];
}
uint64_t Reachability::SiteOf(const ReachStep& step) const {
  if (step.kind != ReachKind::kCall || !step.from.valid() || step.call == kNoIndex) return 0;
  return program_.summary(step.from.object).calls[step.call].address;
}

void Reachability::AddStop(FunctionRef f, FunctionRef taker) {
  if (f.valid()) stops_.emplace_back(f, taker);
}

void Reachability::Reach(FunctionRef f, const ReachStep& step) {
  if (!f.valid()) return;
  for (const auto& stop : stops_) {
    if (stop.first == f) return;
  }
  ObjectState& state = state_[f.object];
  if (step.kind == ReachKind::kIfunc || step.kind == ReachKind::kRoot) {
    state.function_bits[f.function] |= kOpaque;
  }
  if (state.function_bits[f.function] & kReached) return;
  if (state.function_bits[f.function] & kGuard) {
    auto guard = guard_of_.find(f.Key());
    if (guard != guard_of_.end() && !guards_[guard->second].enabled) {
      guards_[guard->second].waiting.emplace_back(f, step);
      return;
    }
  }
  state.function_bits[f.function] |= kReached;
  state.steps[f.function] = step;
  reached_list_.push_back(f);
  worklist_.push_back(f);
  if (state.function_bits[f.function] & kGuard) {
    auto enabled = enables_.find(f.Key());
    if (enabled == enables_.end()) return;
    for (uint32_t g : enabled->second) {
      if (guards_[g].enabled) continue;
      guards_[g].enabled = true;
      std::vector<std::pair<FunctionRef, ReachStep>> waiting;
      waiting.swap(guards_[g].waiting);
      for (const auto& [target, target_step] : waiting) Reach(target, target_step);
    }
  }
}

void Reachability::AddGuard(FunctionRef guarded, const std::vector<FunctionRef>& enablers) {
  if (!guarded.valid()) return;
  uint32_t index = static_cast<uint32_t>(guards_.size());
  guards_.emplace_back();
  guard_of_[guarded.Key()] = index;
  state_[guarded.object].function_bits[guarded.function] |= kGuard;
  for (FunctionRef e : enablers) {
    if (!e.valid()) continue;
    enables_[e.Key()].push_back(index);
    state_[e.object].function_bits[e.function] |= kGuard;
    if (state_[e.object].function_bits[e.function] & kReached) guards_[index].enabled = true;
  }
}

void Reachability::AddRoot(FunctionRef f, const std::string& reason) {
  if (!f.valid()) return;
  state_[f.object].function_bits[f.function] |= kRoot;
  ReachStep step;
  step.kind = ReachKind::kRoot;
  step.root = static_cast<uint32_t>(root_reasons_.size());
  root_reasons_.push_back(reason);
  Reach(f, step);
}

void Reachability::AddIfuncRoot(FunctionRef resolver, const std::string& reason) {
  AddRoot(resolver, reason);
  for (FunctionRef c : IfuncCandidates(resolver)) {
    Reach(c, ReachStep{ReachKind::kIfunc, resolver, kNoIndex, kNoIndex});
  }
}

void Reachability::AddReturningIfuncResolver(FunctionRef resolver, const std::string& reason) {
  if (!resolver.valid()) return;
  state_[resolver.object].function_bits[resolver.function] |= kReturnsPick;
  AddRoot(resolver, reason);
}

void Reachability::AddRootRegion(RegionRef r, const std::string& reason) {
  (void)reason;
  ReachRegion(r, FunctionRef{});
}

void Reachability::TakeAddress(FunctionRef f, const std::string& reason, bool from_outside) {
  if (!f.valid()) return;
  if (from_outside) state_[f.object].function_bits[f.function] |= kRoot;
  if (!(state_[f.object].function_bits[f.function] & kReached)) {
    ReachStep step;
    step.kind = from_outside ? ReachKind::kRoot : ReachKind::kPointer;
    step.root = static_cast<uint32_t>(root_reasons_.size());
    root_reasons_.push_back(reason);
    // Reached through a pointer only once a pointer call is reached; record the reason now.
    state_[f.object].steps[f.function] = step;
  }
  Take(f, FunctionRef{});
}

void Reachability::TakeIfuncAddress(FunctionRef resolver, const std::string& reason) {
  AddRoot(resolver, reason);
  for (FunctionRef c : IfuncCandidates(resolver)) TakeAddress(c, reason);
}

void Reachability::Take(FunctionRef f, FunctionRef origin) {
  if (!f.valid()) return;
  for (const auto& stop : stops_) {
    if (stop.first == f && (stop.second == origin || !stop.second.valid())) return;
  }
  ObjectState& state = state_[f.object];
  if (state.function_bits[f.function] & kTaken) return;
  state.function_bits[f.function] |= kTaken;
  taken_list_.push_back(f);
  taken_origin_.push_back(origin);
  if (indirect_seen_) {
    ReachStep step;
    step.kind = origin.valid() ? ReachKind::kPointer : state.steps[f.function].kind;
    step.from = origin;
    step.root = state.steps[f.function].root;
    Reach(f, step);
  }
}

void Reachability::ReachRegion(RegionRef r, FunctionRef origin) {
  if (!r.valid()) return;
  ObjectState& state = state_[r.object];
  if (state.region_reached[r.region]) return;
  state.region_reached[r.region] = 1;
  state.region_origin[r.region] = origin;
  ++reached_regions_;
  const ObjectSummary& s = program_.summary(r.object);
  for (const Reference& ref : s.ReferencesOf(s.regions[r.region])) {
    ApplyReference(r.object, ref, origin);
  }
  // A copy relocation: the program's copy starts as the library's data, pointers included.
  for (const CopyRelocation& copy : s.copies) {
    if (copy.region != r.region) continue;
    const auto& symbols = program_.object(r.object).loaded.elf->dynamic_symbols();
    if (copy.symbol >= symbols.size()) continue;
    const ElfSymbol& copied = symbols[copy.symbol];
    if (std::optional<SymbolBinding> b = program_.ResolveByName(copied.name, r.object)) {
      ReachRegion(program_.RegionOf(*b), origin);
    }
  }
}

void Reachability::ApplyReference(uint32_t object, const Reference& ref, FunctionRef origin) {
  switch (ref.kind) {
    case ReferenceKind::kFunction:
      Take({object, ref.index}, origin);
      break;
    case ReferenceKind::kRegion:
      ReachRegion({object, ref.index}, origin);
      break;
    case ReferenceKind::kImportAddress: {
      std::optional<SymbolBinding> b = program_.Resolve(object, ref.index);
      if (!b) break;
      if (b->is_ifunc) {
        // The address is whatever the resolver returns.
        FunctionRef resolver = program_.FunctionOf(*b);
        ReachIfunc(resolver, origin, kNoIndex);
        for (FunctionRef c : IfuncCandidates(resolver)) Take(c, origin);
      } else if (b->is_function || program_.summary(b->object).FunctionAt(b->value) != kNoIndex) {
        Take(program_.FunctionOf(*b), origin);
      } else {
        ReachRegion(program_.RegionOf(*b), origin);
      }
      break;
    }
    case ReferenceKind::kIfunc: {
      FunctionRef resolver{object, ref.index};
      ReachIfunc(resolver, origin, kNoIndex);
      for (FunctionRef c : IfuncCandidates(resolver)) Take(c, origin);
      break;
    }
  }
}

const std::vector<FunctionRef>& Reachability::IfuncCandidates(FunctionRef resolver) const {
  auto [it, inserted] = ifunc_candidates_.try_emplace(resolver.valid() ? resolver.Key() : ~0ull);
  std::vector<FunctionRef>& candidates = it->second;
  if (!inserted || !resolver.valid()) return candidates;
  const ObjectSummary& s = program_.summary(resolver.object);
  auto collect = [&](uint32_t function) {
    for (const Reference& ref : s.ReferencesOf(s.functions[function])) {
      if (ref.kind == ReferenceKind::kFunction) candidates.push_back({resolver.object, ref.index});
    }
  };
  collect(resolver.function);
  // Resolvers often call a helper that does the choosing.
  for (const CallSite& c : s.CallsOf(s.functions[resolver.function])) {
    if (c.target_kind == TargetKind::kFunction) collect(c.target);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](FunctionRef a, FunctionRef b) { return a.Key() < b.Key(); });
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

void Reachability::ReachIfunc(FunctionRef resolver, FunctionRef from, uint32_t call) {
  if (!resolver.valid()) return;
  ReachStep step{ReachKind::kCall, from, call, kNoIndex};
  if (!from.valid())
    step = ReachStep{ReachKind::kRoot, {}, kNoIndex, static_cast<uint32_t>(root_reasons_.size())};
  if (!from.valid()) root_reasons_.push_back("IFUNC resolver");
  Reach(resolver, step);
  for (FunctionRef c : IfuncCandidates(resolver)) {
    Reach(c, ReachStep{ReachKind::kIfunc, resolver, kNoIndex, kNoIndex});
  }
}

void Reachability::Process(FunctionRef f) {
  const ObjectSummary& s = program_.summary(f.object);
  const FunctionSummary& function = s.functions[f.function];
  // Most calls go to functions already reached (a call to one is a no-op in Reach): the
  // packed calls answer that without reading the call sites themselves.
  std::span<const uint32_t> packed = program_.object(f.object).index->PackedCalls();
  const std::vector<uint8_t>& bits = state_[f.object].function_bits;
  for (uint32_t call = function.calls_begin; call < function.calls_begin + function.calls_count;
       ++call) {
    TargetKind kind;
    uint32_t target;
    if (packed.size() == s.calls.size()) {
      kind = static_cast<TargetKind>(packed[call] >> ObjectIndex::kPackedKindShift);
      target = packed[call] & ObjectIndex::kPackedTargetMask;
    } else {
      kind = s.calls[call].target_kind;
      target = s.calls[call].target;
    }
    switch (kind) {
      case TargetKind::kFunction:
        if (bits[target] & kReached) break;
        Reach({f.object, target}, ReachStep{ReachKind::kCall, f, call, kNoIndex});
        break;
      case TargetKind::kImport: {
        // The same test for an import bound to a function already reached.
        std::optional<SymbolBinding> b = program_.Resolve(f.object, target);
        if (!b) break;
        FunctionRef callee = program_.FunctionOf(*b);
        if (b->is_ifunc) {
          ReachIfunc(callee, f, call);
        } else if (!IsReached(callee)) {
          Reach(callee, ReachStep{ReachKind::kCall, f, call, kNoIndex});
        }
        break;
      }
      case TargetKind::kIfunc:
        ReachIfunc({f.object, target}, f, call);
        break;
      case TargetKind::kIndirect:
        break;  // any address-taken function (the pointer-call flag of the function)
    }
  }
  bool returns_pick = (state_[f.object].function_bits[f.function] & kReturnsPick) != 0;
  for (const Reference& ref : s.ReferencesOf(function)) {
    // The implementations a resolver picks from are reached through its IFUNC's callers.
    if (returns_pick && ref.kind == ReferenceKind::kFunction) continue;
    ApplyReference(f.object, ref, f);
  }
  if ((function.flags & kFunctionIndirectCall) && !indirect_seen_) {
    indirect_seen_ = true;
    for (size_t i = 0; i < taken_list_.size(); ++i) {
      FunctionRef target = taken_list_[i];
      ReachStep step;
      step.kind = taken_origin_[i].valid() ? ReachKind::kPointer
                                           : state_[target.object].steps[target.function].kind;
      step.from = taken_origin_[i];
      step.root = state_[target.object].steps[target.function].root;
      Reach(target, step);
    }
  }
}

void Reachability::Prefetch(size_t next) const {
  // Functions reached one after another lie far apart: start loading the summary of one a
  // few places ahead in the worklist, and the packed calls of a nearer one (whose summary an
  // earlier call brought in).
  constexpr size_t kSummaryAhead = 8, kCallsAhead = 4;
  if (next + kSummaryAhead < worklist_.size()) {
    FunctionRef f = worklist_[next + kSummaryAhead];
    __builtin_prefetch(&program_.summary(f.object).functions[f.function]);
  }
  if (next + kCallsAhead < worklist_.size()) {
    FunctionRef f = worklist_[next + kCallsAhead];
    const FunctionSummary& function = program_.summary(f.object).functions[f.function];
    std::span<const uint32_t> packed = program_.object(f.object).index->PackedCalls();
    if (function.calls_begin < packed.size()) __builtin_prefetch(&packed[function.calls_begin]);
  }
}

void Reachability::Run() {
  // First in, first out: the recorded steps then form shortest paths, which is what
  // --explain prints.
  for (size_t next = 0; next < worklist_.size(); ++next) {
    Prefetch(next);
    Process(worklist_[next]);
  }
  worklist_.clear();
}

}  // namespace sysfence
