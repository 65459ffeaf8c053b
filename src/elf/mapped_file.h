// A read-only memory mapping of a whole file, unmapped when it goes out of scope. The ELF reader
// and the analysis read binaries through it, so nothing is copied and pages the analysis never
// touches are never read from disk.
//
//   Result<MappedFile> file = MappedFile::Open("/usr/bin/ssh");
//   if (!file.ok()) return file.error();   // "...: No such file or directory"
//   ByteView bytes = file->bytes();
#ifndef SYSFENCE_ELF_MAPPED_FILE_H_
#define SYSFENCE_ELF_MAPPED_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/result.h"
#include "elf/byte_view.h"

namespace sysfence {

class MappedFile {
 public:
  // Fails with a message naming `path` for a missing file, a directory, an empty or
  // unreadable file.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  ByteView bytes() const { return ByteView(static_cast<const uint8_t*>(data_), size_); }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Identity of the file (for "already loaded" checks), its modification time and its status
  // change time (which any write, rename or chmod sets to the current time).
  dev_t device() const { return device_; }
  ino_t inode() const { return inode_; }
  int64_t mtime_ns() const { return mtime_ns_; }
  int64_t ctime_ns() const { return ctime_ns_; }

 private:
  MappedFile() = default;
  void Unmap();

  std::string path_;
  void* data_ = nullptr;
  uint64_t size_ = 0;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  int64_t mtime_ns_ = 0;
  int64_t ctime_ns_ = 0;
};

}  // namespace sysfence

#endif  // SYSFENCE_ELF_MAPPED_FILE_H_
