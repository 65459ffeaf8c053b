// Build-id lookup of separate debug files (see debug_file.h).
#include "elf/debug_file.h"

#include <unistd.h>

#include "base/root_path.h"

namespace sysfence {

std::string DebugFilePath(const ElfFile& elf, const std::string& sysroot) {
  const std::string& id = elf.build_id();
  if (id.size() < 4) return "";
  return PathInRoot(sysroot,
                    "/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug");
}

std::shared_ptr<ElfFile> OpenDebugFile(const ElfFile& elf, const std::string& sysroot) {
  std::string path = DebugFilePath(elf, sysroot);
  if (path.empty() || access(path.c_str(), R_OK) != 0) return nullptr;
  Result<std::unique_ptr<ElfFile>> debug = ElfFile::Open(path);
  if (!debug.ok() || (*debug)->build_id() != elf.build_id() || (*debug)->symbols().empty()) {
    return nullptr;
  }
  return std::shared_ptr<ElfFile>(std::move(*debug));
}

}  // namespace sysfence
