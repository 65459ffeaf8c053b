// Static phases (`sysfence static --phases`, `--from FUNCTION`): the parts of the whole
// static set that can run at different times of the process's life.
//
//   startup: the loader's entry, the program's entry up to the call of main, every object's
//            initialisers, IFUNC resolvers, the loader's callbacks. main is a stop node: the
//            start-up code reaches it only through the pointer _start passes to
//            __libc_start_main, so the cut is made at main itself, not at a call site.
//   main:    everything reachable from main.
//   exit:    exit() and every object's finalisers.
//   --from:  everything reachable from one function.
//
// A later phase may call through pointers an earlier one stored anywhere in memory, so the
// functions whose addresses an earlier phase took are address-taken in every later one.
#include <map>

#include "analysis/program_main.h"
#include "analysis/static_analysis.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {}  // namespace

Result<FunctionRef> StaticAnalysis::FindMain() const {
  if (library_mode_) return MakeError("{}: a library has no main", program_.ObjectPath(0));
  Result<uint64_t> address = FindMainAddress(*program_.object(0).loaded.elf, program_.summary(0));
  if (!address.ok()) return MakeError("{}: {}", program_.ObjectPath(0), address.error().message());
  return FunctionRef{0, program_.summary(0).FunctionAt(*address)};
}

Result<FunctionRef> StaticAnalysis::ParseFunctionSpec(const std::string& spec) const {
  if (spec.size() > 2 && spec.compare(0, 2, "0x") == 0) {
    uint64_t address = 0;
    size_t used = 0;
    try {
      address = std::stoull(spec.substr(2), &used, 16);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != spec.size() - 2) return MakeError("--from: '{}' is not a hex address", spec);
    const ObjectSummary& s = program_.summary(0);
    uint32_t f = s.FunctionAt(address);
    if (f == kNoIndex) {
      return MakeError("--from: no function at {} in {}", spec, program_.ObjectPath(0));
    }
    if (s.functions[f].start != address) {
      return MakeError("--from: {} is inside the function at {:#x} in {}, not at its start", spec,
                       s.functions[f].start, program_.ObjectPath(0));
    }
    return FunctionRef{0, f};
  }
  std::string_view name = spec;
  std::optional<uint32_t> only_object;
  if (size_t colon = spec.rfind(':'); colon != std::string::npos) {
    std::string object = spec.substr(0, colon);
    name = std::string_view(spec).substr(colon + 1);
    only_object = program_.FindObject(object);
    if (!only_object) {
      return MakeError("--from {}: no loaded object '{}' in {}", spec, object,
                       program_.ObjectPath(0));
    }
  }
  for (uint32_t o = 0; o < program_.size(); ++o) {
    if (only_object && o != *only_object) continue;
    FunctionRef f = FindFunction(o, name);
    if (f.valid()) return f;
  }
  return MakeError("--from: no function '{}' in {}{}", spec, program_.ObjectPath(0),
                   only_object ? "" : " or the objects it loads");
}

