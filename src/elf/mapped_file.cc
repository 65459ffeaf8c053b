// MappedFile: open, fstat, mmap (see mapped_file.h).
#include "elf/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/unique_fd.h"

namespace sysfence {

Result<MappedFile> MappedFile::Open(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return MakeError("{}: {}", path, strerror(errno));
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return MakeError("{}: {}", path, strerror(errno));
  if (S_ISDIR(info.st_mode)) return MakeError("{}: is a directory", path);
  if (!S_ISREG(info.st_mode)) return MakeError("{}: not a regular file", path);
  if (info.st_size == 0) return MakeError("{}: empty file", path);

  void* data =
      mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return MakeError("{}: cannot map: {}", path, strerror(errno));
  MappedFile file;
  file.path_ = path;
  file.data_ = data;
  file.size_ = static_cast<uint64_t>(info.st_size);
  file.device_ = info.st_dev;
  file.inode_ = info.st_ino;
  file.mtime_ns_ = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  file.ctime_ns_ = static_cast<int64_t>(info.st_ctim.tv_sec) * 1000000000 + info.st_ctim.tv_nsec;
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Unmap();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    device_ = other.device_;
    inode_ = other.inode_;
    mtime_ns_ = other.mtime_ns_;
    ctime_ns_ = other.ctime_ns_;
  }
  return *this;
}

MappedFile::~MappedFile() { Unmap(); }

void MappedFile::Unmap() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace sysfence
