// The `sysfence static` pipeline (see static_analysis.h): load, summarise (parallel, cached),
// link, reach, load what reachable code dlopens, reach again, resolve numbers, build the
// profile.
#include "analysis/static_analysis.h"

#include <elf.h>
#include <glob.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "analysis/dynamic_loading.h"
#include "analysis/function_locator.h"
#include "analysis/library_knowledge.h"
#include "analysis/object_analyzer.h"
#include "analysis/value_set.h"
#include "base/file_util.h"
#include "base/root_path.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// libc functions that read the time through the vDSO, which falls back to the real syscall.
struct VdsoFunction {
  std::string_view name;
  std::string_view syscall;
};
constexpr VdsoFunction kVdsoFunctions[] = {
    {"clock_gettime", "clock_gettime"}, {"__clock_gettime", "clock_gettime"},
    {"gettimeofday", "gettimeofday"},   {"time", "time"},
    {"clock_getres", "clock_getres"},   {"__clock_getres", "clock_getres"},
    {"sched_getcpu", "getcpu"},         {"getcpu", "getcpu"},
};

bool IsSharedObjectFile(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  unsigned char header[18] = {};
  size_t n = std::fread(header, 1, sizeof header, file);
  std::fclose(file);
  // ELF magic, and e_type ET_DYN (little-endian).
  return n == sizeof header &&
         std::memcmp(header,
                     "\x7f"
                     "ELF",
                     4) == 0 &&
         header[16] == 3 && header[17] == 0;
}

// A --dlopen argument: a library name or path as it is, every shared object under a
// directory (interpreters keep their extension modules in trees), or what a glob matches.
Result<std::vector<std::string>> ExpandDlopenArgument(const std::string& argument) {
  std::error_code error;
  if (std::filesystem::is_directory(argument, error)) {
    std::vector<std::string> found;
    auto options = std::filesystem::directory_options::skip_permission_denied;
    for (auto it = std::filesystem::recursive_directory_iterator(argument, options, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (IsSharedObjectFile(it->path())) found.push_back(it->path().string());
    }
    if (error) return MakeError("--dlopen {}: {}", argument, error.message());
    if (found.empty())
      return MakeError("--dlopen {}: the directory holds no shared object", argument);
    std::sort(found.begin(), found.end());
    return found;
  }
  if (argument.find_first_of("*?[") == std::string::npos) {
    return std::vector<std::string>{argument};
  }
  glob_t matches{};
  int result = glob(argument.c_str(), 0, nullptr, &matches);
  std::vector<std::string> found;
  for (size_t i = 0; result == 0 && i < matches.gl_pathc; ++i) {
    if (IsSharedObjectFile(matches.gl_pathv[i])) found.push_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  if (found.empty()) return MakeError("--dlopen {}: matches no shared object", argument);
  return found;
}

// Functions ld.so itself calls in libc or the global scope, found by name at run time.
constexpr std::string_view kLoaderCallbacks[] = {"__libc_early_init", "malloc", "calloc", "realloc",
                                                 "free"};

}  // namespace

std::string StaticAnalysis::Describe(FunctionRef f) const {
  return fmt::format("{} ({:#x} in {})", program_.FunctionName(f), program_.FunctionAddress(f),
                     program_.ObjectPath(f.object));
}

Status StaticAnalysis::Load(const std::string& path) {
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open(path);
  if (!elf.ok()) return elf.error();
  library_mode_ = options_.as_library.value_or(!(*elf)->IsExecutable());
  if (options_.pool != nullptr) {
    pool_ = options_.pool;
  } else {
    own_pool_ = std::make_unique<SummaryPool>(
        SummaryPoolOptions{.share = false,
                           .use_cache = options_.use_cache,
                           .cache_directory = options_.cache_directory,
                           .use_debug_files = options_.use_debug_files,
                           .debug_search = {options_.debug_directories, options_.resolver.sysroot,
                                            DebuginfodCacheDirectory()}});
    pool_ = own_pool_.get();
  }
  ResolverOptions resolver_options = options_.resolver;
  if (pool_->shares()) {
    resolver_options.open = [pool = pool_](const std::string& file) { return pool->Open(file); };
  }
  resolver_ = std::make_unique<LibraryResolver>(std::move(resolver_options));
  LoadedObject program{std::shared_ptr<ElfFile>(std::move(*elf)), path, "", "program"};
  load_list_ = resolver_->LoadClosure(std::move(program));
  if (library_mode_ && load_list_.objects.size() > 1) {
    // A library is always used by a process that has the loader.
    bool has_loader = false;
    for (const LoadedObject& o : load_list_.objects) has_loader |= o.reason == "interpreter";
    if (!has_loader) {
      for (LoadedObject& o : load_list_.objects) {
        if (o.elf->dynamic().soname == "ld-linux-x86-64.so.2") o.reason = "interpreter";
      }
    }
  }
  for (std::string& w : load_list_.warnings) warnings_.push_back(std::move(w));
  load_list_.warnings.clear();
  return Ok{};
}

void StaticAnalysis::Summarize(size_t first_object) {
  auto start = std::chrono::steady_clock::now();
  size_t count = load_list_.objects.size() - first_object;
  std::vector<PooledObject> jobs(count);
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return load_list_.objects[first_object + a].elf->file().size() >
           load_list_.objects[first_object + b].elf->file().size();
  });
  std::atomic<size_t> next{0};
  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::min<unsigned>(
                                           2, std::max(1u, std::thread::hardware_concurrency())));
  auto work = [&]() {
    for (size_t k = next++; k < count; k = next++) {
      size_t i = order[k];
      LoadedObject& object = load_list_.objects[first_object + i];
      // (A large object, such as a Go program, is split over the threads itself.)
      jobs[i] = pool_->Get(object, threads);
      object.elf = jobs[i].elf;  // the same file, with its debug symbols
    }
  };
  threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), count));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();

  for (size_t i = 0; i < count; ++i) {
    uint32_t index =
        program_.AddObject(load_list_.objects[first_object + i], jobs[i].summary, jobs[i].index);
    program_.object(index).from_cache = jobs[i].from_cache;
    program_.object(index).debug_symbols = jobs[i].debug_symbols;
    stats_.objects_from_cache += jobs[i].from_cache;
    stats_.objects_with_debug_symbols += jobs[i].debug_symbols;
    stats_.functions += jobs[i].summary->functions.size();
    stats_.syscall_sites += jobs[i].summary->sites.size();
    stats_.object_seconds.emplace_back(load_list_.objects[first_object + i].path, jobs[i].seconds);
    if (!jobs[i].summary->go_version.empty()) {
      stats_.go_objects.emplace_back(load_list_.objects[first_object + i].path,
                                     jobs[i].summary->go_version);
    }
    for (std::string& w : jobs[i].warnings) warnings_.push_back(std::move(w));
  }
  stats_.objects = program_.size();
  stats_.summarize_seconds += Seconds(start);
}

