// process_vm_readv over a tracee's address space (see tracee_memory.h). Strings are read one
// page at a time so that a string ending just before an unmapped page is still read whole:
// a single large read would fail at the first unreadable byte and lose the string.
#include "ptrace/tracee_memory.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sysfence {
namespace {

// Reads up to `size` bytes; returns how many were read before the first unreadable byte.
Result<size_t> ReadSome(pid_t pid, uint64_t address, char* out, size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got < 0) {
    return MakeError("reading {} bytes at {:#x} in process {}: {}", size, address, pid,
                     strerror(errno));
  }
  return static_cast<size_t>(got);
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

Result<std::string> ReadTraceeString(pid_t pid, uint64_t address, size_t max_length) {
  std::string text;
  uint64_t cursor = address;
  while (text.size() <= max_length) {
    // Up to the end of the page `cursor` is in, and no further than needed.
    size_t chunk = PageSize() - static_cast<size_t>(cursor % PageSize());
    chunk = std::min(chunk, max_length + 1 - text.size());
    char buffer[65536];
    chunk = std::min(chunk, sizeof buffer);
    Result<size_t> got = ReadSome(pid, cursor, buffer, chunk);
    if (!got.ok()) return got.error();
    if (*got == 0) break;
    const char* nul = static_cast<const char*>(memchr(buffer, '\0', *got));
    if (nul != nullptr) return text.append(buffer, static_cast<size_t>(nul - buffer));
    text.append(buffer, *got);
    cursor += *got;
    if (*got < chunk) break;
  }
  return MakeError("no string end within {} bytes at {:#x} in process {}", max_length, address,
                   pid);
}

Result<std::string> ReadTraceeBytes(pid_t pid, uint64_t address, size_t size) {
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < size) {
    Result<size_t> got = ReadSome(pid, address + done, bytes.data() + done, size - done);
    if (!got.ok()) return got.error();
    if (*got == 0) {
      return MakeError("only {} of {} bytes at {:#x} in process {} are readable", done, size,
                       address, pid);
    }
    done += *got;
  }
  return bytes;
}

}  // namespace sysfence
