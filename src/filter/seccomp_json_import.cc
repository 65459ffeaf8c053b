// OCI / Docker seccomp JSON to Profile (see seccomp_json_import.h). The input is untrusted:
// its size and nesting depth are bounded before parsing, every field's type is checked, and
// every error names the file and the field. Docker profiles are first reduced to the OCI form
// the way Docker does it for an amd64 container, so both share one reader.
#include "filter/seccomp_json_import.h"

#include <algorithm>
#include <bit>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "base/file_util.h"
#include "profile/json_field_reader.h"
#include "syscalls/argument_table.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

constexpr size_t kMaxInputBytes = 16 << 20;
constexpr int kMaxNesting = 64;
constexpr size_t kMaxNameLength = 64;

// One argument condition of a rule (OCI `args` entry).
struct Condition {
  uint64_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;
};

// One rule in OCI form.
struct Rule {
  std::vector<std::string> names;
  std::string action;
  bool conditional = false;           // has argument conditions
  std::vector<Condition> conditions;  // all must hold
};

constexpr std::string_view kConditionOps[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                              "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                              "SCMP_CMP_MASKED_EQ"};

// The masked values of `spec`'s argument that a rule's conditions let through, or nullopt for
// "any" (the rule does not constrain it in a form the profile can keep). One condition on the
// argument is enough: the rule needs all of them, so what one lets through is a superset.
std::optional<std::set<uint64_t>> ValuesLetThrough(const std::vector<Condition>& conditions,
                                                   const ArgumentSpec& spec) {
  for (const Condition& c : conditions) {
    if (c.index != spec.index) continue;
    if (c.op == "SCMP_CMP_EQ") return std::set<uint64_t>{c.value & spec.mask};
    if (c.op != "SCMP_CMP_MASKED_EQ") continue;
    // (arg & M) == V: the bits of the table's mask outside M are free.
    uint64_t m = c.value;
    if ((c.value_two & ~m) != 0) return std::set<uint64_t>{};  // never holds
    uint64_t free = spec.mask & ~m;
    if (std::popcount(free) > 8) continue;
    std::set<uint64_t> values;
    uint64_t base = c.value_two & spec.mask;
    // Every subset of the free bits.
    for (uint64_t subset = free;; subset = (subset - 1) & free) {
      values.insert(base | subset);
      if (subset == 0) break;
    }
    return values;
  }
  return std::nullopt;
}

struct OciSeccomp {
  std::string default_action;
  std::vector<std::string> architectures;
  std::vector<Rule> rules;
};

// How deep arrays and objects nest, counted outside strings, so a hostile file cannot make
// the parser or the destructor recurse without bound.
Status CheckNesting(std::string_view text, std::string_view source) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) {
        return MakeError("{}: nested more than {} levels deep", source, kMaxNesting);
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Ok{};
}

enum class ActionEffect { kRuns, kLogged, kBlocked };

std::optional<ActionEffect> EffectOf(std::string_view action) {
  if (action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_TRACE" || action == "SCMP_ACT_NOTIFY") {
    return ActionEffect::kRuns;
  }
  if (action == "SCMP_ACT_LOG") return ActionEffect::kLogged;
  if (action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_KILL" ||
      action == "SCMP_ACT_KILL_PROCESS" || action == "SCMP_ACT_KILL_THREAD" ||
      action == "SCMP_ACT_TRAP") {
    return ActionEffect::kBlocked;
  }
  return std::nullopt;
}

// Reads of the seccomp profile's own field types: name lists, actions, rules.
class Reader : public JsonFieldReader {
 public:
  using JsonFieldReader::JsonFieldReader;

  Result<std::vector<std::string>> Strings(const json& value, std::string_view field) const {
    if (!value.is_array()) return Fail(field, "expected an array of strings");
    std::vector<std::string> out;
    for (const json& item : value) {
      if (!item.is_string()) return Fail(field, "expected an array of strings");
      const std::string& s = item.get_ref<const std::string&>();
      if (s.size() > kMaxNameLength) return Fail(field, "a name is implausibly long");
      out.push_back(s);
    }
    return out;
  }

  Result<std::string> Action(const json& value, std::string_view field) const {
    Result<std::string> action = String(value, field);
    if (!action.ok()) return action;
    if (!EffectOf(*action)) return Fail(field, fmt::format("unknown action '{}'", *action));
    return action;
  }

