// The restart with huge-page malloc (see huge_page_malloc.h). The user's GLIBC_TUNABLES is
// carried across the exec in SYSFENCE_RESTARTED: "-" when it was unset, else "=" and its value.
#include "base/huge_page_malloc.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace sysfence {
namespace {

constexpr char kTunables[] = "GLIBC_TUNABLES";
constexpr char kRestarted[] = "SYSFENCE_RESTARTED";
constexpr std::string_view kHugePages = "glibc.malloc.hugetlb=1";

// Puts GLIBC_TUNABLES back as `saved` (the kRestarted form) says.
void RestoreTunables(std::string_view saved) {
  if (saved.empty() || saved[0] != '=') {
    unsetenv(kTunables);
  } else {
    setenv(kTunables, std::string(saved.substr(1)).c_str(), 1);
  }
  unsetenv(kRestarted);
}

}  // namespace

std::optional<std::string> TunablesWithHugePages(const char* current) {
  if (current == nullptr || *current == '\0') return std::string(kHugePages);
  std::string_view value(current);
  if (value.find("glibc.malloc.hugetlb") != std::string_view::npos) return std::nullopt;
  return std::string(value) + ":" + std::string(kHugePages);
}

void RestartWithHugePageMalloc(char** argv) {
  if (const char* saved = getenv(kRestarted)) {
    RestoreTunables(saved);
    return;
  }
  const char* current = getenv(kTunables);
  std::optional<std::string> tunables = TunablesWithHugePages(current);
  if (!tunables) return;
  std::string saved = current == nullptr ? "-" : "=" + std::string(current);
  setenv(kRestarted, saved.c_str(), 1);
  setenv(kTunables, tunables->c_str(), 1);
  execv("/proc/self/exe", argv);
  RestoreTunables(saved);  // the exec failed: go on as we are
}

}  // namespace sysfence
