// Argument parsing for every verb, and the mapping of parse errors to exit code 2.
#include "cli/cli.h"

#include <unistd.h>

#include <cstdio>

#include "base/huge_page_malloc.h"

namespace sysfence::cli {

Result<std::string> SysfenceExecutable() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return Error("cannot find the sysfence executable (/proc/self/exe)");
  return std::string(self, static_cast<size_t>(n));
}

int ReportError(const Error& error) {
  fmt::print(stderr, "sysfence: {}\n", error.message());
  return kExitFailure;
}

void Warn(std::string_view message) { fmt::print(stderr, "sysfence: warning: {}\n", message); }

int RunCli(int argc, char** argv) {
  CLI::App app{
      "sysfence: find the system calls a program needs and turn them into a seccomp sandbox.",
      "sysfence"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sysfence 0.1.0");
  app.footer(
      "Run 'sysfence VERB --help' for the options of a verb. Exit status: the traced "
      "program's for trace and run, 2 for sysfence's own errors.");

  VerbAction action;
  RegisterNamesVerbs(app, action);
  RegisterMergeVerb(app, action);
  RegisterCompareVerb(app, action);
  RegisterTraceVerb(app, action);
  RegisterStudyVerb(app, action);
  RegisterExploreVerb(app, action);
  RegisterPhasesVerb(app, action);
  RegisterImportStraceVerb(app, action);
  RegisterMarkVerb(app, action);
  RegisterFilterVerb(app, action);
  RegisterImportSeccompVerb(app, action);
  RegisterRunVerb(app, action);
  RegisterStaticVerb(app, action);
  RegisterScanVerb(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitFailure;
  }
  if (!action) return ReportError(Error("no verb given (see sysfence --help)"));
  // The analyses allocate and drop large tables: on huge pages (see huge_page_malloc.h).
  if (app.got_subcommand("static") || app.got_subcommand("scan")) RestartWithHugePageMalloc(argv);
  return action();
}

}  // namespace sysfence::cli
