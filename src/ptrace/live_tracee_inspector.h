// What phase triggers read from a live process (phases/phase_trigger.h's TraceeInspector):
// its memory through process_vm_readv and what its descriptors are from /proc/PID/fd. The
// recorder's phase observer (`sysfence trace --phase`) and the supervisor of `sysfence run
// --phased` both read through it, while the process is stopped at the call.
//
//   LiveTraceeInspector inspector;
//   std::optional<std::string> path = inspector.ReadString(pid, args[1]);   // openat's path
//   FdKind kind = inspector.KindOfFd(pid, 3);                                // kSocket, ...
#ifndef SYSFENCE_PTRACE_LIVE_TRACEE_INSPECTOR_H_
#define SYSFENCE_PTRACE_LIVE_TRACEE_INSPECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "phases/phase_trigger.h"

namespace sysfence {

class LiveTraceeInspector : public TraceeInspector {
 public:
  std::optional<std::string> ReadString(int pid, uint64_t address) override;
  FdKind KindOfFd(int pid, int fd) override;
};

// What /proc/PID/fd/N says a descriptor is ("socket:[123]" is kSocket, "/dev/pts/0" kTty...).
FdKind ClassifyFdTarget(std::string_view target);

}  // namespace sysfence

#endif  // SYSFENCE_PTRACE_LIVE_TRACEE_INSPECTOR_H_
