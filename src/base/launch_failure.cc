// Reading a launcher child's failure report (see launch_failure.h). The record comes from a
// process that may have been replaced by anything, so the stage is checked, not trusted.
#include "base/launch_failure.h"

#include <unistd.h>

#include <cerrno>

namespace sysfence {

std::optional<LaunchFailure> ReadLaunchFailure(int fd) {
  LaunchFailure failure;
  ssize_t got;
  do {
    got = read(fd, &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof failure)) return std::nullopt;
  switch (failure.stage) {
    case LaunchFailure::Stage::kNoNewPrivs:
    case LaunchFailure::Stage::kSeccompFilter:
    case LaunchFailure::Stage::kExecve:
      break;
    default:
      failure.stage = LaunchFailure::Stage::kExecve;
  }
  return failure;
}

}  // namespace sysfence