void StaticAnalysis::AddInitRoots(Reachability& reach, uint32_t o, bool fini) const {
  const ObjectSummary& s = program_.summary(o);
  std::string reason = (fini ? "finalizer of " : "initializer of ") + program_.ObjectPath(o);
  for (uint32_t f : fini ? s.fini_functions : s.init_functions) reach.AddRoot({o, f}, reason);
  for (const SymbolSlot& slot : fini ? s.fini_symbols : s.init_symbols) {
    std::optional<SymbolBinding> b = program_.Resolve(o, slot.symbol);
    if (!b) continue;  // an undefined weak symbol: the slot holds 0 and the loader skips it
    if (b->is_ifunc) {
      reach.AddIfuncRoot(program_.FunctionOf(*b), reason);
      continue;
    }
    uint64_t address = b->value + static_cast<uint64_t>(slot.addend);
    uint32_t f = program_.summary(b->object).FunctionAt(address);
    if (f != kNoIndex) reach.AddRoot({b->object, f}, reason);
  }
}

void StaticAnalysis::AddObjectRoots(uint32_t o) {
  const ObjectSummary& s = program_.summary(o);
  const std::string& path = program_.ObjectPath(o);
  AddInitRoots(*reach_, o, /*fini=*/false);
  AddInitRoots(*reach_, o, /*fini=*/true);
  for (uint32_t f : s.unwind_functions) reach_->AddRoot({o, f}, "personality routine of " + path);
  bool glibc = IsGlibcObject(program_.object(o).loaded.elf->dynamic().soname);
  for (uint32_t f : s.ifunc_resolvers) {
    // glibc's resolvers (its libc_ifunc macros) only return the implementation they pick.
    if (glibc) {
      reach_->AddReturningIfuncResolver({o, f}, "IFUNC resolver in " + path);
    } else {
      reach_->AddIfuncRoot({o, f}, "IFUNC resolver in " + path);
    }
  }
  for (uint32_t r : s.root_regions) reach_->AddRootRegion({o, r}, "thread-local data of " + path);
  for (uint32_t f : s.table_called_functions) {
    reach_->TakeAddress({o, f}, "Go method table of " + path, /*from_outside=*/false);
  }
  const LoadedObject& loaded = program_.object(o).loaded;
  if (s.entry_function != kNoIndex) {
    if (o == 0 && !library_mode_) reach_->AddRoot({o, s.entry_function}, "entry point of " + path);
    if (loaded.reason == "interpreter") {
      reach_->AddRoot({o, s.entry_function}, "entry point of the loader " + path);
    }
  }
  if (o == 0 && library_mode_) {
    const auto& symbols = loaded.elf->dynamic_symbols();
    for (uint32_t i = 1; i < symbols.size(); ++i) {
      const ElfSymbol& sym = symbols[i];
      if (!sym.IsDefined() || !sym.IsFunction() || sym.binding == STB_LOCAL) continue;
      FunctionRef f{o, s.FunctionAt(sym.value)};
      if (sym.IsIfunc()) {
        reach_->AddIfuncRoot(f, "exported by " + path);
      } else {
        reach_->AddRoot(f, "exported by " + path);
      }
    }
  }
}

