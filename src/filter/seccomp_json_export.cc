// OCI runtime-spec `linux.seccomp` and Docker seccomp profiles: the same rule list, with the
// architectures said two ways (OCI: `architectures`; Docker: `archMap` with
// `subArchitectures`). Runtimes build the filter with libseccomp from names, and a named rule
// applies on every listed architecture, so these formats cannot give i386 its own list: only
// x86-64 is listed, which makes i386 and x32 calls hit the runtime's bad-architecture action
// (blocked); a profile that needs i386 calls lists SCMP_ARCH_X86 too, and a note says that
// the x86-64 names are then allowed on i386 as well.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "filter/exporters.h"

namespace sysfence {
namespace {

using nlohmann::json;

json Rule(std::vector<std::string> names, FilterAction action) {
  json rule = {{"names", std::move(names)}, {"action", OciActionName(action)}};
  if (action == FilterAction::kErrno) rule["errnoRet"] = kFilterErrno;
  return rule;
}

// The fields OCI and Docker share: default action and the rule list.
json CommonFields(const FilterPolicy& policy, std::string_view format,
                  std::vector<std::string>& notes) {
  json root = json::object();
  root["defaultAction"] = OciActionName(policy.default_action);
  if (policy.default_action == FilterAction::kErrno) root["defaultErrnoRet"] = kFilterErrno;

  std::vector<std::string> allowed = NamesForExport(policy.allowed, format, notes);
  // i386-only names (socketcall, waitpid, ...) do not resolve on x86-64, so runtimes add them
  // to the i386 section only; names both ABIs share are already in the list.
  for (const std::string& name : policy.i386_allowed) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      allowed.push_back(name);
    }
  }
  std::sort(allowed.begin(), allowed.end());
  json syscalls = json::array();
  if (!allowed.empty()) syscalls.push_back(Rule(std::move(allowed), FilterAction::kAllow));
  std::vector<std::string> soft = NamesForExport(policy.soft, format, notes);
  if (!soft.empty() && policy.soft_action != policy.default_action) {
    syscalls.push_back(Rule(std::move(soft), policy.soft_action));
  }
  root["syscalls"] = std::move(syscalls);
  if (!policy.i386_allowed.empty()) {
    notes.push_back(fmt::format(
        "the {} format cannot give i386 calls their own list: with SCMP_ARCH_X86 listed, the "
        "allowed x86-64 names are allowed through int 0x80 too",
        format));
  }
  return root;
}

}  // namespace

ExportedFilter ExportOciSeccomp(const FilterPolicy& policy) {
  ExportedFilter out;
  json root = CommonFields(policy, "oci", out.notes);
  json architectures = {"SCMP_ARCH_X86_64"};
  if (!policy.i386_allowed.empty()) architectures.push_back("SCMP_ARCH_X86");
  root["architectures"] = architectures;
  out.contents = root.dump(2) + "\n";
  return out;
}

ExportedFilter ExportDockerSeccomp(const FilterPolicy& policy) {
  ExportedFilter out;
  json root = CommonFields(policy, "docker", out.notes);
  json sub = json::array();
  if (!policy.i386_allowed.empty()) sub.push_back("SCMP_ARCH_X86");
  root["archMap"] =
      json::array({{{"architecture", "SCMP_ARCH_X86_64"}, {"subArchitectures", std::move(sub)}}});
  out.contents = root.dump(2) + "\n";
  return out;
}

}  // namespace sysfence
