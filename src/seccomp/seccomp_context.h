// libseccomp contexts, owned, and the export of a finished filter to memory (libseccomp writes
// its BPF and its pseudo-code only to a file descriptor). Both filters sysfence builds go
// through here: the tracer's (trace/seccomp_trace_filter.h) and those made from profiles
// (filter/filter_builder.h).
//
//   ScopedSeccompContext context(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
//   if (!context) return MakeError("libseccomp: cannot create a filter context");
//   if (int rc = seccomp_rule_add(context.get(), SCMP_ACT_ALLOW, SCMP_SYS(read), 0); rc != 0) {
//     return LibseccompError("adding read", rc);
//   }
//   Result<BpfProgram> program = ExportBpf(context);          // ready for InstallSeccompFilter
//   Result<std::string> text = ExportPseudoCode(context);     // libseccomp's PFC
#ifndef SYSFENCE_SECCOMP_SECCOMP_CONTEXT_H_
#define SYSFENCE_SECCOMP_SECCOMP_CONTEXT_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "seccomp/bpf_program.h"

namespace sysfence {

struct SeccompContextDeleter {
  void operator()(void* context) const;
};
// A scmp_filter_ctx, released when it goes out of scope (release() it when seccomp_merge has
// taken it over).
using ScopedSeccompContext = std::unique_ptr<void, SeccompContextDeleter>;

// "libseccomp: WHAT: <strerror(-rc)>" for a libseccomp call that returned `rc` < 0.
Error LibseccompError(std::string_view what, int rc);

// The context's BPF program; fails when libseccomp fails or the program is not one the kernel
// would take (empty, or more than kMaxBpfInstructions).
Result<BpfProgram> ExportBpf(const ScopedSeccompContext& context);
// The context's pseudo-code (seccomp_export_pfc).
Result<std::string> ExportPseudoCode(const ScopedSeccompContext& context);

}  // namespace sysfence

#endif  // SYSFENCE_SECCOMP_SECCOMP_CONTEXT_H_