FunctionRef StaticAnalysis::FindFunction(uint32_t object, std::string_view name) const {
  uint32_t f = program_.object(object).index->FunctionNamed(name);
  return f == kNoIndex ? FunctionRef{} : FunctionRef{object, f};
}

bool StaticAnalysis::IsCalledOtherThanBy(FunctionRef f,
                                         const std::vector<FunctionRef>& callers) const {
  if (!reach_->IsReached(f)) return false;
  if (callers.empty() || reach_->IsEnteredFromOutside(f) ||
      (reach_->IsAddressTaken(f) && reach_->indirect_calls_reached())) {
    return true;
  }
  for (const ProgramCall& c : program_.CallsTo(f, /*at_entry=*/false)) {
    if (!reach_->IsReached(c.caller)) continue;
    if (std::find(callers.begin(), callers.end(), c.caller) == callers.end()) return true;
  }
  return false;
}

FunctionRef StaticAnalysis::FindRuleFunction(uint32_t object, const RuleFunction& function) const {
  uint32_t f = FindRuleFunctionIn(*program_.object(object).index, function);
  return f == kNoIndex ? FunctionRef{} : FunctionRef{object, f};
}

void StaticAnalysis::ApplySiteRules() {
  for (uint32_t o = 0; o < program_.size(); ++o) {
    std::string_view soname = program_.object(o).loaded.elf->dynamic().soname;
    for (const SiteRule& rule : SiteRules()) {
      if (rule.soname != soname) continue;
      FunctionRef function = FindRuleFunction(o, rule.function);
      if (!function.valid()) continue;
      std::vector<FunctionRef> transparent;
      for (const RuleFunction& caller : rule.transparent_callers) {
        transparent.push_back(FindRuleFunction(o, caller));
        // One that cannot be found: every caller enables.
        if (!transparent.back().valid()) {
          transparent.clear();
          break;
        }
      }
      bool enabled = false;
      for (std::string_view name : rule.enablers) {
        enabled |= IsCalledOtherThanBy(FindFunction(o, name), transparent);
      }
      if (enabled) continue;
      SyscallSet removed;
      for (std::string_view name : rule.syscalls) removed.Insert(*SyscallNumber(name));
      for (ResolvedSite& site : sites_) {
        if (site.function == function && site.kind == SiteKind::kSyscall) site.numbers -= removed;
      }
    }
  }
}

void StaticAnalysis::AddGuards(Reachability& reach, uint32_t first_object,
                               const std::vector<const Reachability*>& earlier) {
  for (uint32_t o = first_object; o < program_.size(); ++o) {
    std::string_view soname = program_.object(o).loaded.elf->dynamic().soname;
    for (const GuardRule& rule : GuardRules()) {
      if (rule.soname != soname || (rule.loader_debug && options_.loader_debug_features)) continue;
      FunctionRef guarded = FindRuleFunction(o, rule.function);
      if (!guarded.valid()) continue;
      std::vector<FunctionRef> enablers;
      bool enabled_before = false;
      for (std::string_view name : rule.enablers) {
        enablers.push_back(FindFunction(o, name));
        for (const Reachability* r : earlier) enabled_before |= r->IsReached(enablers.back());
      }
      if (!enabled_before) reach.AddGuard(guarded, enablers);
    }
  }
}

