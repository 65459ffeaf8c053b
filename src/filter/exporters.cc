// Choosing an export format, and the functions the exporters share (see exporters.h).
#include "filter/exporters.h"

#include <algorithm>

#include "seccomp/bpf_program.h"

namespace sysfence {

Result<ExportFormat> ParseExportFormat(std::string_view name) {
  if (name == "oci") return ExportFormat::kOci;
  if (name == "docker") return ExportFormat::kDocker;
  if (name == "spo") return ExportFormat::kSpo;
  if (name == "systemd") return ExportFormat::kSystemd;
  if (name == "minijail") return ExportFormat::kMinijail;
  if (name == "bpf") return ExportFormat::kBpf;
  if (name == "pfc") return ExportFormat::kPfc;
  if (name == "c") return ExportFormat::kC;
  return MakeError(
      "unknown format '{}' (expected oci, docker, spo, systemd, minijail, bpf, pfc or c)", name);
}

Result<ExportedFilter> ExportFilter(const FilterPolicy& policy, ExportFormat format) {
  switch (format) {
    case ExportFormat::kOci:
      return ExportOciSeccomp(policy);
    case ExportFormat::kDocker:
      return ExportDockerSeccomp(policy);
    case ExportFormat::kSpo:
      return ExportSpoSeccomp(policy);
    case ExportFormat::kSystemd:
      return ExportSystemd(policy);
    case ExportFormat::kMinijail:
      return ExportMinijail(policy);
    case ExportFormat::kBpf:
    case ExportFormat::kPfc:
    case ExportFormat::kC:
      break;
  }
  Result<CompiledFilter> filter = CompileFilterPolicy(policy);
  if (!filter.ok()) return filter.error();
  ExportedFilter out;
  if (format == ExportFormat::kBpf) {
    out.contents = BpfProgramToBytes(filter->program);
  } else if (format == ExportFormat::kPfc) {
    out.contents = filter->pseudo_code;
  } else {
    out.contents = ExportCHeader(policy, *filter);
  }
  return out;
}

std::vector<std::string> NamesForExport(const SyscallSet& set, std::string_view format,
                                        std::vector<std::string>& notes) {
  std::vector<std::string> names;
  for (int number : set) {
    if (SyscallName(number).empty()) {
      notes.push_back(fmt::format("{} has no name, so the {} output cannot allow it",
                                  SyscallDisplayName(number), format));
    } else {
      names.emplace_back(SyscallName(number));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string PolicyOrigin(const FilterPolicy& policy) {
  std::string origin = policy.target.empty() ? "a profile" : policy.target;
  if (!policy.phase.empty()) origin += fmt::format(" (phase {})", policy.phase);
  return origin;
}

}  // namespace sysfence
