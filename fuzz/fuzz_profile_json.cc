// Fuzz target: the profile JSON reader must reject or accept any bytes without crashing, and
// whatever it accepts must write back to JSON that reads to the same profile.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "profile/profile_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sysfence::Result<sysfence::Profile> profile = sysfence::ProfileFromJsonText(text, "fuzz");
  if (!profile.ok()) return 0;
  std::string written = sysfence::ProfileToJsonText(*profile);
  sysfence::Result<sysfence::Profile> again = sysfence::ProfileFromJsonText(written, "fuzz");
  if (!again.ok() || sysfence::ProfileToJsonText(*again) != written) abort();
  return 0;
}
