// Builds the tracer's seccomp filter with libseccomp and installs it in the child.
//
// Why a filter at all: under plain PTRACE_SYSCALL every call costs two ptrace stops (entry and
// exit), each a round trip through the tracer. A filter returning SECCOMP_RET_TRACE makes the
// kernel stop the tracee once, at entry, with PTRACE_EVENT_SECCOMP, and only for the calls the
// filter selects. Selecting is done by listing the calls that are *not* traced (ALLOW rules
// over a TRACE default): anything the tables do not know stays traced, so a subset filter can
// never hide a call the tracer did not expect. The program is exported to memory in the parent
// (libseccomp allocates), so the child between fork and execve only makes two system calls.
#include "trace/seccomp_trace_filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/unique_fd.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

struct ContextDeleter {
  void operator()(void* context) const { seccomp_release(context); }
};
using ScopedSeccompContext = std::unique_ptr<void, ContextDeleter>;

Error LibseccompError(const char* what, int result) {
  return MakeError("building the seccomp trace filter: {}: {}", what, strerror(-result));
}

// libseccomp writes BPF only to a file descriptor; an anonymous memory file keeps it off disk.
Result<SeccompProgram> ExportProgram(void* context) {
  UniqueFd memory(memfd_create("sysfence-trace-filter", MFD_CLOEXEC));
  if (!memory.valid()) return MakeError("memfd_create for the trace filter: {}", strerror(errno));
  if (int rc = seccomp_export_bpf(context, memory.get()); rc != 0) {
    return LibseccompError("seccomp_export_bpf", rc);
  }
  off_t size = lseek(memory.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0 ||
      size > static_cast<off_t>(BPF_MAXINSNS * sizeof(sock_filter))) {
    return MakeError("building the seccomp trace filter: exported program has {} bytes", size);
  }
  SeccompProgram program;
  program.instructions.resize(static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(memory.get(), program.instructions.data(), static_cast<size_t>(size), 0) != size) {
    return MakeError("reading back the seccomp trace filter: {}", strerror(errno));
  }
  return program;
}

}  // namespace

Result<SeccompProgram> BuildSeccompTraceFilter(const std::optional<SyscallSet>& traced) {
  ScopedSeccompContext context(seccomp_init(SCMP_ACT_TRACE(0)));
  if (!context) return MakeError("building the seccomp trace filter: seccomp_init failed");
  // i386 calls made through `int 0x80` arrive with AUDIT_ARCH_I386; they must stop too.
  if (int rc = seccomp_arch_add(context.get(), SCMP_ARCH_X86); rc != 0 && rc != -EEXIST) {
    return LibseccompError("adding the i386 architecture", rc);
  }
  // x32 numbers and unknown architectures: trace rather than kill, the tracer reports them.
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
      rc != 0) {
    return LibseccompError("setting the bad-architecture action", rc);
  }
  if (traced.has_value()) {
    // A binary tree instead of a linear chain of up to 380 comparisons per call.
    (void)seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (const SyscallInfo& info : AllSyscalls()) {
      if (traced->Contains(info.number)) continue;
      // libseccomp refuses numbers newer than its own tables (-EFAULT): they stay traced.
      int rc = seccomp_rule_add(context.get(), SCMP_ACT_ALLOW, info.number, 0);
      if (rc != 0 && rc != -EFAULT && rc != -EDOM) {
        return LibseccompError(SyscallDisplayName(info.number).c_str(), rc);
      }
    }
  }
  return ExportProgram(context.get());
}

int InstallSeccompProgram(const SeccompProgram& program) {
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(program.instructions.size());
  fprog.filter = const_cast<sock_filter*>(program.instructions.data());
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) return 0;
  if (errno != EACCES) return errno;
  // Unprivileged: the kernel requires no_new_privs before it accepts a filter.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) return 0;
  return errno;
}

}  // namespace sysfence