std::vector<FunctionRef> StaticAnalysis::LoaderCallbacks() const {
  std::vector<FunctionRef> callbacks;
  bool has_loader = false;
  for (uint32_t o = 0; o < program_.size(); ++o) {
    has_loader |= program_.object(o).loaded.reason == "interpreter";
  }
  if (!has_loader) return callbacks;
  for (std::string_view name : kLoaderCallbacks) {
    if (std::optional<SymbolBinding> b = program_.ResolveByName(name)) {
      callbacks.push_back(program_.FunctionOf(*b));
    }
  }
  return callbacks;
}

void StaticAnalysis::AddLoaderCallbacks() {
  for (FunctionRef f : LoaderCallbacks()) {
    reach_->AddRoot(f, fmt::format("{} (called by the loader)", program_.FunctionName(f)));
  }
}

void StaticAnalysis::QueueObject(std::string_view name, const std::string& reason,
                                 const std::string& requester, std::string_view export_prefix,
                                 bool quiet) {
  size_t requester_index = 0;
  for (size_t i = 0; i < load_list_.objects.size(); ++i) {
    if (load_list_.objects[i].path == requester) requester_index = i;
  }
  size_t before = load_list_.objects.size();
  std::optional<size_t> index = resolver_->AddObject(load_list_, name, reason, requester_index);
  // A candidate name that does not resolve, or names an object already loaded, was most
  // likely never a dlopen argument.
  if (quiet && !index) load_list_.warnings.clear();
  for (std::string& w : load_list_.warnings) warnings_.push_back(std::move(w));
  load_list_.warnings.clear();
  if (index && (!quiet || *index >= before)) {
    pending_exports_.push_back({*index, std::string(export_prefix), reason});
  }
}

void StaticAnalysis::IntegrateQueuedObjects() {
  size_t before = program_.size();
  if (load_list_.objects.size() > before) {
    Summarize(before);  // all the new objects at once, in parallel
    reach_->GrowToProgram();
    AddGuards(*reach_, static_cast<uint32_t>(before));
    for (size_t o = before; o < load_list_.objects.size(); ++o) {
      AddObjectRoots(static_cast<uint32_t>(o));
    }
  }
  for (const PendingExports& pending : pending_exports_) {
    TakeExports(*reach_, pending);
    integrated_exports_.push_back(pending);
  }
  pending_exports_.clear();
}

void StaticAnalysis::TakeExports(Reachability& reach, const PendingExports& pending) const {
  // Exported functions of dlopened objects are found with dlsym: their addresses are taken.
  uint32_t object = static_cast<uint32_t>(pending.object);
  const ObjectIndex& index = *program_.object(object).index;
  const auto& symbols = program_.object(object).loaded.elf->dynamic_symbols();
  for (uint32_t i = 1; i < symbols.size(); ++i) {
    const ElfSymbol& sym = symbols[i];
    if (!sym.IsDefined() || !sym.IsFunction() ||
        sym.name.substr(0, pending.prefix.size()) != pending.prefix) {
      continue;
    }
    FunctionRef f{object, index.SymbolFunction(i)};
    if (sym.IsIfunc()) {
      reach.TakeIfuncAddress(f, pending.reason);  // dlsym returns what the resolver picks
    } else {
      reach.TakeAddress(f, pending.reason);
    }
  }
}

