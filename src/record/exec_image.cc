// Naming the image of an exec (see exec_image.h).
#include "record/exec_image.h"

#include <fmt/format.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sysfence {
namespace {

// Whether `path` names the file /proc/PID/exe is (the same device and inode).
bool IsExecutableOf(pid_t pid, const std::string& path) {
  struct stat exe{}, named{};
  return stat(fmt::format("/proc/{}/exe", pid).c_str(), &exe) == 0 &&
         stat(path.c_str(), &named) == 0 && exe.st_dev == named.st_dev &&
         exe.st_ino == named.st_ino;
}

}  // namespace

std::string ExecutedImage(pid_t pid, std::string_view previous) {
  char buffer[PATH_MAX];
  std::string link = fmt::format("/proc/{}/exe", pid);
  ssize_t n = readlink(link.c_str(), buffer, sizeof buffer);
  // Without /proc the image cannot be named; its calls still count, under this key.
  if (n <= 0) return std::string(kUnknownImage);
  std::string path(buffer, static_cast<size_t>(n));
  std::string before(previous);
  if (!before.empty() && !IsExecutableOf(pid, path) && IsExecutableOf(pid, before)) return before;
  return path;
}

}  // namespace sysfence
