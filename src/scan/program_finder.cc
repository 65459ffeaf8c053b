// FindPrograms (see program_finder.h): a directory walk with lstat, links resolved with
// PathInRoot (the host's own root is "/"), files keyed by device and inode so that a file
// reached under several names (links, hard links, /bin and /usr/bin) is one program.
#include "scan/program_finder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "base/root_path.h"
#include "base/unique_fd.h"

namespace sysfence {
namespace {

ProgramKind Classify(const std::string& host_path) {
  UniqueFd fd(open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  unsigned char head[4] = {};
  if (!fd.valid() || pread(fd.get(), head, sizeof head, 0) < 2) return ProgramKind::kOther;
  if (std::memcmp(head,
                  "\x7f"
                  "ELF",
                  4) == 0)
    return ProgramKind::kElf;
  if (head[0] == '#' && head[1] == '!') return ProgramKind::kScript;
  return ProgramKind::kOther;
}

class Walk {
 public:
  explicit Walk(std::string root) : root_(std::move(root)) {}

  // `path`: the root's own name of a file or directory.
  Status Add(const std::string& path) {
    std::string host = PathInRoot(Root(), path);
    struct stat info {};
    if (stat(host.c_str(), &info) != 0) {
      return MakeError("{}: {}{}", path, std::strerror(errno),
                       root_.empty() ? "" : fmt::format(" (in {})", root_));
    }
    if (S_ISDIR(info.st_mode)) {
      WalkDirectory(host, info);
    } else {
      // A link named on its own is one of the file's names.
      std::string named = Named(host);
      std::string asked = std::filesystem::path(path).lexically_normal().string();
      AddFile(host, info, asked != named ? asked : "");
    }
    return Ok{};
  }

  std::vector<ScanProgram> Take() {
    std::vector<ScanProgram> out;
    for (auto& [key, program] : programs_) {
      std::sort(program.aliases.begin(), program.aliases.end());
      program.aliases.erase(std::unique(program.aliases.begin(), program.aliases.end()),
                            program.aliases.end());
      std::erase(program.aliases, program.path);
      program.kind = Classify(program.host_path);
      out.push_back(std::move(program));
    }
    std::sort(out.begin(), out.end(),
              [](const ScanProgram& a, const ScanProgram& b) { return a.path < b.path; });
    return out;
  }

 private:
  std::string Root() const { return root_.empty() ? "/" : root_; }
  std::string Named(const std::string& host) const {
    return root_.empty() ? host : PathFromRoot(root_, host);
  }

  void AddFile(const std::string& host, const struct stat& info, const std::string& alias) {
    std::pair<dev_t, ino_t> key{info.st_dev, info.st_ino};
    std::string name = Named(host);
    auto [it, added] = programs_.try_emplace(key);
    ScanProgram& program = it->second;
    if (added || name < program.path) {
      if (!added) program.aliases.push_back(program.path);
      program.path = name;
      program.host_path = host;
    } else if (name != program.path) {
      program.aliases.push_back(name);
    }
    if (!alias.empty()) program.aliases.push_back(alias);
  }

  void WalkDirectory(const std::string& host_dir, const struct stat& dir_info) {
    if (!visited_.insert({dir_info.st_dev, dir_info.st_ino}).second) return;
    std::vector<std::string> names;
    if (DIR* dir = opendir(host_dir.c_str())) {
      while (dirent* entry = readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
      }
      closedir(dir);
    }
    std::sort(names.begin(), names.end());
    std::string prefix = host_dir == "/" ? "" : host_dir;
    for (const std::string& name : names) {
      std::string host = prefix + "/" + name;
      struct stat info {};
      if (lstat(host.c_str(), &info) != 0) continue;
      if (S_ISDIR(info.st_mode)) {
        WalkDirectory(host, info);
      } else if (S_ISREG(info.st_mode)) {
        if ((info.st_mode & 0111) != 0) AddFile(host, info, "");
      } else if (S_ISLNK(info.st_mode)) {
        std::string target = PathInRoot(Root(), Named(host));
        struct stat target_info {};
        if (lstat(target.c_str(), &target_info) == 0 && S_ISREG(target_info.st_mode) &&
            (target_info.st_mode & 0111) != 0) {
          AddFile(target, target_info, Named(host));
        }
      }
    }
  }

  std::string root_;
  std::map<std::pair<dev_t, ino_t>, ScanProgram> programs_;
  std::set<std::pair<dev_t, ino_t>> visited_;
};

}  // namespace

std::string_view ProgramKindName(ProgramKind kind) {
  switch (kind) {
    case ProgramKind::kElf:
      return "elf";
    case ProgramKind::kScript:
      return "script";
    case ProgramKind::kOther:
      break;
  }
  return "other";
}

Result<std::vector<ScanProgram>> FindPrograms(const std::string& root,
                                              const std::vector<std::string>& paths) {
  Walk walk(root);
  for (const std::string& path : paths) {
    std::string named = path;
    if (root.empty() && (named.empty() || named[0] != '/')) {
      std::error_code error;
      named = std::filesystem::absolute(path, error).lexically_normal().string();
    }
    Status added = walk.Add(named);
    if (!added.ok()) return added.error();
  }
  return walk.Take();
}

std::vector<std::string> SplitSearchPath(const std::string& path) {
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty() && std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
      dirs.push_back(dir);
    }
    start = end + 1;
  }
  return dirs;
}

}  // namespace sysfence
