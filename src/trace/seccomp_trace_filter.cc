// Builds the tracer's seccomp filter with libseccomp.
//
// Why a filter at all: under plain PTRACE_SYSCALL every call costs two ptrace stops (entry and
// exit), each a round trip through the tracer. A filter returning SECCOMP_RET_TRACE makes the
// kernel stop the tracee once, at entry, with PTRACE_EVENT_SECCOMP, and only for the calls the
// filter selects. Selecting is done by listing the calls that are *not* traced (ALLOW rules
// over a TRACE default): anything the tables do not know stays traced, so a subset filter can
// never hide a call the tracer did not expect. The program is exported to memory in the parent
// (libseccomp allocates), so the child between fork and execve only makes system calls.
#include "trace/seccomp_trace_filter.h"

#include <seccomp.h>

#include <cerrno>

#include "seccomp/seccomp_context.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

Error TraceFilterError(const char* what, int result) {
  return LibseccompError(what, result).WithContext("building the seccomp trace filter");
}

}  // namespace

Result<BpfProgram> BuildSeccompTraceFilter(const std::optional<SyscallSet>& traced) {
  ScopedSeccompContext context(seccomp_init(SCMP_ACT_TRACE(0)));
  if (!context) return MakeError("building the seccomp trace filter: seccomp_init failed");
  // i386 calls made through `int 0x80` arrive with AUDIT_ARCH_I386; they must stop too.
  if (int rc = seccomp_arch_add(context.get(), SCMP_ARCH_X86); rc != 0 && rc != -EEXIST) {
    return TraceFilterError("adding the i386 architecture", rc);
  }
  // x32 numbers and unknown architectures: trace rather than kill, the tracer reports them.
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
      rc != 0) {
    return TraceFilterError("setting the bad-architecture action", rc);
  }
  if (traced.has_value()) {
    // A binary tree instead of a linear chain of up to 380 comparisons per call.
    (void)seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (const SyscallInfo& info : AllSyscalls()) {
      if (traced->Contains(info.number)) continue;
      // libseccomp refuses numbers newer than its own tables (-EFAULT): they stay traced.
      int rc = seccomp_rule_add(context.get(), SCMP_ACT_ALLOW, info.number, 0);
      if (rc != 0 && rc != -EFAULT && rc != -EDOM) {
        return TraceFilterError(SyscallDisplayName(info.number).c_str(), rc);
      }
    }
  }
  return ExportBpf(context);
}

}  // namespace sysfence