  // One entry of `args`: index (0-5), value, valueTwo (optional), op.
  Result<Condition> ReadCondition(const json& item, const std::string& field) const {
    if (!item.is_object()) return Fail(field, "expected an object");
    Condition condition;
    auto number = [&](const char* key, uint64_t& into) -> Status {
      if (!item.contains(key)) return Ok{};
      if (!item[key].is_number_unsigned() && !item[key].is_number_integer()) {
        return Fail(fmt::format("{}.{}", field, key), "expected a non-negative integer");
      }
      if (item[key].is_number_integer() && item[key].get<int64_t>() < 0) {
        return Fail(fmt::format("{}.{}", field, key), "expected a non-negative integer");
      }
      into = item[key].get<uint64_t>();
      return Ok{};
    };
    if (!item.contains("index")) return Fail(field, "needs 'index'");
    if (Status ok = number("index", condition.index); !ok.ok()) return ok.error();
    if (condition.index > 5) return Fail(field + ".index", "expected 0 to 5");
    if (Status ok = number("value", condition.value); !ok.ok()) return ok.error();
    if (Status ok = number("valueTwo", condition.value_two); !ok.ok()) return ok.error();
    if (!item.contains("op")) return Fail(field, "needs 'op'");
    Result<std::string> op = String(item["op"], field + ".op");
    if (!op.ok()) return op.error();
    if (std::find(std::begin(kConditionOps), std::end(kConditionOps), *op) ==
        std::end(kConditionOps)) {
      return Fail(field + ".op", fmt::format("unknown operator '{}'", *op));
    }
    condition.op = std::move(*op);
    return condition;
  }

  // One entry of "syscalls": `names` (or the old single `name`), `action`, `args`.
  Result<Rule> ReadRule(const json& item, std::string_view field) const {
    if (!item.is_object()) return Fail(field, "expected an object");
    Rule rule;
    if (item.contains("names")) {
      Result<std::vector<std::string>> names =
          Strings(item["names"], fmt::format("{}.names", field));
      if (!names.ok()) return names.error();
      rule.names = std::move(*names);
    } else if (item.contains("name")) {
      Result<std::string> name = String(item["name"], fmt::format("{}.name", field));
      if (!name.ok()) return name.error();
      rule.names.push_back(std::move(*name));
    } else {
      return Fail(field, "needs 'names'");
    }
    if (!item.contains("action")) return Fail(field, "needs 'action'");
    Result<std::string> action = Action(item["action"], fmt::format("{}.action", field));
    if (!action.ok()) return action.error();
    rule.action = std::move(*action);
    if (item.contains("args")) {
      const json& args = item["args"];
      if (!args.is_null() && !args.is_array()) {
        return Fail(fmt::format("{}.args", field), "expected an array");
      }
      rule.conditional = args.is_array() && !args.empty();
      if (rule.conditional) {
        for (size_t i = 0; i < args.size(); ++i) {
          Result<Condition> condition =
              ReadCondition(args[i], fmt::format("{}.args[{}]", field, i));
          if (!condition.ok()) return condition.error();
          rule.conditions.push_back(std::move(*condition));
        }
      }
    }
    return rule;
  }
};

bool Contains(const json& object, std::string_view key, std::string_view value) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return false;
  for (const json& item : object[key]) {
    if (item.is_string() && item.get_ref<const std::string&>() == value) return true;
  }
  return false;
}

bool NonEmptyArray(const json& object, std::string_view key) {
  return object.is_object() && object.contains(key) && object[key].is_array() &&
         !object[key].empty();
}