bool StaticAnalysis::LoadDynamicObjects() {
  size_t before = program_.size();
  auto handled = [&](const std::string& key) {
    if (std::find(loaded_names_.begin(), loaded_names_.end(), key) != loaded_names_.end())
      return true;
    loaded_names_.push_back(key);
    return false;
  };

  // NSS back-ends for the databases the reached lookups consult.
  std::optional<uint32_t> libc = program_.FindObject("libc.so.6");
  if (libc && !library_mode_) {
    std::string conf_path = options_.nsswitch_path.empty()
                                ? resolver_->UnderSysroot("/etc/nsswitch.conf")
                                : options_.nsswitch_path;
    std::set<std::string_view> databases;
    const ObjectIndex& index = *program_.object(*libc).index;
    const auto& symbols = program_.object(*libc).loaded.elf->dynamic_symbols();
    for (uint32_t i = 1; i < symbols.size(); ++i) {
      const ElfSymbol& sym = symbols[i];
      if (!sym.IsDefined() || !sym.IsFunction()) continue;
      if (!reach_->IsReached({*libc, index.SymbolFunction(i)})) continue;
      std::span<const std::string_view> dbs = NssDatabasesOf(sym.name);
      if (dbs.empty()) continue;
      databases.insert(dbs.begin(), dbs.end());
    }
    if (!databases.empty()) {
      Result<std::string> text = ReadFile(conf_path);
      if (!text.ok() && !handled("nsswitch-warning")) {
        warnings_.push_back(fmt::format("cannot read {}: NSS modules are not added", conf_path));
      }
      std::map<std::string, std::vector<std::string>> conf =
          text.ok() ? ParseNsswitch(*text) : std::map<std::string, std::vector<std::string>>{};
      for (std::string_view db : databases) {
        auto it = conf.find(std::string(db));
        if (it == conf.end()) continue;
        for (const std::string& service : it->second) {
          if (IsBuiltinNssService(service) || handled("nss:" + service)) continue;
          std::string reason = fmt::format("NSS service '{}' for {} ({})", service, db, conf_path);
          QueueObject(NssModuleName(service), reason, program_.ObjectPath(*libc),
                      "_nss_" + service + "_");
        }
      }
    }
  }

  // dlopen() and dlsym() with constant names, and PAM services, in reached code.
  bool taken = false;
  size_t objects = program_.size();
  for (uint32_t o = 0; o < objects; ++o) {
    for (const DlopenCall& call : program_.summary(o).dlopen_calls) {
      FunctionRef caller{o, call.function};
      if (!reach_->IsReached(caller)) continue;
      if (call.kind == NameKind::kSymbol) {
        taken |= TakeDlsymNames(caller, call);
        continue;
      }
      if (call.kind == NameKind::kPamService) {
        std::vector<std::string> services = call.names;
        if (call.unknown_name) {
          // Programs usually name their PAM service after themselves (sshd passes its
          // argv[0] basename); --pam-service names others, "all" takes every service.
          std::vector<std::string> assumed = options_.pam_services;
          if (assumed.empty()) {
            assumed.push_back(std::filesystem::path(program_.ObjectPath(0)).filename().string());
            if (!handled("pam-warning")) {
              warnings_.push_back(fmt::format(
                  "the PAM service {} passes to pam_start is not known statically: assuming "
                  "'{}' (set others with --pam-service)",
                  Describe(caller), assumed.front()));
            }
          }
          for (const std::string& service : assumed) {
            if (service == "all") {
              std::vector<std::string> every = PamServices(options_.resolver.sysroot);
              services.insert(services.end(), every.begin(), every.end());
            } else {
              services.push_back(service);
            }
          }
        }
        for (const std::string& service : services) {
          if (handled("pam:" + service)) continue;
          for (const PamModule& module : PamServiceModules(options_.resolver.sysroot, service)) {
            std::string reason =
                fmt::format("PAM module of service '{}' ({})", service, module.config_file);
            if (handled("pam-module:" + module.path)) continue;
            QueueObject(module.path, reason, program_.ObjectPath(o), "pam_sm_");
          }
        }
        continue;
      }
      for (const std::string& name : call.names) {
        if (handled("dlopen:" + name)) continue;
        std::string reason = fmt::format("dlopen(\"{}\") in {}", name, Describe(caller));
        QueueObject(name, reason, program_.ObjectPath(o), "");
      }
      if (call.unknown_name &&
          !handled(fmt::format("unknown-dlopen:{}:{}", o,
                               program_.summary(o).calls[call.call_site].address))) {
        ++stats_.unknown_dlopen_calls;
      }
    }
    // Where dlopen's name is not known statically (or libc's dlopen helper is not recognised
    // at all, without libc's symbols), the library names its reachable code refers to are the
    // candidates.
    const ObjectSummary& s = program_.summary(o);
    // (libc's own helper, __libc_dlopen_mode, has a name only with libc's symbols.)
    bool unknown_names =
        std::none_of(s.dlopen_calls.begin(), s.dlopen_calls.end(),
                     [](const DlopenCall& call) { return call.kind == NameKind::kLibrary; }) &&
        program_.object(o).loaded.elf->dynamic().soname == "libc.so.6";
    for (const DlopenCall& call : s.dlopen_calls) {
      unknown_names |= call.unknown_name && call.kind == NameKind::kLibrary &&
                       reach_->IsReached({o, call.function});
    }
    if (!unknown_names) continue;
    for (const LibraryString& library : s.library_strings) {
      FunctionRef user{o, library.function};
      if (!reach_->IsReached(user) || handled("dlopen:" + library.name)) continue;
      std::string reason = fmt::format("library name \"{}\" in {}, which may reach dlopen",
                                       library.name, Describe(user));
      QueueObject(library.name, reason, program_.ObjectPath(o), "", /*quiet=*/true);
    }
  }
  bool added = load_list_.objects.size() > before;
  IntegrateQueuedObjects();
  return added || taken;
}

