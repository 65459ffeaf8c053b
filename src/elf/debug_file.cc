// Build-id lookup of separate debug files (see debug_file.h).
#include "elf/debug_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/root_path.h"

namespace sysfence {
namespace {

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string DebuginfodCacheDirectory() {
  if (std::string path = Environment("DEBUGINFOD_CACHE_PATH"); !path.empty()) return path;
  std::string home = Environment("HOME");
  if (!home.empty() && IsDirectory(home + "/.debuginfod_client_cache")) {
    return home + "/.debuginfod_client_cache";
  }
  if (std::string xdg = Environment("XDG_CACHE_HOME"); !xdg.empty()) {
    return xdg + "/debuginfod_client";
  }
  return home.empty() ? "" : home + "/.cache/debuginfod_client";
}

std::vector<std::string> DebugFileCandidates(const ElfFile& elf, const DebugFileSearch& search) {
  std::vector<std::string> paths;
  const std::string& id = elf.build_id();
  if (id.size() < 4) return paths;
  std::string build_id_path = "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  for (const std::string& directory : search.directories) {
    paths.push_back(directory + build_id_path);
  }
  paths.push_back(PathInRoot(search.sysroot, "/usr/lib/debug" + build_id_path));
  if (!search.debuginfod_cache.empty()) {
    paths.push_back(search.debuginfod_cache + "/" + id + "/debuginfo");
  }
  return paths;
}

std::shared_ptr<ElfFile> OpenDebugFile(const ElfFile& elf, const DebugFileSearch& search) {
  for (const std::string& path : DebugFileCandidates(elf, search)) {
    if (access(path.c_str(), R_OK) != 0) continue;
    Result<std::unique_ptr<ElfFile>> debug = ElfFile::Open(path);
    if (!debug.ok() || (*debug)->build_id() != elf.build_id() || (*debug)->symbols().empty()) {
      continue;
    }
    return std::shared_ptr<ElfFile>(std::move(*debug));
  }
  return nullptr;
}

}  // namespace sysfence
