// OCI runtime-spec `linux.seccomp`, Docker seccomp profiles and the Security Profiles
// Operator's SeccompProfile resource: the same rule list, with the architectures said two
// ways (OCI and SPO: `architectures`; Docker: `archMap` with `subArchitectures`). Runtimes build
// the filter with libseccomp from names, and a named rule applies on every listed architecture, so
// these formats cannot give i386 its own list: only x86-64 is listed, which makes i386 and x32
// calls hit the runtime's bad-architecture action (blocked); a profile that needs i386 calls lists
// SCMP_ARCH_X86 too, and a note says that the x86-64 names are then allowed on i386 as well.
// Argument rules are entries with `args` (SCMP_CMP_MASKED_EQ: `value` is the mask, `valueTwo`
// the value), one entry per allowed combination, as the runtimes AND an entry's conditions.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "filter/argument_rules.h"
#include "filter/exporters.h"
#include "syscalls/syscall_table.h"

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

  SyscallSet conditional;
  for (const auto& [number, values] : policy.arguments) conditional.Insert(number);
  std::vector<std::string> allowed = NamesForExport(policy.allowed - conditional, format, notes);
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
  // The conditions of one entry must all hold, so each allowed combination of values is an
  // entry of its own.
  for (const auto& [number, values] : policy.arguments) {
    std::string name(SyscallName(number));
    for (const ArgumentRule& rule : ArgumentRulesOf(number, values)) {
      json entry = Rule({name}, FilterAction::kAllow);
      json args = json::array();
      for (const ArgumentCondition& condition : rule) {
        args.push_back({{"index", condition.index},
                        {"value", condition.mask},
                        {"valueTwo", condition.value},
                        {"op", "SCMP_CMP_MASKED_EQ"}});
      }
      entry["args"] = std::move(args);
      syscalls.push_back(std::move(entry));
    }
  }
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

json Architectures(const FilterPolicy& policy) {
  json architectures = {"SCMP_ARCH_X86_64"};
  if (!policy.i386_allowed.empty()) architectures.push_back("SCMP_ARCH_X86");
  return architectures;
}

// A Kubernetes object name (RFC 1123 subdomain) from the profile's target: its file name,
// lowercase, other characters turned into '-'.
std::string ResourceName(const std::string& target) {
  std::string base = target.substr(target.find_last_of('/') + 1);
  std::string name;
  for (char c : base) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    name += ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  }
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.back()))) name.pop_back();
  if (name.size() > 63) name.resize(63);
  return name.empty() ? "sysfence-profile" : name;
}

// YAML for a JSON value: block mappings and sequences, scalars in JSON's own (double-quoted)
// form, which YAML reads as is.
void AppendYaml(const json& value, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out += pad + key + ":";
      if ((item.is_object() || item.is_array()) && !item.empty()) {
        out += "\n";
        AppendYaml(item, indent + 2, out);
      } else {
        out += " " + item.dump() + "\n";
      }
    }
  } else if (value.is_array()) {
    for (const json& item : value) {
      if (item.is_object() && !item.empty()) {
        std::string nested;
        AppendYaml(item, indent + 2, nested);
        out += pad + "- " + nested.substr(static_cast<size_t>(indent) + 2);
      } else {
        out += pad + "- " + item.dump() + "\n";
      }
    }
  }
}

}  // namespace

ExportedFilter ExportOciSeccomp(const FilterPolicy& policy) {
  ExportedFilter out;
  json root = CommonFields(policy, "oci", out.notes);
  root["architectures"] = Architectures(policy);
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

ExportedFilter ExportSpoSeccomp(const FilterPolicy& policy) {
  ExportedFilter out;
  json fields = CommonFields(policy, "spo", out.notes);
  // The resource has no defaultErrnoRet, and runtimes give SCMP_ACT_ERRNO without errnoRet
  // EPERM, which is what sysfence's errno is: the numbers are left out.
  json spec = json::object();
  spec["defaultAction"] = fields["defaultAction"];
  spec["architectures"] = Architectures(policy);
  spec["syscalls"] = fields["syscalls"];
  for (json& rule : spec["syscalls"]) rule.erase("errnoRet");
  json resource = json::object();
  resource["apiVersion"] = "security-profiles-operator.x-k8s.io/v1beta1";
  resource["kind"] = "SeccompProfile";
  resource["metadata"] = {{"name", ResourceName(policy.target)}};
  resource["spec"] = spec;
  out.contents = "# Security Profiles Operator SeccompProfile for " + PolicyOrigin(policy) +
                 ", written by sysfence\n";
  AppendYaml(resource, 0, out.contents);
  return out;
}

}  // namespace sysfence