std::unique_ptr<Reachability> StaticAnalysis::NewPhaseReach(
    const std::vector<const Reachability*>& earlier, FunctionRef stop, FunctionRef stop_taker) {
  auto reach = std::make_unique<Reachability>(program_);
  AddGuards(*reach, 0, earlier);
  reach->AddStop(stop, stop_taker);
  if (!earlier.empty()) {
    // The loader's main runs once, at start-up, called through the pointer its entry code
    // passes to _dl_sysdep_start: no later phase enters it (named with ld.so's symbols only).
    for (uint32_t o = 0; o < program_.size(); ++o) {
      if (program_.object(o).loaded.reason == "interpreter") {
        reach->AddStop(FindFunction(o, "dl_main"), {});
      }
    }
  }
  for (const Reachability* r : earlier) {
    for (FunctionRef f : r->taken()) {
      reach->TakeAddress(f, "address taken in an earlier phase", /*from_outside=*/false);
    }
  }
  if (!earlier.empty()) {
    for (FunctionRef f : LoaderCallbacks()) {
      reach->TakeAddress(f, fmt::format("{} (called by the loader)", program_.FunctionName(f)));
    }
  }
  // Any phase may unwind, may use the pointers thread-local data starts with, and may call
  // Go methods through method tables.
  for (uint32_t o = 0; o < program_.size(); ++o) {
    const ObjectSummary& s = program_.summary(o);
    const std::string& path = program_.ObjectPath(o);
    for (uint32_t f : s.unwind_functions) reach->AddRoot({o, f}, "personality routine of " + path);
    for (uint32_t r : s.root_regions) reach->AddRootRegion({o, r}, "thread-local data of " + path);
    for (uint32_t f : s.table_called_functions) {
      reach->TakeAddress({o, f}, "Go method table of " + path, /*from_outside=*/false);
    }
  }
  // Objects loaded at run time (dlopen, NSS, PAM) may be loaded in any phase: their
  // initialisers run then, their finalisers at dlclose, their exports are found by dlsym.
  for (uint32_t o = 0; o < program_.size(); ++o) {
    if (!!program_.object(o).loaded.LoadedWithProgram()) continue;
    AddInitRoots(*reach, o, /*fini=*/false);
    AddInitRoots(*reach, o, /*fini=*/true);
  }
  for (const PendingExports& pending : integrated_exports_) TakeExports(*reach, pending);
  // What reached dlsym calls return, in any phase (where the call happens is not followed).
  for (const DlsymTake& take : dlsym_takes_) TakeDlsymResult(*reach, take);
  return reach;
}

std::vector<ResolvedSite> StaticAnalysis::PhaseSites(const Reachability& reach) {
  std::map<std::pair<uint32_t, uint64_t>, const ResolvedSite*> whole;
  for (const ResolvedSite& site : sites_) whole[{site.function.object, site.address}] = &site;
  std::vector<ResolvedSite> sites = ResolveSyscallSites(program_, reach);
  for (ResolvedSite& site : sites) {
    auto it = whole.find({site.function.object, site.address});
    if (it == whole.end()) continue;
    // Fewer callers can only narrow a site's numbers; where they leave it unresolved (a
    // function this phase enters from outside), the whole analysis knows its callers.
    if (site.unresolved && !it->second->unresolved) {
      site.numbers = it->second->numbers;
      site.unresolved = false;
      site.reason.clear();
    } else {
      site.numbers &= it->second->numbers;
    }
  }
  return sites;
}

SyscallSet StaticAnalysis::PhaseSyscalls(const Reachability& reach,
                                         const std::vector<ResolvedSite>& sites,
                                         bool handlers_before) const {
  SyscallSet set;
  bool unresolved = false;
  for (const ResolvedSite& site : sites) {
    if (site.kind != SiteKind::kSyscall) continue;
    set |= site.numbers;
    unresolved |= site.unresolved;
  }
  for (const VdsoUse& use : VdsoFallbacks(reach)) set.Insert(use.number);
  set.Insert(*SyscallNumber("restart_syscall"));
  if (handlers_before || set.Contains("rt_sigaction")) set.Insert(*SyscallNumber("rt_sigreturn"));
  if (unresolved && options_.unresolved == UnresolvedPolicy::kAll) set |= SyscallSet::All();
  return set;
}

std::unique_ptr<Reachability> StaticAnalysis::StartupReach(FunctionRef main) {
  FunctionRef entry{0, program_.summary(0).entry_function};
  std::unique_ptr<Reachability> startup = NewPhaseReach({}, main, entry);
  for (uint32_t o = 0; o < program_.size(); ++o) {
    const ObjectSummary& s = program_.summary(o);
    const LoadedObject& loaded = program_.object(o).loaded;
    if (!loaded.LoadedWithProgram()) continue;
    AddInitRoots(*startup, o, /*fini=*/false);
    // The loader runs the resolvers; the implementations they pick run when called.
    bool glibc = IsGlibcObject(loaded.elf->dynamic().soname);
    for (uint32_t f : s.ifunc_resolvers) {
      if (glibc) {
        startup->AddReturningIfuncResolver({o, f}, "IFUNC resolver in " + loaded.path);
      } else {
        startup->AddRoot({o, f}, "IFUNC resolver in " + loaded.path);
      }
    }
    if (s.entry_function != kNoIndex && (o == 0 || loaded.reason == "interpreter")) {
      startup->AddRoot({o, s.entry_function}, "entry point of " + loaded.path);
    }
  }
  for (FunctionRef f : LoaderCallbacks()) {
    startup->AddRoot(f, fmt::format("{} (called by the loader)", program_.FunctionName(f)));
  }
  startup->Run();
  return startup;
}

