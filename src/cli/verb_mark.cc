// `sysfence mark NAME [--to ADDRESS]`: switches a running trace to phase NAME by hand, as the
// poster's study did by stopping SSH "before login, after login, after using the connection".
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "record/control_socket.h"

namespace sysfence::cli {
namespace {

struct MarkOptions {
  std::string phase;
  std::string address;
};

int RunMark(const MarkOptions& options) {
  std::string address = options.address;
  if (address.empty()) {
    const char* inherited = getenv(kControlEnvironment);
    if (inherited == nullptr || inherited[0] == '\0') {
      return ReportError(Error("no trace to mark: give --to ADDRESS (sysfence trace prints it) "
                               "or run this under the trace, where SYSFENCE_CONTROL is set"));
    }
    address = inherited;
  }
  Status sent = SendMark(address, options.phase);
  if (!sent.ok()) return ReportError(sent.error());
  return 0;
}

}  // namespace

void RegisterMarkVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<MarkOptions>();
  CLI::App* verb = app.add_subcommand(
      "mark", "Switch a running 'sysfence trace' to a later phase by hand.");
  verb->add_option("PHASE", options->phase, "The phase to enter (given with --phase NAME=...)")
      ->required();
  verb->add_option("--to", options->address,
                   "The trace's control socket (default: $SYSFENCE_CONTROL)");
  verb->callback([options, &action] { action = [options] { return RunMark(*options); }; });
}

}  // namespace sysfence::cli
