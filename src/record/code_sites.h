// The syscall sites a trace saw run: for each call, the file that holds the `syscall`
// instruction and its offset in that file, found from the process's mappings
// (/proc/PID/maps), kept once per distinct (file, offset, syscall). The profile's `sites`.
//
//   CodeSites sites;
//   sites.Record(tgid, regs.rip, SYS_read);       // at a syscall stop: rip follows `syscall`
//   sites.Forget(tgid);                           // its mappings changed (exec, munmap, exit)
//   sites.AddToProfile(&profile);                 // profile.sites["/usr/lib/.../libc.so.6"]
//
// A backend that locates the site in the kernel (the eBPF recorder: the mapping's file as
// device and inode, and the offset) gives it to RecordInFile, which names the file by the
// path the backend found for it or from the mappings of the process that made the call.
//
// The mappings of a process are read once and kept; an address outside them (a library loaded
// since) reads them again. Code outside any file (JIT buffers) has no site.
#ifndef SYSFENCE_RECORD_CODE_SITES_H_
#define SYSFENCE_RECORD_CODE_SITES_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "profile/profile.h"
#include "profile/syscall_set.h"
#include "record/exec_image.h"

namespace sysfence {

// How /proc/PID/maps, and the profile's `sites`, name the vDSO.
inline constexpr std::string_view kVdsoPath = "[vdso]";

// One executable mapping of /proc/PID/maps.
struct CodeMapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t file_offset = 0;
  FileIdentity file;  // st_dev and st_ino of the mapped file
  std::string path;   // "" for anonymous memory; "[vdso]" for the vDSO
};

// The executable mappings in a /proc/PID/maps text, in address order. Malformed lines are
// skipped.
std::vector<CodeMapping> ParseCodeMappings(std::string_view maps_text);

class CodeSites {
 public:
  // `number` (x86-64) was issued by the 2-byte `syscall` instruction that ends just before
  // `return_address` in process `tgid`.
  void Record(pid_t tgid, uint64_t return_address, int number);
  // The kernel located the instruction itself: `offset` into `file`, mapped by `tgid`. The
  // file is named from any process's mappings read so far, else `path` when the backend
  // knows it (then `tgid` may be gone), else from the mappings of `tgid`. A site in no file
  // (`file` all zero) is the vDSO's when `path` is "[vdso]", else anonymous code (unlocated).
  void RecordInFile(pid_t tgid, const FileIdentity& file, uint64_t offset, int number,
                    std::string_view path = {});
  // The mappings of `tgid` changed or it is gone: read them again when next needed.
  void Forget(pid_t tgid) { maps_.erase(tgid); }

  // Calls whose site no file holds (anonymous code, or a process gone before its mappings
  // could be read).
  uint64_t unlocated() const { return unlocated_; }
  void AddToProfile(Profile* profile) const;

 private:
  int FileIndex(const std::string& path);
  void Add(int file, uint64_t offset, int number);

  struct Located {
    std::vector<CodeMapping> mappings;
    std::vector<int> files;  // FileIndex of each mapping, -1 for anonymous memory
  };
  // The mappings of `tgid`, read now when `reread` or not read yet; null when it is gone.
  const Located* MappingsOf(pid_t tgid, bool reread);

  struct IdentityHash {
    size_t operator()(const FileIdentity& f) const {
      return std::hash<uint64_t>()(f.ino * 31 + f.dev);
    }
  };

  std::unordered_map<pid_t, Located> maps_;
  // Every file seen in any process's mappings, by identity (for RecordInFile).
  std::unordered_map<FileIdentity, int, IdentityHash> known_files_;
  std::vector<std::string> paths_;
  std::unordered_map<std::string, int> path_index_;
  std::vector<std::unordered_map<uint64_t, SyscallSet>> sites_;  // by file index
  uint64_t unlocated_ = 0;
};

}  // namespace sysfence

#endif  // SYSFENCE_RECORD_CODE_SITES_H_
