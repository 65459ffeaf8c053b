// Fields of /proc/PID/status, for the few places that need a process's lineage, tracer or
// credentials (never on a per-call path):
//
//   Result<std::string> text = ReadFile("/proc/42/status");
//   StatusField(*text, "TracerPid");         // "0"
//   StatusNumbers(*text, "Uid");             // {real, effective, saved, filesystem}
//   ProcessLineage lineage = ReadLineage(42);  // its Tgid and PPid
#ifndef SYSFENCE_BASE_PROC_STATUS_H_
#define SYSFENCE_BASE_PROC_STATUS_H_

#include <sys/types.h>

#include <string_view>
#include <vector>

namespace sysfence {

// The text after "KEY:" and its blanks on the line of `key`, or "" when there is none.
std::string_view StatusField(std::string_view status, std::string_view key);

// The numbers of a field, in `base` (16 for the Cap* masks); empty when there is none.
std::vector<long long> StatusNumbers(std::string_view status, std::string_view key, int base = 10);

struct ProcessLineage {
  pid_t tgid = 0;  // the thread group (process) the thread belongs to
  pid_t ppid = 0;  // its parent process
};

// Tgid and PPid of a thread; zeros when /proc does not have it (gone, or no /proc).
ProcessLineage ReadLineage(pid_t pid);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_PROC_STATUS_H_
