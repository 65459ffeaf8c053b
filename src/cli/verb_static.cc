// `sysfence static [-o FILE] [--explain SYSCALL] [--phases | --from FUNCTION] BINARY`: every
// syscall the program and its libraries can reach, as a "static" profile
// (src/analysis/static_analysis.h), optionally split into phases or cut to one function's.
#include <memory>
#include <string>
#include <vector>

#include "analysis/static_analysis.h"
#include "cli/cli.h"
#include "profile/profile_json.h"
#include "syscalls/syscall_table.h"

namespace sysfence::cli {
namespace {

struct StaticVerbOptions {
  std::string output;
  std::string explain;
  std::string explain_function;
  std::string binary;
  std::string unresolved = "report";
  bool no_cache = false;
  bool no_args = false;
  bool no_debug_info = false;
  bool as_library = false;
  bool as_program = false;
  bool stats = false;
  StaticOptions analysis;
};

int RunStatic(StaticVerbOptions& options) {
  std::optional<int> explain_number;
  if (!options.explain.empty()) {
    explain_number = ParseSyscallName(options.explain);
    if (!explain_number) return ReportError(MakeError("unknown syscall '{}'", options.explain));
  }
  options.analysis.use_cache = !options.no_cache;
  options.analysis.argument_values = !options.no_args;
  options.analysis.use_debug_files = !options.no_debug_info;
  options.analysis.unresolved =
      options.unresolved == "all" ? UnresolvedPolicy::kAll : UnresolvedPolicy::kReport;
  if (options.as_library) options.analysis.as_library = true;
  if (options.as_program) options.analysis.as_library = false;

  Result<std::unique_ptr<StaticAnalysis>> analysis =
      StaticAnalysis::Run(options.binary, options.analysis);
  if (!analysis.ok()) return ReportError(analysis.error());
  for (const std::string& warning : (*analysis)->warnings()) Warn(warning);
  if (options.stats) {
    const StaticStats& s = (*analysis)->stats();
    fmt::print(stderr,
               "sysfence: {} syscalls; {} objects ({} from the cache, {} with debug symbols), "
               "{} functions, {} reached; {} syscall sites, {} reached, {} unresolved; "
               "summaries {:.3f} s, linking and reachability {:.3f} s\n",
               (*analysis)->profile().syscalls.Size(), s.objects, s.objects_from_cache,
               s.objects_with_debug_symbols, s.functions, s.reached_functions, s.syscall_sites,
               s.reached_sites, s.unresolved_sites, s.summarize_seconds, s.link_seconds);
    for (const auto& [path, seconds] : s.object_seconds) {
      if (seconds > 0) fmt::print(stderr, "sysfence:   {:.3f} s {}\n", seconds, path);
    }
    for (const auto& [path, version] : s.go_objects) {
      fmt::print(stderr, "sysfence:   {} built by Go ({})\n", path, version);
    }
  }
  bool explaining = explain_number || !options.explain_function.empty();
  if (!options.output.empty() || !explaining) {
    Status written = WriteProfileFile(options.output, (*analysis)->profile());
    if (!written.ok()) return ReportError(written.error());
  }
  if (explain_number) {
    Result<std::string> path = (*analysis)->Explain(*explain_number);
    if (!path.ok()) return ReportError(path.error());
    fmt::print("{}", *path);
  }
  if (!options.explain_function.empty()) {
    Result<std::string> path = (*analysis)->ExplainFunction(options.explain_function);
    if (!path.ok()) return ReportError(path.error());
    fmt::print("{}", *path);
  }
  return 0;
}

}  // namespace

void RegisterStaticVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<StaticVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "static",
      "Find every syscall a program and its libraries (and the loader) can reach, by static "
      "analysis; writes a profile of kind 'static'.");
  verb->add_option("-o,--output", options->output, "Write the profile here (default: stdout)");
  verb->add_option("--explain", options->explain,
                   "Print one call path from a root to a site issuing this syscall (name or "
                   "number-like 'syscall_N'); with -o the profile is written too");
  verb->add_option("--explain-function", options->explain_function,
                   "Print one call path from a root to the function of this symbol name");
  verb->add_option("--library-path", options->analysis.resolver.library_paths,
                   "Search this directory for libraries before DT_RUNPATH and the cache, as "
                   "LD_LIBRARY_PATH would (repeatable)")
      ->allow_extra_args(false);
  verb->add_option("--sysroot", options->analysis.resolver.sysroot,
                   "Resolve libraries, ld.so.cache and nsswitch.conf under this directory "
                   "(its links followed inside it)");
  verb->add_option("--dlopen", options->analysis.dlopen,
                   "A library the program loads at run time (name or path), every shared "
                   "object under a directory, or those a glob matches ('.../lib-dynload/*.so'); "
                   "repeatable; all their exported functions count as reachable")
      ->allow_extra_args(false);
  verb->add_option("--unresolved", options->unresolved,
                   "What to do with syscall sites whose number is not known statically: "
                   "'report' them (default) or allow 'all' syscalls")
      ->check(CLI::IsMember({"report", "all"}));
  verb->add_flag("--no-args", options->no_args,
                 "Do not look for argument values: the profile allows any value of every "
                 "argument (format version 1)");
  verb->add_flag("--no-cache", options->no_cache,
                 "Do not read or write the per-library analysis cache");
  verb->add_option("--cache-dir", options->analysis.cache_directory,
                   "Cache directory (default: $XDG_CACHE_HOME/sysfence)");
  verb->add_flag("--no-debug-info", options->no_debug_info,
                 "Ignore separate debug files (found by build id in --debug-dir, "
                 "/usr/lib/debug and the debuginfod client's cache)");
  verb->add_option("--debug-dir", options->analysis.debug_directories,
                   "A directory of separate debug files laid out like /usr/lib/debug "
                   "(DIR/.build-id/xx/yyyy.debug), searched first; repeatable. The build id must "
                   "match, so the host's debug files serve a container's identical libraries")
      ->allow_extra_args(false);
  verb->add_flag("--as-library", options->as_library,
                 "Treat BINARY as a shared library: every exported function is a root");
  verb->add_flag("--as-program", options->as_program,
                 "Treat BINARY as a program even if it looks like a shared library");
  verb->add_option("--pam-service", options->analysis.pam_services,
                   "PAM service whose modules the program loads when its pam_start name is not "
                   "a constant (default: the program's file name; 'all': every service; "
                   "repeatable)")
      ->allow_extra_args(false);
  verb->add_flag("--loader-debug-features", options->analysis.loader_debug_features,
                 "Include what the loader does under LD_PROFILE, LD_SHOW_AUXV and "
                 "--list-diagnostics (left out by default)");
  CLI::Option* phases = verb->add_flag(
      "--phases", options->analysis.phases,
      "Also split the set into the phases 'startup' (loader, constructors, up to main), "
      "'main' (reachable from main) and 'exit' (exit(), atexit handlers, destructors)");
  verb->add_option("--from", options->analysis.from,
                   "Only what is reachable from this function onwards: SYMBOL (in the program "
                   "or any loaded object), OBJECT:SYMBOL, or 0xADDRESS of a function in the "
                   "program")
      ->excludes(phases);
  verb->add_flag("--stats", options->stats,
                 "Print counts and timings (per analysed object) on stderr");
  verb->add_option("--threads", options->analysis.threads,
                   "Threads that analyse libraries (default: up to 2)");
  verb->add_option("--nsswitch", options->analysis.nsswitch_path,
                   "NSS configuration to read (default: /etc/nsswitch.conf)");
  verb->add_option("--path", options->analysis.search_path,
                   "PATH in which a script's '#!/usr/bin/env NAME' finds NAME (default: "
                   "sysfence's own PATH)");
  verb->add_option("BINARY", options->binary,
                   "The program (or library) to analyse; for a script ('#!'), the programs its "
                   "'#!' line runs")
      ->required();
  verb->footer(
      "The profile's 'evidence' lists at most 8 sites per syscall; 'images' maps every object "
      "to the syscalls issued by its code. Exit status 2 when BINARY cannot be analysed.");
  verb->callback([options, &action] { action = [options] { return RunStatic(*options); }; });
}

}  // namespace sysfence::cli
