// Fuzz target: the --phase NAME=TRIGGER parser; an accepted spec must format back to a spec
// that parses to the same text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "phases/phase_trigger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sysfence::Result<sysfence::PhaseSpec> spec = sysfence::ParsePhaseSpec(text);
  if (!spec.ok()) return 0;
  std::string formatted = sysfence::FormatPhaseSpec(*spec);
  sysfence::Result<sysfence::PhaseSpec> again = sysfence::ParsePhaseSpec(formatted);
  if (!again.ok() || sysfence::FormatPhaseSpec(*again) != formatted) abort();
  (void)sysfence::GlobMatch(spec->trigger.pattern, text);
  return 0;
}