Result<OciSeccomp> ReadSeccomp(const json& root, const Reader& in, bool docker,
                               std::vector<std::string>& notes) {
  if (!root.is_object()) return in.Fail("(top level)", "expected a JSON object");
  OciSeccomp out;
  if (!root.contains("defaultAction")) return in.Fail("defaultAction", "missing");
  Result<std::string> action = in.Action(root["defaultAction"], "defaultAction");
  if (!action.ok()) return action.error();
  out.default_action = std::move(*action);

  if (docker && root.contains("archMap")) {
    const json& arch_map = root["archMap"];
    if (!arch_map.is_array()) return in.Fail("archMap", "expected an array");
    for (const json& entry : arch_map) {
      if (!entry.is_object() || !entry.contains("architecture")) {
        return in.Fail("archMap", "expected objects with 'architecture'");
      }
      Result<std::string> arch = in.String(entry["architecture"], "archMap.architecture");
      if (!arch.ok()) return arch.error();
      if (*arch != "SCMP_ARCH_X86_64") continue;
      out.architectures.push_back(*arch);
      if (entry.contains("subArchitectures") && !entry["subArchitectures"].is_null()) {
        Result<std::vector<std::string>> sub =
            in.Strings(entry["subArchitectures"], "archMap.subArchitectures");
        if (!sub.ok()) return sub.error();
        out.architectures.insert(out.architectures.end(), sub->begin(), sub->end());
      }
    }
  } else if (root.contains("architectures") && !root["architectures"].is_null()) {
    Result<std::vector<std::string>> archs = in.Strings(root["architectures"], "architectures");
    if (!archs.ok()) return archs.error();
    out.architectures = std::move(*archs);
  }

  if (root.contains("syscalls") && !root["syscalls"].is_null()) {
    const json& syscalls = root["syscalls"];
    if (!syscalls.is_array()) return in.Fail("syscalls", "expected an array");
    int skipped_arch = 0;
    int skipped_caps = 0;
    for (size_t i = 0; i < syscalls.size(); ++i) {
      const json& item = syscalls[i];
      std::string field = fmt::format("syscalls[{}]", i);
      if (docker && item.is_object()) {
        // Docker's conditions, evaluated for a default amd64 container.
        const json empty = json::object();
        const json& includes = item.contains("includes") ? item["includes"] : empty;
        const json& excludes = item.contains("excludes") ? item["excludes"] : empty;
        if ((NonEmptyArray(includes, "arches") && !Contains(includes, "arches", "amd64")) ||
            Contains(excludes, "arches", "amd64")) {
          ++skipped_arch;
          continue;
        }
        if (NonEmptyArray(includes, "caps")) {
          ++skipped_caps;
          continue;
        }
      }
      Result<Rule> rule = in.ReadRule(item, field);
      if (!rule.ok()) return rule.error();
      out.rules.push_back(std::move(*rule));
    }
    if (skipped_arch > 0) {
      notes.push_back(fmt::format("skipped {} rules for other CPU architectures", skipped_arch));
    }
    if (skipped_caps > 0) {
      notes.push_back(
          fmt::format("skipped {} rules that apply only when the container has extra capabilities",
                      skipped_caps));
    }
  }
  return out;
}

