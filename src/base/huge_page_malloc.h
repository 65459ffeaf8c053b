// Restarts the process once with glibc's malloc backing its heap with transparent huge pages
// (the tunable glibc.malloc.hugetlb=1). The analyses of `static` and `scan` build and drop
// hundreds of megabytes of tables; on 4 KiB pages a tenth of their time went to page faults
// (measured in docs/PERFORMANCE.md). Tunables are read only when a process starts, hence the
// restart; programs the process runs later (dpkg -S) get the environment the user gave.
//
//   RestartWithHugePageMalloc(argv);  // first thing: returns only when no restart happened
#ifndef SYSFENCE_BASE_HUGE_PAGE_MALLOC_H_
#define SYSFENCE_BASE_HUGE_PAGE_MALLOC_H_

#include <optional>
#include <string>

namespace sysfence {

// GLIBC_TUNABLES with huge pages asked for, given its current value (null: unset); nullopt
// when the user already chose a glibc.malloc.hugetlb setting.
std::optional<std::string> TunablesWithHugePages(const char* current);

// Re-executes /proc/self/exe with `argv` and the tunable, unless this process is that restart
// (then it puts the user's GLIBC_TUNABLES back) or the user set the tunable. When the exec
// fails, the process goes on as it is.
void RestartWithHugePageMalloc(char** argv);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_HUGE_PAGE_MALLOC_H_
