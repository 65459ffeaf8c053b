// AttachedProcesses, ThreadsOf and AttachSchedule (see attach.h).
#include "record/attach.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/file_util.h"
#include "base/proc_status.h"

namespace sysfence {

Result<std::vector<pid_t>> AttachedProcesses(const std::vector<pid_t>& pids) {
  std::vector<pid_t> processes;
  for (pid_t pid : pids) {
    Result<std::string> status =
        pid > 0 ? ReadFile(fmt::format("/proc/{}/status", pid)) : MakeError("not a pid");
    if (!status.ok()) return MakeError("--pid {}: no such process", pid);
    auto tgid = StatusNumbers(*status, "Tgid");
    pid_t process = tgid.empty() ? pid : static_cast<pid_t>(tgid.front());
    if (process == getpid()) return MakeError("--pid {}: sysfence cannot record itself", pid);
    if (std::find(processes.begin(), processes.end(), process) == processes.end()) {
      processes.push_back(process);
    }
  }
  return processes;
}

std::vector<pid_t> ThreadsOf(pid_t pid) {
  std::vector<pid_t> threads;
  DIR* dir = opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (dir == nullptr) return threads;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long tid = strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && tid > 0) threads.push_back(static_cast<pid_t>(tid));
  }
  closedir(dir);
  return threads;
}

bool ThreadExists(pid_t tgid, pid_t tid) {
  struct stat info {};
  return stat(fmt::format("/proc/{}/task/{}", tgid, tid).c_str(), &info) == 0;
}

AttachSchedule::AttachSchedule(const AttachOptions& options, int64_t start_ns)
    : end_(options.duration_ns > 0 ? start_ns + options.duration_ns : 0),
      flush_every_(options.flush_every_ns),
      next_flush_(options.flush_every_ns > 0 ? start_ns + options.flush_every_ns : 0),
      next_progress_(start_ns + kProgressEvery),
      has_progress_(static_cast<bool>(options.on_progress)) {}

std::string AttachSchedule::Ended(int64_t now_ns) const {
  return end_ != 0 && now_ns >= end_ ? "--duration elapsed" : "";
}

int AttachSchedule::TimeoutMs(int64_t now_ns) const {
  int64_t wake = now_ns + kProgressEvery;
  if (has_progress_) wake = std::min(wake, next_progress_);
  if (next_flush_ != 0) wake = std::min(wake, next_flush_);
  if (end_ != 0) wake = std::min(wake, end_);
  // Rounded up, so that a wake-up never comes just before the moment it waits for.
  return static_cast<int>(std::clamp<int64_t>((wake - now_ns + 999'999) / 1'000'000, 0, 1000));
}

}  // namespace sysfence
