// Naming the image of an exec (see exec_image.h).
#include "record/exec_image.h"

#include <fmt/format.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sysfence {
namespace {

std::optional<FileIdentity> IdentityOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

}  // namespace

std::string ChooseExecutedImage(const std::string& path, std::optional<FileIdentity> exe,
                                std::string_view previous) {
  std::string before(previous);
  if (exe && !before.empty() && (path.empty() || IdentityOf(path) != exe) &&
      IdentityOf(before) == exe) {
    return before;
  }
  // Without a path the image cannot be named; its calls still count, under this key.
  return path.empty() ? std::string(kUnknownImage) : path;
}

std::string ExecutedImage(pid_t pid, std::string_view previous) {
  char buffer[PATH_MAX];
  std::string link = fmt::format("/proc/{}/exe", pid);
  ssize_t n = readlink(link.c_str(), buffer, sizeof buffer);
  std::string path = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  return ChooseExecutedImage(path, IdentityOf(link), previous);
}

}  // namespace sysfence