bool StaticAnalysis::TakeDlsymNames(FunctionRef caller, const DlopenCall& call) {
  uint64_t site = program_.summary(caller.object).calls[call.call_site].address;
  if (call.unknown_name &&
      handled_dlsym_.insert(fmt::format("unknown:{}:{}", caller.object, site)).second) {
    ++stats_.unknown_dlsym_calls;
  }
  bool taken = false;
  for (const std::string& name : call.names) {
    for (const SymbolBinding& b : DlsymDefinitions(name, call.scope, caller.object)) {
      if (!handled_dlsym_.insert(fmt::format("{}:{}:{}", name, b.object, b.symbol)).second)
        continue;
      DlsymTake take{b, fmt::format("dlsym(\"{}\") in {}", name, Describe(caller))};
      TakeDlsymResult(*reach_, take);
      dlsym_takes_.push_back(std::move(take));
      taken = true;
    }
  }
  return taken;
}

std::vector<SymbolBinding> StaticAnalysis::DlsymDefinitions(std::string_view name,
                                                            SymbolScope scope,
                                                            uint32_t caller) const {
  // The loader's global scope is the objects loaded with the program; objects dlopen loads
  // later may join it (RTLD_GLOBAL), so each of them may supply the name too.
  std::vector<SymbolBinding> found;
  bool first_in_scope = false;
  for (uint32_t o = 0; o < program_.size(); ++o) {
    std::optional<SymbolBinding> b = program_.DefinitionIn(o, name);
    if (!b) continue;
    bool at_load = program_.object(o).loaded.LoadedWithProgram();
    if (at_load && scope == SymbolScope::kNext && o <= caller) continue;
    if (at_load && scope != SymbolScope::kAnyObject) {
      if (first_in_scope) continue;  // the lookup stops at the first definition
      first_in_scope = true;
    }
    found.push_back(*b);
  }
  return found;
}

void StaticAnalysis::TakeDlsymResult(Reachability& reach, const DlsymTake& take) const {
  const SymbolBinding& b = take.binding;
  if (b.is_ifunc) {
    // dlsym runs the resolver and returns what it picks.
    reach.TakeIfuncAddress(program_.FunctionOf(b), take.reason);
  } else if (FunctionRef f = program_.FunctionOf(b); f.valid()) {
    reach.TakeAddress(f, take.reason);
  } else {
    reach.AddRootRegion(program_.RegionOf(b), take.reason);
  }
}

