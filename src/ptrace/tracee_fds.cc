// Descriptor inspection through /proc/PID/fd (see tracee_fds.h). The links are read with
// readlink, which works for any process the tracer may ptrace; a descriptor closed between
// listing and reading is skipped rather than reported as an error.
#include "ptrace/tracee_fds.h"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

namespace sysfence {
namespace {

Result<std::string> ReadLink(const std::string& path) {
  char buffer[PATH_MAX + 64];
  ssize_t n = readlink(path.c_str(), buffer, sizeof buffer);
  if (n < 0) return MakeError("{}: {}", path, strerror(errno));
  return std::string(buffer, static_cast<size_t>(n));
}

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

}  // namespace

Result<std::string> TraceeFdTarget(pid_t pid, int fd) {
  return ReadLink(fmt::format("/proc/{}/fd/{}", pid, fd));
}

Result<std::vector<TraceeFd>> ListTraceeFds(pid_t pid) {
  std::string dir_path = fmt::format("/proc/{}/fd", pid);
  std::unique_ptr<DIR, DirCloser> dir(opendir(dir_path.c_str()));
  if (!dir) return MakeError("{}: {}", dir_path, strerror(errno));
  std::vector<TraceeFd> fds;
  while (dirent* entry = readdir(dir.get())) {
    std::string_view name = entry->d_name;
    int fd = -1;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec != std::errc() || end != name.data() + name.size()) continue;  // "." and ".."
    Result<std::string> target = ReadLink(fmt::format("{}/{}", dir_path, name));
    if (!target.ok()) continue;  // closed meanwhile
    fds.push_back({fd, std::move(*target)});
  }
  std::sort(fds.begin(), fds.end(),
            [](const TraceeFd& a, const TraceeFd& b) { return a.fd < b.fd; });
  return fds;
}

}  // namespace sysfence