std::unique_ptr<Reachability> StaticAnalysis::MainReach(const Reachability& startup,
                                                        FunctionRef main) {
  std::unique_ptr<Reachability> reach = NewPhaseReach({&startup}, {}, {});
  reach->AddRoot(main, "main");
  reach->Run();
  return reach;
}

Status StaticAnalysis::ComputePhases() {
  Result<FunctionRef> main = FindMain();
  if (!main.ok()) return MakeError("--phases: {}", main.error().message());
  std::unique_ptr<Reachability> startup = StartupReach(*main);
  std::unique_ptr<Reachability> main_phase = MainReach(*startup, *main);

  // Exit: exit() (which runs the atexit handlers, _dl_fini among them, and the stdio
  // clean-up) and the finalisers _dl_fini calls through pointers it computes.
  FunctionRef exit_function;
  if (program_.object(0).loaded.elf->interpreter().empty()) {
    exit_function = FindFunction(0, "exit");
  } else if (std::optional<SymbolBinding> b = program_.ResolveByName("exit")) {
    exit_function = program_.FunctionOf(*b);
  }
  if (!exit_function.valid()) {
    return MakeError(
        "--phases: cannot find exit() in {} (a static program without symbols): "
        "the exit phase has no start",
        program_.ObjectPath(0));
  }
  std::unique_ptr<Reachability> exit_phase =
      NewPhaseReach({startup.get(), main_phase.get()}, {}, {});
  exit_phase->AddRoot(exit_function, "exit");
  for (uint32_t o = 0; o < program_.size(); ++o) {
    AddInitRoots(*exit_phase, o, /*fini=*/true);
  }
  exit_phase->Run();

  profile_.phases.clear();
  bool handlers = false;
  for (const auto& [name, reach] :
       {std::pair<const char*, const Reachability*>{"startup", startup.get()},
        {"main", main_phase.get()},
        {"exit", exit_phase.get()}}) {
    Phase phase;
    phase.name = name;
    phase.syscalls = PhaseSyscalls(*reach, PhaseSites(*reach), handlers);
    handlers |= phase.syscalls.Contains("rt_sigaction");
    profile_.phases.push_back(std::move(phase));
  }
  return Ok{};
}

Status StaticAnalysis::RestrictToFunction(const std::string& spec) {
  Result<FunctionRef> from = ParseFunctionSpec(spec);
  if (!from.ok()) return from.error();
  // What ran before the function may have stored pointers anywhere: with main known, the
  // start-up and main phases took them; otherwise every address the whole analysis saw.
  std::unique_ptr<Reachability> startup, main_phase;
  std::vector<const Reachability*> before = {reach_.get()};
  if (Result<FunctionRef> main = FindMain(); main.ok()) {
    startup = StartupReach(*main);
    main_phase = MainReach(*startup, *main);
    before = {startup.get(), main_phase.get()};
  }
  std::unique_ptr<Reachability> reach = NewPhaseReach(before, {}, {});
  reach->AddRoot(*from, "--from " + spec);
  reach->Run();
  // Signal handlers installed before the function still return through rt_sigreturn.
  int sigaction = *SyscallNumber("rt_sigaction");
  for (const ResolvedSite& site : sites_) {
    for (const Reachability* r : before) {
      signal_handlers_before_ |= site.kind == SiteKind::kSyscall &&
                                 site.numbers.Contains(sigaction) && r->IsReached(site.function);
    }
  }
  sites_ = PhaseSites(*reach);
  reach_ = std::move(reach);
  profile_.from_function =
      CodeLocation{program_.ObjectPath(from->object), program_.FunctionName(*from),
                   program_.FunctionAddress(*from)};
  return Ok{};
}

}  // namespace sysfence