void StaticAnalysis::BuildProfile() {
  Profile& p = profile_;
  p.kind = ProfileKind::kStatic;
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(program_.ObjectPath(0), error);
  p.target = error ? program_.ObjectPath(0) : absolute.lexically_normal().string();

  std::sort(sites_.begin(), sites_.end(), [](const ResolvedSite& a, const ResolvedSite& b) {
    return std::make_pair(a.function.object, a.address) <
           std::make_pair(b.function.object, b.address);
  });
  auto add_evidence = [&](int number, CodeLocation location) {
    std::vector<CodeLocation>& list = p.evidence[number];
    if (list.size() < options_.evidence_limit) list.push_back(std::move(location));
  };
  for (const ResolvedSite& site : sites_) {
    const std::string& image = program_.ObjectPath(site.function.object);
    CodeLocation location{image, program_.FunctionName(site.function), site.address};
    ++stats_.reached_sites;
    if (site.kind == SiteKind::kSyscall) {
      p.syscalls |= site.numbers;
      p.images[image] |= site.numbers;
      for (int n : site.numbers) add_evidence(n, location);
    } else {
      for (int n : site.numbers) {
        std::string_view name = I386SyscallName(n);
        p.compat_i386[name.empty() ? fmt::format("syscall_{}", n) : std::string(name)] = 1;
      }
    }
    if (site.unresolved) p.unresolved.push_back({location, site.reason});
  }
  // vDSO time functions fall back to their syscalls.
  for (const VdsoUse& use : VdsoFallbacks(*reach_)) {
    const std::string& image = program_.ObjectPath(use.object);
    p.syscalls.Insert(use.number);
    p.images[image].Insert(use.number);
    add_evidence(use.number,
                 {image, std::string(use.symbol->name) + " (vDSO fallback)", use.symbol->value});
  }
  // Calls the kernel makes on the program's behalf.
  int restart = *SyscallNumber("restart_syscall");
  p.syscalls.Insert(restart);
  add_evidence(restart, {"[kernel]", "restart after a signal interrupts a sleeping call", 0});
  if (p.syscalls.Contains("rt_sigaction") || signal_handlers_before_) {
    int sigreturn = *SyscallNumber("rt_sigreturn");
    p.syscalls.Insert(sigreturn);
    add_evidence(sigreturn, {"[kernel]", "return from a signal handler", 0});
  }
  if (!p.unresolved.empty() && options_.unresolved == UnresolvedPolicy::kAll) {
    p.syscalls |= SyscallSet::All();
  }
  // Argument values: a call of the table that no site issues (every call, with
  // --unresolved=all) takes any value.
  p.args = SiteArgumentValues(sites_);
  RestrictArguments(p.args, p.syscalls);
  for (uint32_t o = 0; o < program_.size(); ++o) {
    const LoadedObject& loaded = program_.object(o).loaded;
    if (loaded.reason != "program" && loaded.reason != "DT_NEEDED" &&
        loaded.reason != "interpreter") {
      p.added_objects.push_back({loaded.path, loaded.reason});
    }
  }
  stats_.unresolved_sites = p.unresolved.size();
  stats_.reached_functions = reach_->reached().size();
  if (!p.unresolved.empty()) {
    warnings_.push_back(fmt::format(
        "{} reachable syscall site{} with a number not determined statically (listed under "
        "'unresolved'; --unresolved=all allows every syscall instead)",
        p.unresolved.size(), p.unresolved.size() == 1 ? "" : "s"));
  }
  if (stats_.unknown_dlsym_calls > 0) {
    warnings_.push_back(fmt::format(
        "{} reachable dlsym call{} with a symbol name not known statically (a function "
        "found that way is followed only when its library is loaded at run time: add it "
        "with --dlopen)",
        stats_.unknown_dlsym_calls, stats_.unknown_dlsym_calls == 1 ? "" : "s"));
  }
  if (stats_.unknown_dlopen_calls > 0) {
    warnings_.push_back(fmt::format(
        "{} reachable dlopen call{} with a library name not known statically (add libraries "
        "with --dlopen)",
        stats_.unknown_dlopen_calls, stats_.unknown_dlopen_calls == 1 ? "" : "s"));
  }
}

std::vector<StaticAnalysis::VdsoUse> StaticAnalysis::VdsoFallbacks(
    const Reachability& reach) const {
  std::vector<VdsoUse> uses;
  for (uint32_t o = 0; o < program_.size(); ++o) {
    const ObjectIndex& index = *program_.object(o).index;
    const auto& symbols = program_.object(o).loaded.elf->dynamic_symbols();
    for (uint32_t i = 1; i < symbols.size(); ++i) {
      const ElfSymbol& sym = symbols[i];
      if (!sym.IsDefined() || !sym.IsFunction()) continue;
      for (const VdsoFunction& v : kVdsoFunctions) {
        if (sym.name != v.name) continue;
        FunctionRef f{o, index.SymbolFunction(i)};
        // An IFUNC's resolver runs whenever the loader binds it; the function is used when
        // an implementation it picks from is reached.
        bool used = reach.IsReached(f);
        if (sym.IsIfunc()) {
          std::vector<FunctionRef> picks = reach.IfuncCandidates(f);
          used = std::any_of(picks.begin(), picks.end(),
                             [&](FunctionRef c) { return reach.IsReached(c); });
        }
        if (used) uses.push_back({o, &sym, *SyscallNumber(v.syscall)});
      }
    }
  }
  return uses;
}