Profile ToProfile(const OciSeccomp& seccomp, std::string_view source,
                  std::vector<std::string>& notes) {
  Profile profile;
  profile.kind = ProfileKind::kStatic;
  profile.target = std::string(source);
  bool i386 = std::find(seccomp.architectures.begin(), seccomp.architectures.end(),
                        "SCMP_ARCH_X86") != seccomp.architectures.end();
  bool allow_list = EffectOf(seccomp.default_action) == ActionEffect::kBlocked;
  std::vector<std::string> unknown;

  if (allow_list) {
    // Calls allowed only under argument conditions, by number: each rule's conditions.
    std::map<int, std::vector<const Rule*>> conditional;
    SyscallSet unconditional;
    for (const Rule& rule : seccomp.rules) {
      ActionEffect effect = *EffectOf(rule.action);
      if (effect == ActionEffect::kBlocked) continue;
      for (const std::string& name : rule.names) {
        std::optional<int> number = SyscallNumber(name);
        bool on_i386 = i386 && I386SyscallNumber(name).has_value();
        if (number) {
          profile.syscalls.Insert(*number);
          if (effect == ActionEffect::kLogged) profile.soft_syscalls.Insert(*number);
          if (effect == ActionEffect::kRuns && rule.conditional) {
            conditional[*number].push_back(&rule);
          } else {
            unconditional.Insert(*number);
          }
        }
        if (on_i386) profile.compat_i386[name] = 0;
        if (!number && !on_i386) unknown.push_back(name);
      }
    }
    // The argument values the rules let through, per argument of the table: the union over
    // the rules, or any value when some rule leaves the argument free.
    std::vector<std::string> widened;
    for (const auto& [number, rules] : conditional) {
      if (unconditional.Contains(number)) continue;
      bool kept_all = true;
      for (const ArgumentSpec& spec : ArgumentSpecsOf(number)) {
        std::set<uint64_t> values;
        bool any = false;
        for (const Rule* rule : rules) {
          std::optional<std::set<uint64_t>> these = ValuesLetThrough(rule->conditions, spec);
          if (!these) {
            any = true;
            break;
          }
          values.insert(these->begin(), these->end());
        }
        if (!any) profile.args[number][spec.index] = std::move(values);
      }
      for (const Rule* rule : rules) {
        for (const Condition& c : rule->conditions) {
          const ArgumentSpec* spec = FindArgumentSpec(number, static_cast<uint8_t>(c.index));
          bool kept = spec != nullptr && profile.args.contains(number) &&
                      profile.args[number].contains(spec->index) &&
                      (c.op == "SCMP_CMP_EQ" || c.op == "SCMP_CMP_MASKED_EQ");
          kept_all = kept_all && kept;
        }
      }
      if (!kept_all) widened.emplace_back(SyscallName(number));
    }
    if (!widened.empty()) {
      std::string list;
      for (const std::string& name : widened) list += (list.empty() ? "" : ", ") + name;
      notes.push_back(fmt::format(
          "argument conditions kept only as far as the profile can say them (values of the "
          "argument table, equal or masked-equal): {} may be allowed more widely",
          list));
    }
  } else {
    profile.syscalls = SyscallSet::All();
    for (const Rule& rule : seccomp.rules) {
      if (*EffectOf(rule.action) != ActionEffect::kBlocked || rule.conditional) continue;
      for (const std::string& name : rule.names) {
        std::optional<int> number = SyscallNumber(name);
        if (number) {
          profile.syscalls.Erase(*number);
        } else if (!I386SyscallNumber(name)) {
          unknown.push_back(name);
        }
      }
    }
  }
  // A name in both a plain allow rule and a log rule runs unlogged for some arguments.
  if (!profile.soft_syscalls.Empty()) profile.kind = ProfileKind::kHybrid;
  std::sort(unknown.begin(), unknown.end());
  unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
  if (!unknown.empty()) {
    notes.push_back(fmt::format("ignored {} names that are not x86-64 syscalls (e.g. '{}')",
                                unknown.size(), unknown.front()));
  }
  return profile;
}

}  // namespace

Result<ImportedSeccomp> ImportSeccompJson(std::string_view text, std::string_view source) {
  if (text.size() > kMaxInputBytes) {
    return MakeError("{}: larger than {} MiB, not a seccomp profile", source, kMaxInputBytes >> 20);
  }
  Status nesting = CheckNesting(text, source);
  if (!nesting.ok()) return nesting.error();
  json root = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return MakeError("{}: not valid JSON", source);
  Reader in(source);
  if (!root.is_object()) return in.Fail("(top level)", "expected a JSON object");

  const json* seccomp = &root;
  // A whole OCI config.json: the profile is linux.seccomp.
  if (root.contains("linux") || root.contains("ociVersion")) {
    if (!root.contains("linux") || !root["linux"].is_object() ||
        !root["linux"].contains("seccomp")) {
      return in.Fail("linux.seccomp", "missing: this OCI config has no seccomp profile");
    }
    seccomp = &root["linux"]["seccomp"];
  }
  bool docker = seccomp->is_object() && seccomp->contains("archMap");
  if (!docker && seccomp->is_object() && seccomp->contains("syscalls") &&
      (*seccomp)["syscalls"].is_array()) {
    for (const json& item : (*seccomp)["syscalls"]) {
      if (item.is_object() && (item.contains("includes") || item.contains("excludes"))) {
        docker = true;
      }
    }
  }
  ImportedSeccomp imported;
  Result<OciSeccomp> parsed = ReadSeccomp(*seccomp, in, docker, imported.notes);
  if (!parsed.ok()) return parsed.error();
  imported.profile = ToProfile(*parsed, source, imported.notes);
  return imported;
}

Result<ImportedSeccomp> ImportSeccompFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return ImportSeccompJson(*text, path == "-" ? "standard input" : path);
}

}  // namespace sysfence
