// Exporters: one filter policy written in the formats other tools load. Each format lives in
// its own file (seccomp_json_export.cc, systemd_export.cc, minijail_export.cc,
// c_header_export.cc); ExportFilter picks one. Formats that name syscalls cannot express
// numbers outside the table (syscall_600) or, except for BPF, C and PFC, a separate i386 list;
// what a format had to leave out or widen is said in `notes`, which the CLI prints as warnings.
//
//   Result<FilterPolicy> policy = MakeFilterPolicy(profile, options);
//   Result<ExportedFilter> out = ExportFilter(*policy, ExportFormat::kOci);
//   WriteFileAtomically(path, out->contents);
//   for (const std::string& note : out->notes) Warn(note);
#ifndef SYSFENCE_FILTER_EXPORTERS_H_
#define SYSFENCE_FILTER_EXPORTERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "filter/filter_builder.h"
#include "filter/filter_policy.h"

namespace sysfence {

enum class ExportFormat { kOci, kDocker, kSpo, kSystemd, kMinijail, kBpf, kPfc, kC };

// "oci" | "docker" | "spo" | "systemd" | "minijail" | "bpf" | "pfc" | "c".
Result<ExportFormat> ParseExportFormat(std::string_view name);

struct ExportedFilter {
  std::string contents;
  std::vector<std::string> notes;
};

Result<ExportedFilter> ExportFilter(const FilterPolicy& policy, ExportFormat format);

// The per-format exporters.
// OCI runtime-spec `linux.seccomp` object (what runc and crun load from config.json).
ExportedFilter ExportOciSeccomp(const FilterPolicy& policy);
// Docker's seccomp profile (`docker run --security-opt seccomp=FILE`).
ExportedFilter ExportDockerSeccomp(const FilterPolicy& policy);
// A Kubernetes Security Profiles Operator resource (kind SeccompProfile, API
// security-profiles-operator.x-k8s.io/v1beta1) in YAML, for `kubectl apply -f`.
ExportedFilter ExportSpoSeccomp(const FilterPolicy& policy);
// A systemd unit snippet ([Service] settings); systemd has no trap action.
Result<ExportedFilter> ExportSystemd(const FilterPolicy& policy);
// A minijail .policy file (minijail0 -S FILE).
ExportedFilter ExportMinijail(const FilterPolicy& policy);
// A C header defining `static int sysfence_install_filter(void)` around the BPF program.
std::string ExportCHeader(const FilterPolicy& policy, const CompiledFilter& filter);

// Shared by the name-based exporters.
// Table names of `set`, sorted; numbers without a name get a note each.
std::vector<std::string> NamesForExport(const SyscallSet& set, std::string_view format,
                                        std::vector<std::string>& notes);
// "for /usr/bin/diff (phase working)": how outputs describe their origin.
std::string PolicyOrigin(const FilterPolicy& policy);

}  // namespace sysfence

#endif  // SYSFENCE_FILTER_EXPORTERS_H_