Result<std::unique_ptr<StaticAnalysis>> StaticAnalysis::Run(const std::string& path,
                                                            const StaticOptions& options) {
  std::unique_ptr<StaticAnalysis> analysis(new StaticAnalysis());
  analysis->options_ = options;
  for (const std::string& directory : options.debug_directories) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
      return MakeError("--debug-dir {}: not a directory", directory);
    }
  }
  Result<std::optional<ScriptChain>> script =
      FollowShebang(path, ShebangOptions{options.resolver.sysroot, options.search_path});
  if (!script.ok()) return script.error();
  std::string program = path;
  if (*script) {
    // Named as the kernel will show the process's image (/proc/PID/exe: symlinks resolved);
    // under a sysroot the chain's paths are resolved inside it already.
    program = CanonicalPath(options.resolver.sysroot, (*script)->programs.back());
  }
  Status loaded = analysis->Load(program);
  if (!loaded.ok()) return loaded.error();
  analysis->Summarize(0);
  auto link_start = std::chrono::steady_clock::now();
  double summarize_before = analysis->stats_.summarize_seconds;
  analysis->reach_ = std::make_unique<Reachability>(analysis->program_);
  analysis->AddGuards(*analysis->reach_, 0);
  for (uint32_t o = 0; o < analysis->program_.size(); ++o) analysis->AddObjectRoots(o);
  analysis->AddLoaderCallbacks();
  for (const std::string& argument : options.dlopen) {
    Result<std::vector<std::string>> names = ExpandDlopenArgument(argument);
    if (!names.ok()) return names.error();
    for (const std::string& name : *names) analysis->QueueObject(name, "--dlopen", path, "");
  }
  analysis->IntegrateQueuedObjects();
  do {
    analysis->reach_->Run();
  } while (analysis->LoadDynamicObjects());
  analysis->sites_ = ResolveSyscallSites(analysis->program_, *analysis->reach_);
  analysis->ApplySiteRules();
  if (!options.from.empty()) {
    Status restricted = analysis->RestrictToFunction(options.from);
    if (!restricted.ok()) return restricted.error();
  }
  if (options.argument_values) {
    ResolveSiteArguments(analysis->program_, *analysis->reach_, analysis->sites_);
  }
  analysis->BuildProfile();
  if (options.phases) {
    Status phases = analysis->ComputePhases();
    if (!phases.ok()) return phases.error();
  }
  if (*script) {
    Status added = analysis->AddScript(path, **script);
    if (!added.ok()) return added.error();
  }
  // Objects loaded on the way (dlopen, NSS, PAM) were summarised inside this phase.
  analysis->stats_.link_seconds =
      Seconds(link_start) - (analysis->stats_.summarize_seconds - summarize_before);
  return analysis;
}

Status StaticAnalysis::AddScript(const std::string& path, const ScriptChain& chain) {
  Profile& p = profile_;
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  p.target = error ? path : absolute.lexically_normal().string();
  ScriptInfo info;
  info.line = chain.line;
  for (const std::string& program : chain.programs) {
    info.programs.push_back(CanonicalPath(options_.resolver.sysroot, program));
  }
  warnings_.push_back(fmt::format("{} is a script ('#!{}'): analysing {}", path, chain.line,
                                  fmt::join(info.programs, " then ")));
  // The programs before the last (env) run in the same process first: their calls are the
  // start-up of the script's. `--from` names a function of the last one only.
  if (!options_.from.empty()) {
    p.script = std::move(info);
    return Ok{};
  }
  StaticOptions first_options = options_;
  first_options.phases = false;
  for (size_t i = 0; i + 1 < chain.programs.size(); ++i) {
    Result<std::unique_ptr<StaticAnalysis>> first = Run(chain.programs[i], first_options);
    if (!first.ok()) return first.error();
    const Profile& q = (*first)->profile();
    p.args = UnionArguments(p.args, p.syscalls, q.args, q.syscalls);
    p.syscalls |= q.syscalls;
    for (const auto& [image, set] : q.images) p.images[image] |= set;
    for (const auto& [number, sites] : q.evidence) {
      std::vector<CodeLocation>& list = p.evidence[number];
      for (const CodeLocation& site : sites) {
        if (list.size() < options_.evidence_limit) list.push_back(site);
      }
    }
    p.unresolved.insert(p.unresolved.end(), q.unresolved.begin(), q.unresolved.end());
    p.added_objects.insert(p.added_objects.end(), q.added_objects.begin(), q.added_objects.end());
    for (Phase& phase : p.phases) {
      if (phase.name == "startup") phase.syscalls |= q.syscalls;
    }
    for (const std::string& w : (*first)->warnings()) warnings_.push_back(w);
  }
  p.script = std::move(info);
  return Ok{};
}

}  // namespace sysfence
