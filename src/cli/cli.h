// The sysfence command line: one file per verb (verb_*.cc), each registering a CLI11
// subcommand whose callback calls the library. Only this layer turns Errors into messages
// on stderr and exit codes.
//
//   int main(int argc, char** argv) { return sysfence::cli::RunCli(argc, argv); }
#ifndef SYSFENCE_CLI_CLI_H_
#define SYSFENCE_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <functional>

#include "base/result.h"

namespace sysfence::cli {

// Exit code of sysfence's own failures (bad arguments, unreadable input, ...).
inline constexpr int kExitFailure = 2;

// What the chosen verb does once the arguments are parsed; returns the exit code.
using VerbAction = std::function<int()>;

// Each verb adds its subcommand to `app` and, when chosen, sets `action`.
void RegisterNamesVerbs(CLI::App& app, VerbAction& action);  // names, numbers
void RegisterMergeVerb(CLI::App& app, VerbAction& action);
void RegisterCompareVerb(CLI::App& app, VerbAction& action);
void RegisterTraceVerb(CLI::App& app, VerbAction& action);
void RegisterStudyVerb(CLI::App& app, VerbAction& action);
void RegisterExploreVerb(CLI::App& app, VerbAction& action);
void RegisterPhasesVerb(CLI::App& app, VerbAction& action);
void RegisterImportStraceVerb(CLI::App& app, VerbAction& action);
void RegisterMarkVerb(CLI::App& app, VerbAction& action);
void RegisterFilterVerb(CLI::App& app, VerbAction& action);
void RegisterImportSeccompVerb(CLI::App& app, VerbAction& action);
void RegisterRunVerb(CLI::App& app, VerbAction& action);
void RegisterStaticVerb(CLI::App& app, VerbAction& action);
void RegisterScanVerb(CLI::App& app, VerbAction& action);

// The running sysfence executable (/proc/self/exe), for the verbs that run it as a child.
Result<std::string> SysfenceExecutable();

// Prints "sysfence: <message>" on stderr and returns kExitFailure.
int ReportError(const Error& error);
// Prints a warning ("sysfence: warning: ...") on stderr.
void Warn(std::string_view message);

int RunCli(int argc, char** argv);

}  // namespace sysfence::cli

#endif  // SYSFENCE_CLI_CLI_H_
