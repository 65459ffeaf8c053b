// Reading a live process for the phase triggers (see live_tracee_inspector.h).
#include "ptrace/live_tracee_inspector.h"

#include "ptrace/tracee_fds.h"
#include "ptrace/tracee_memory.h"

namespace sysfence {

FdKind ClassifyFdTarget(std::string_view target) {
  if (target.starts_with("socket:")) return FdKind::kSocket;
  if (target.starts_with("pipe:")) return FdKind::kPipe;
  if (target.starts_with("/dev/pts/") || target.starts_with("/dev/tty") ||
      target == "/dev/console" || target.starts_with("/dev/ptmx")) {
    return FdKind::kTty;
  }
  if (target.starts_with("/")) return FdKind::kFile;
  return FdKind::kOther;
}

std::optional<std::string> LiveTraceeInspector::ReadString(int pid, uint64_t address) {
  Result<std::string> text = ReadTraceeString(pid, address);
  if (!text.ok()) return std::nullopt;
  return *text;
}

FdKind LiveTraceeInspector::KindOfFd(int pid, int fd) {
  Result<std::string> target = TraceeFdTarget(pid, fd);
  return target.ok() ? ClassifyFdTarget(*target) : FdKind::kUnknown;
}

}  // namespace sysfence
