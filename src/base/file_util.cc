// Whole-file reading and all-or-nothing writing (see file_util.h).
#include "base/file_util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/unique_fd.h"

namespace sysfence {
namespace {

// Holds back SIGINT, SIGTERM and SIGHUP in the calling thread while a temporary file exists:
// one arriving then is delivered when the file has been renamed into place (or removed), so
// an interrupted sysfence leaves the output complete or absent, never a stray temporary.
// Other threads of the caller must not be running with these signals unblocked meanwhile
// (sysfence writes its outputs after its worker threads have ended).
class TerminationSignalsHeld {
 public:
  TerminationSignalsHeld() {
    sigset_t held;
    sigemptyset(&held);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&held, signal);
    pthread_sigmask(SIG_BLOCK, &held, &previous_);
  }
  ~TerminationSignalsHeld() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  TerminationSignalsHeld(const TerminationSignalsHeld&) = delete;
  TerminationSignalsHeld& operator=(const TerminationSignalsHeld&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd owned;
  int fd = STDIN_FILENO;
  if (path != "-") {
    owned.reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned.valid()) return MakeError("{}: {}", path, strerror(errno));
    fd = owned.get();
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      return MakeError("{}: is a directory", path);
    }
  }
  std::string data;
  struct stat info {};
  if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    data.reserve(static_cast<size_t>(info.st_size));  // one allocation for the usual case
  }
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError("{}: {}", path == "-" ? "standard input" : path, strerror(errno));
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

Status WriteAll(int fd, std::string_view contents) {
  while (!contents.empty()) {
    ssize_t n = write(fd, contents.data(), contents.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError("{}", strerror(errno));
    }
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

namespace {

Status WritePieces(int fd, std::span<const std::string_view> pieces) {
  for (std::string_view piece : pieces) {
    if (Status status = WriteAll(fd, piece); !status.ok()) return status;
  }
  return Ok{};
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents, WriteSync sync) {
  return WriteFileAtomically(path, std::span<const std::string_view>(&contents, 1), sync);
}

Status WriteFileAtomically(const std::string& path, std::span<const std::string_view> contents,
                           WriteSync sync) {
  if (path.empty() || path == "-") {
    auto status = WritePieces(STDOUT_FILENO, contents);
    if (!status.ok()) return status.error().WithContext("standard output");
    return Ok{};
  }
  // Character devices (/dev/null, /dev/stdout) cannot be replaced by rename.
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return MakeError("{}: is a directory", path);
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return MakeError("{}: {}", path, strerror(errno));
    auto status = WritePieces(fd.get(), contents);
    if (!status.ok()) return status.error().WithContext(path);
    return Ok{};
  }
  std::string temp = path + ".tmp.XXXXXX";
  TerminationSignalsHeld held;
  UniqueFd fd(mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) return MakeError("{}: cannot create a file there: {}", path, strerror(errno));
  auto fail = [&](const char* what) {
    int saved = errno;
    unlink(temp.c_str());
    return MakeError("{}: {}: {}", path, what, strerror(saved));
  };
  if (!WritePieces(fd.get(), contents).ok()) return fail("write failed");
  if (fchmod(fd.get(), 0644) != 0) return fail("chmod failed");
  if (sync == WriteSync::kNow && fsync(fd.get()) != 0 && errno != EINVAL) {
    return fail("fsync failed");
  }
  fd.reset();
  if (rename(temp.c_str(), path.c_str()) != 0) return fail("rename failed");
  return Ok{};
}

Status SyncFileSystem(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return MakeError("{}: {}", path, strerror(errno));
  if (syncfs(fd.get()) != 0) return MakeError("{}: syncfs failed: {}", path, strerror(errno));
  return Ok{};
}

std::string UserCacheDirectory() {
  if (const char* xdg = getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/sysfence";
  }
  if (const char* home = getenv("HOME"); home != nullptr && home[0] == '/') {
    return std::string(home) + "/.cache/sysfence";
  }
  return "/tmp/sysfence-cache-" + std::to_string(getuid());
}

}  // namespace sysfence
