// Fuzz target: the strace-log importer: any bytes must import without crashing, hanging
// or tripping a sanitizer, and any profile it makes must survive a JSON round trip (the
// strict reader rejects what the importer must never produce, e.g. unknown i386 names).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "profile/profile_json.h"
#include "strace/strace_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sysfence::StraceImportReport report;
  sysfence::Result<sysfence::Profile> profile =
      sysfence::ImportStraceText(text, "fuzz.log", &report);
  if (!profile.ok()) return 0;
  std::string json = sysfence::ProfileToJsonText(*profile);
  sysfence::Result<sysfence::Profile> back = sysfence::ProfileFromJsonText(json, "fuzz.json");
  if (!back.ok()) {
    std::fprintf(stderr, "round trip failed: %s\n", back.error().message().c_str());
    std::abort();
  }
  return 0;
}
