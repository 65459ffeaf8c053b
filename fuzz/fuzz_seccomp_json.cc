// Fuzz target: the OCI/Docker seccomp importer must reject or accept any bytes without
// crashing, and a profile it accepts must write out as profile JSON that reads back.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "filter/seccomp_json_import.h"
#include "profile/profile_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sysfence::Result<sysfence::ImportedSeccomp> imported = sysfence::ImportSeccompJson(text, "fuzz");
  if (!imported.ok()) return 0;
  std::string written = sysfence::ProfileToJsonText(imported->profile);
  if (!sysfence::ProfileFromJsonText(written, "fuzz").ok()) abort();
  return 0;
}
