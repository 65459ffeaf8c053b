// Owning libseccomp contexts and exporting them (see seccomp_context.h). libseccomp exports
// only to a file descriptor; an anonymous memory file keeps the filter off the disk.
#include "seccomp/seccomp_context.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace sysfence {
namespace {

// Runs one of libseccomp's exporters into memory.
Result<std::string> ExportToMemory(const ScopedSeccompContext& context,
                                   int (*exporter)(const scmp_filter_ctx, int),
                                   std::string_view what) {
  UniqueFd fd(memfd_create("sysfence-filter", MFD_CLOEXEC));
  if (!fd.valid()) return MakeError("memfd_create: {}", std::strerror(errno));
  int rc = exporter(context.get(), fd.get());
  if (rc != 0) return LibseccompError(fmt::format("exporting {}", what), rc);
  if (lseek(fd.get(), 0, SEEK_SET) != 0) return MakeError("lseek: {}", std::strerror(errno));
  std::string out;
  char buffer[8192];
  for (;;) {
    ssize_t got = read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return MakeError("reading the exported {}: {}", what, std::strerror(errno));
    if (got == 0) break;
    out.append(buffer, static_cast<size_t>(got));
  }
  return out;
}

}  // namespace

void SeccompContextDeleter::operator()(void* context) const { seccomp_release(context); }

Error LibseccompError(std::string_view what, int rc) {
  return MakeError("libseccomp: {}: {}", what, std::strerror(-rc));
}

Result<BpfProgram> ExportBpf(const ScopedSeccompContext& context) {
  Result<std::string> bytes = ExportToMemory(context, seccomp_export_bpf, "BPF");
  if (!bytes.ok()) return bytes.error();
  return BpfProgramFromBytes(*bytes, "libseccomp's BPF");
}

Result<std::string> ExportPseudoCode(const ScopedSeccompContext& context) {
  return ExportToMemory(context, seccomp_export_pfc, "pseudo-code");
}

}  // namespace sysfence
