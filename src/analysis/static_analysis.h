// `sysfence static`: the whole analysis of one program, from its path to a "static" Profile.
// It loads the program and its libraries the way ld.so would (library_resolver.h), summarises
// each object once (object_analyzer.h; in parallel, through the on-disk cache, from a
// SummaryPool that many analyses may share: summary_pool.h), binds them
// into one process (linked_program.h), computes what is reachable from the roots
// (reachability.h), adds NSS back-ends and dlopen()ed libraries the reachable code loads, and
// resolves the numbers of the reachable syscall sites (number_resolver.h). A script is
// analysed as the programs its `#!` line runs (shebang.h).
//
//   StaticOptions options;
//   Result<std::unique_ptr<StaticAnalysis>> a = StaticAnalysis::Run("/usr/bin/ssh", options);
//   if (!a.ok()) return a.error();                   // the program itself is unusable
//   const Profile& profile = (*a)->profile();          // kind "static"
//   for (const std::string& w : (*a)->warnings()) ...;  // missing libraries, unresolved sites
//   Result<std::string> path = (*a)->Explain(*SyscallNumber("socket"));
#ifndef SYSFENCE_ANALYSIS_STATIC_ANALYSIS_H_
#define SYSFENCE_ANALYSIS_STATIC_ANALYSIS_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/library_knowledge.h"
#include "analysis/linked_program.h"
#include "analysis/number_resolver.h"
#include "analysis/reachability.h"
#include "analysis/summary_pool.h"
#include "base/result.h"
#include "elf/library_resolver.h"
#include "elf/shebang.h"
#include "profile/profile.h"
#include "profile/static_only.h"

namespace sysfence {

enum class UnresolvedPolicy {
  kReport,  // list unresolved sites in the profile and warn
  kAll,     // also allow every syscall when any site stays unresolved
};

struct StaticOptions {
  ResolverOptions resolver;
  bool use_debug_files = true;  // separate debug files by build id (never required)
  // Debug directories searched before <sysroot>/usr/lib/debug (DIR/.build-id/xx/yyyy.debug);
  // the debuginfod client's cache is searched after it.
  std::vector<std::string> debug_directories;
  bool use_cache = true;
  std::string cache_directory;  // "" = UserCacheDirectory()
  UnresolvedPolicy unresolved = UnresolvedPolicy::kReport;
  // Find the values of the argument table's arguments (Profile::args); without, the profile
  // allows any value.
  bool argument_values = true;
  std::vector<std::string> dlopen;  // libraries the program loads, added by hand
  std::optional<bool> as_library;   // nullopt: a shared library (not PIE) is a library
  int threads = 0;                  // 0 = up to 2
  std::string nsswitch_path;        // "" = <sysroot>/etc/nsswitch.conf
  // PAM services to assume when pam_start's service name is not a constant ("all" = every
  // file in /etc/pam.d); empty = the program's own file name.
  std::vector<std::string> pam_services;
  size_t evidence_limit = 8;  // sites listed per syscall in `evidence`
  // Keep the loader's debugging modes (LD_PROFILE, --list-diagnostics, LD_SHOW_AUXV)
  // reachable; normal runs never enter them.
  bool loader_debug_features = false;
  // Also split the set into the phases "startup", "main" and "exit" (Profile::phases;
  // static_phases.cc). The program's main must be found, or Run fails.
  bool phases = false;
  // When set, the profile holds what is reachable from this function onwards instead of the
  // whole process: "SYMBOL" (in any loaded object), "OBJECT:SYMBOL" or "0xADDRESS" (a
  // function start in the program). An unknown function makes Run fail.
  std::string from;
  // PATH for a script whose `#!` line is `/usr/bin/env NAME` ("" = this process's PATH);
  // looked up under the sysroot.
  std::string search_path;
  // Where the summaries come from. Null: a pool of this analysis's own, made from
  // use_debug_files, use_cache and cache_directory. A shared pool (many analyses, any
  // threads; its own options apply) makes each library's summary once for all of them.
  SummaryPool* pool = nullptr;
};

struct StaticStats {
  size_t objects = 0;
  size_t objects_from_cache = 0;
  size_t objects_with_debug_symbols = 0;
  size_t functions = 0;
  size_t reached_functions = 0;
  size_t syscall_sites = 0;
  size_t reached_sites = 0;
  size_t unresolved_sites = 0;
  size_t unknown_dlopen_calls = 0;
  size_t unknown_dlsym_calls = 0;
  double summarize_seconds = 0;
  double link_seconds = 0;
  // Per object: path, seconds spent summarising it (0 when it came from the cache).
  std::vector<std::pair<std::string, double>> object_seconds;
  // Objects built by Go: path, Go release ("go1.19.8").
  std::vector<std::pair<std::string, std::string>> go_objects;
};

class StaticAnalysis {
 public:
  static Result<std::unique_ptr<StaticAnalysis>> Run(const std::string& path,
                                                     const StaticOptions& options);

  const Profile& profile() const { return profile_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const StaticStats& stats() const { return stats_; }
  // One path from a root to a site issuing `number` (function names, objects, addresses).
  Result<std::string> Explain(int number) const;
  // The same for a function, by symbol name.
  Result<std::string> ExplainFunction(std::string_view name) const;
  // Why each syscall of this profile is missing from `dynamic` (a trace of the same program,
  // with its syscall sites): the classes of profile/static_only.h, with their evidence
  // (static_only.cc).
  StaticOnlyReport ExplainStaticOnly(const Profile& dynamic) const;

 private:
  StaticAnalysis() = default;
  Status Load(const std::string& path);
  void Summarize(size_t first_object);
  void AddObjectRoots(uint32_t object);
  // Makes roots of what the loader runs as `object`'s initialisers (DT_INIT, the init and
  // preinit arrays) or, with `fini`, its finalisers: slots holding local addresses and slots
  // filled through a symbol, bound as the loader binds it (an exported constructor may be
  // interposed by another object's definition of the same name).
  void AddInitRoots(Reachability& reach, uint32_t object, bool fini) const;
  void AddLoaderCallbacks();
  // Functions the loader looks up by name and calls (malloc, __libc_early_init, ...).
  std::vector<FunctionRef> LoaderCallbacks() const;
  // Guard rules for objects from `first_object` on; a guard whose enabler one of `earlier`
  // reached is left out (the enabling call already happened).
  void AddGuards(Reachability& reach, uint32_t first_object,
                 const std::vector<const Reachability*>& earlier = {});
  void ApplySiteRules();
  // Whether `f` is reached by a call from a function other than `callers` (or through a
  // pointer, or from outside).
  bool IsCalledOtherThanBy(FunctionRef f, const std::vector<FunctionRef>& callers) const;
  // A library-knowledge rule's function: by name, or by its locator without symbols.
  FunctionRef FindRuleFunction(uint32_t object, const RuleFunction& function) const;
  // A function of `object` by any of its symbol names (local names and aliases count).
  FunctionRef FindFunction(uint32_t object, std::string_view name) const;
  bool LoadDynamicObjects();
  // Loads `name` (and its DT_NEEDED closure) as dlopen called from `requester` would; its
  // exported functions starting with `export_prefix` become address-taken once the queued
  // objects are integrated. `quiet`: a name that does not resolve is no warning.
  void QueueObject(std::string_view name, const std::string& reason, const std::string& requester,
                   std::string_view export_prefix, bool quiet = false);
  // Summarises every queued object (in parallel), adds its roots and exports.
  void IntegrateQueuedObjects();
  void BuildProfile();
  // libc functions the vDSO serves that `reach` reaches, with the syscall each falls back to.
  struct VdsoUse {
    uint32_t object;
    const ElfSymbol* symbol;
    int number;
  };
  std::vector<VdsoUse> VdsoFallbacks(const Reachability& reach) const;

  // A script: the profile is its interpreter's (already built), plus the sets of the
  // programs the process runs before it (`env`), and names the script.
  Status AddScript(const std::string& path, const ScriptChain& chain);

  // Static phases (static_phases.cc).
  Status ComputePhases();
  Status RestrictToFunction(const std::string& spec);
  Result<FunctionRef> FindMain() const;
  // The start-up phase (main is a stop node) and the main phase.
  std::unique_ptr<Reachability> StartupReach(FunctionRef main);
  std::unique_ptr<Reachability> MainReach(const Reachability& startup, FunctionRef main);
  Result<FunctionRef> ParseFunctionSpec(const std::string& spec) const;
  // A reachability over the whole program with the guard rules, where the functions whose
  // addresses the `earlier` phases took (and the loader's callbacks) are address-taken, and
  // the objects loaded at run time contribute their initialisers, finalisers and exports.
  std::unique_ptr<Reachability> NewPhaseReach(const std::vector<const Reachability*>& earlier,
                                              FunctionRef stop, FunctionRef stop_taker);
  // The syscall sites `reach` reaches, each with the numbers it resolves to there (never
  // more than the whole analysis found for the site).
  std::vector<ResolvedSite> PhaseSites(const Reachability& reach);
  // The syscalls of those sites, the vDSO fallbacks, and what the kernel adds;
  // `handlers_before`: an earlier phase may have installed signal handlers.
  SyscallSet PhaseSyscalls(const Reachability& reach, const std::vector<ResolvedSite>& sites,
                           bool handlers_before) const;
  std::string Describe(FunctionRef f) const;
  // --explain's lines for the calls that carry a number or value down to a site.
  std::vector<std::string> HopLines(const std::vector<NumberHop>& hops, std::string_view what,
                                    const std::string& site_line) const;
  // --explain's account of the call's argument values (none for calls outside the table):
  // each value with the site and calls it comes from, or why the argument takes any value.
  std::string ExplainArguments(int number) const;
  // Lines from a root down to `target`, followed by `last_lines`.
  std::string PathTo(FunctionRef target, const std::vector<std::string>& last_lines) const;

  StaticOptions options_;
  std::unique_ptr<SummaryPool> own_pool_;
  SummaryPool* pool_ = nullptr;
  std::unique_ptr<LibraryResolver> resolver_;
  LoadList load_list_;
  LinkedProgram program_;
  std::unique_ptr<Reachability> reach_;
  std::vector<ResolvedSite> sites_;
  Profile profile_;
  std::vector<std::string> warnings_;
  StaticStats stats_;
  bool library_mode_ = false;
  // Objects whose exports are reachable through dlsym (dlopen, --dlopen, NSS, PAM).
  struct PendingExports {
    size_t object;
    std::string prefix;
    std::string reason;
  };
  // Takes the addresses of the object's exports that `pending` names (dlsym finds them).
  void TakeExports(Reachability& reach, const PendingExports& pending) const;
  std::vector<PendingExports> pending_exports_;
  std::vector<PendingExports> integrated_exports_;  // every one handled so far
  bool signal_handlers_before_ = false;    // --from: rt_sigaction may run before the function
  std::vector<std::string> loaded_names_;  // names already handled by the dynamic-load loop

  // dlsym with a constant name: the definitions its scope may find become address-taken
  // (a function), reached (data), or run (an IFUNC resolver, whose picks are taken).
  struct DlsymTake {
    SymbolBinding binding;
    std::string reason;
  };
  // Takes what a reached dlsym call's names resolve to; true when anything new was taken.
  bool TakeDlsymNames(FunctionRef caller, const DlopenCall& call);
  std::vector<SymbolBinding> DlsymDefinitions(std::string_view name, SymbolScope scope,
                                              uint32_t caller) const;
  void TakeDlsymResult(Reachability& reach, const DlsymTake& take) const;
  std::vector<DlsymTake> dlsym_takes_;
  std::set<std::string> handled_dlsym_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_STATIC_ANALYSIS_H_
