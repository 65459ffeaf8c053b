// Profile JSON (versions 1 and 2): writer and strict reader (see profile_json.h).
#include "profile/profile_json.h"

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "profile/json_field_reader.h"
#include "syscalls/argument_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

json NamesOf(const SyscallSet& set) { return set.Names(); }

json ImagesToJson(const std::map<std::string, SyscallSet>& images) {
  json out = json::object();
  for (const auto& [path, set] : images) out[path] = NamesOf(set);
  return out;
}

json CountsByName(const std::map<int, uint64_t>& counts) {
  json object = json::object();
  for (const auto& [number, count] : counts) object[SyscallDisplayName(number)] = count;
  return object;
}

json ArgumentsToJson(const ArgumentValues& args) {
  json out = json::object();
  for (const auto& [syscall, arguments] : args) {
    json entry = json::object();
    for (const auto& [index, values] : arguments) {
      const ArgumentSpec* spec = FindArgumentSpec(syscall, index);
      if (spec == nullptr) continue;
      json list = json::array();
      for (uint64_t v : values) list.push_back(FormatArgumentValue(*spec, v));
      entry[std::string(spec->name)] = std::move(list);
    }
    if (!entry.empty()) out[SyscallDisplayName(syscall)] = std::move(entry);
  }
  return out;
}

bool HasArguments(const Profile& profile) {
  if (!profile.args.empty() || !profile.image_args.empty()) return true;
  for (const Phase& phase : profile.phases) {
    if (!phase.args.empty()) return true;
  }
  return false;
}

json LocationToJson(const CodeLocation& location) {
  return {{"image", location.image},
          {"function", location.function},
          {"address", fmt::format("{:#x}", location.address)}};
}

// Reads of the profile's own field types: syscall names, sets, counts, code locations.
class Reader : public JsonFieldReader {
 public:
  using JsonFieldReader::JsonFieldReader;

  Result<int> Syscall(std::string_view name, std::string_view field) const {
    std::optional<int> number = ParseSyscallName(name);
    if (!number) return Fail(field, fmt::format("unknown syscall name '{}'", name));
    return *number;
  }

  Result<SyscallSet> Set(const json& value, std::string_view field) const {
    if (!value.is_array()) return Fail(field, "expected an array of syscall names");
    SyscallSet set;
    for (const json& item : value) {
      if (!item.is_string()) return Fail(field, "expected an array of syscall names");
      auto number = Syscall(item.get<std::string>(), field);
      if (!number.ok()) return number.error();
      set.Insert(*number);
    }
    return set;
  }

  // {"socket": {"domain": ["AF_INET"], ...}, ...}: only syscalls of `calls` and arguments of
  // the argument table, with values their spec can hold.
  Result<ArgumentValues> Arguments(const json& value, std::string_view field,
                                   const SyscallSet& calls) const {
    if (!value.is_object())
      return Fail(field, "expected an object of syscall: {argument: [values]}");
    ArgumentValues out;
    for (const auto& [name, arguments] : value.items()) {
      std::string where = fmt::format("{}.{}", field, name);
      Result<int> number = Syscall(name, field);
      if (!number.ok()) return number.error();
      if (!calls.Contains(*number)) return Fail(where, "names a syscall the set does not hold");
      if (!arguments.is_object()) return Fail(where, "expected an object of argument: [values]");
      SyscallArgumentValues& into = out[*number];
      for (const auto& [argument, values] : arguments.items()) {
        const ArgumentSpec* spec = FindArgumentSpec(*number, argument);
        if (spec == nullptr) {
          return Fail(where, fmt::format("'{}' is not an argument sysfence records", argument));
        }
        if (!values.is_array()) return Fail(where + "." + argument, "expected an array of values");
        std::set<uint64_t>& set = into[spec->index];
        for (const json& item : values) {
          std::optional<uint64_t> parsed;
          if (item.is_string()) parsed = ParseArgumentValue(*spec, item.get<std::string>());
          if (!parsed) {
            return Fail(where + "." + argument,
                        fmt::format("{} is not a value of {}'s {}", item.dump(), name, argument));
          }
          set.insert(*parsed);
        }
      }
      if (into.empty()) out.erase(*number);
    }
    return out;
  }

  Result<std::map<int, uint64_t>> Counts(const json& value, std::string_view field) const {
    if (!value.is_object()) return Fail(field, "expected an object of syscall: count");
    std::map<int, uint64_t> counts;
    for (const auto& [name, count] : value.items()) {
      auto number = Syscall(name, field);
      if (!number.ok()) return number.error();
      auto n = Integer(count, fmt::format("{}.{}", field, name), 0);
      if (!n.ok()) return n.error();
      counts[*number] = static_cast<uint64_t>(*n);
    }
    return counts;
  }

  Result<CodeLocation> Location(const json& value, std::string_view field) const {
    if (!value.is_object()) return Fail(field, "expected an object");
    CodeLocation location;
    if (value.contains("image")) {
      auto s = String(value["image"], field);
      if (!s.ok()) return s.error();
      location.image = *s;
    }
    if (value.contains("function")) {
      auto s = String(value["function"], field);
      if (!s.ok()) return s.error();
      location.function = *s;
    }
    if (value.contains("address")) {
      const json& address = value["address"];
      if (address.is_number_unsigned()) {
        location.address = address.get<uint64_t>();
      } else if (address.is_string()) {
        const std::string& text = address.get_ref<const std::string&>();
        char* end = nullptr;
        errno = 0;
        location.address = strtoull(text.c_str(), &end, 0);
        if (text.empty() || *end != '\0' || errno != 0) return Fail(field, "bad address");
      } else {
        return Fail(field, "bad address");
      }
    }
    return location;
  }
};

#define SYSFENCE_ASSIGN_OR_RETURN(target, expression) \
  do {                                                \
    auto result_ = (expression);                      \
    if (!result_.ok()) return result_.error();        \
    target = std::move(*result_);                     \
  } while (false)

Result<Profile> ProfileFromJson(const json& root, const Reader& in) {
  if (!root.is_object()) return in.Fail("(top level)", "expected a JSON object");
  if (!root.contains("sysfence")) return in.Fail("sysfence", "missing: not a sysfence profile");
  int64_t version = 0;
  SYSFENCE_ASSIGN_OR_RETURN(version, in.Integer(root["sysfence"], "sysfence", 1));
  if (version > kProfileFormatVersion) {
    return in.Fail("sysfence", fmt::format("version {} is newer than this sysfence reads ({})",
                                           version, kProfileFormatVersion));
  }
  if (!root.contains("syscalls")) return in.Fail("syscalls", "missing");

  Profile profile;
  SYSFENCE_ASSIGN_OR_RETURN(profile.syscalls, in.Set(root["syscalls"], "syscalls"));
  if (root.contains("arch")) {
    SYSFENCE_ASSIGN_OR_RETURN(profile.arch, in.String(root["arch"], "arch"));
    if (profile.arch != "x86_64") {
      return in.Fail("arch", fmt::format("'{}' is not supported (only x86_64)", profile.arch));
    }
  }
  if (root.contains("kind")) {
    std::string kind;
    SYSFENCE_ASSIGN_OR_RETURN(kind, in.String(root["kind"], "kind"));
    std::optional<ProfileKind> parsed = ProfileKindFromName(kind);
    if (!parsed) {
      return in.Fail("kind",
                     fmt::format("'{}' is not one of dynamic, static, merged, hybrid", kind));
    }
    profile.kind = *parsed;
  }
  if (root.contains("target")) {
    SYSFENCE_ASSIGN_OR_RETURN(profile.target, in.String(root["target"], "target"));
  }
  if (root.contains("runs")) {
    int64_t runs = 0;
    SYSFENCE_ASSIGN_OR_RETURN(runs, in.Integer(root["runs"], "runs", 0));
    profile.runs = static_cast<int>(std::min<int64_t>(runs, INT32_MAX));
  }
  if (root.contains("counts")) {
    SYSFENCE_ASSIGN_OR_RETURN(profile.counts, in.Counts(root["counts"], "counts"));
  }
  if (root.contains("seen_in_runs")) {
    std::map<int, uint64_t> seen;
    SYSFENCE_ASSIGN_OR_RETURN(seen, in.Counts(root["seen_in_runs"], "seen_in_runs"));
    for (const auto& [number, n] : seen) {
      if (n > static_cast<uint64_t>(profile.runs)) {
        return in.Fail("seen_in_runs", fmt::format("{} is seen in {} runs of {}",
                                                   SyscallDisplayName(number), n, profile.runs));
      }
      profile.seen_in_runs[number] = static_cast<int>(n);
    }
  }
  if (root.contains("images")) {
    const json& images = root["images"];
    if (!images.is_object()) return in.Fail("images", "expected an object of path: [names]");
    for (const auto& [path, names] : images.items()) {
      SYSFENCE_ASSIGN_OR_RETURN(profile.images[path], in.Set(names, "images." + path));
    }
  }
  if (root.contains("phases")) {
    const json& phases = root["phases"];
    if (!phases.is_array()) return in.Fail("phases", "expected an array");
    for (size_t i = 0; i < phases.size(); ++i) {
      const json& item = phases[i];
      std::string field = fmt::format("phases[{}]", i);
      if (!item.is_object()) return in.Fail(field, "expected an object");
      if (!item.contains("name") || !item.contains("syscalls")) {
        return in.Fail(field, "needs 'name' and 'syscalls'");
      }
      Phase phase;
      SYSFENCE_ASSIGN_OR_RETURN(phase.name, in.String(item["name"], field + ".name"));
      SYSFENCE_ASSIGN_OR_RETURN(phase.syscalls, in.Set(item["syscalls"], field + ".syscalls"));
      if (item.contains("trigger")) {
        SYSFENCE_ASSIGN_OR_RETURN(phase.trigger, in.String(item["trigger"], field + ".trigger"));
      }
      if (item.contains("counts")) {
        SYSFENCE_ASSIGN_OR_RETURN(phase.counts, in.Counts(item["counts"], field + ".counts"));
      }
      if (item.contains("images")) {
        const json& images = item["images"];
        if (!images.is_object()) {
          return in.Fail(field + ".images", "expected an object of path: [names]");
        }
        for (const auto& [path, names] : images.items()) {
          std::string where = fmt::format("{}.images.{}", field, path);
          SYSFENCE_ASSIGN_OR_RETURN(phase.images[path], in.Set(names, where));
          SyscallSet extra = phase.images[path] - phase.syscalls;
          if (!extra.Empty()) {
            return in.Fail(where, fmt::format("holds '{}', which the phase's syscalls do not",
                                              extra.Names().front()));
          }
        }
      }
      if (item.contains("args")) {
        SYSFENCE_ASSIGN_OR_RETURN(phase.args,
                                  in.Arguments(item["args"], field + ".args", phase.syscalls));
      }
      profile.phases.push_back(std::move(phase));
    }
  }
  if (root.contains("args")) {
    SYSFENCE_ASSIGN_OR_RETURN(profile.args, in.Arguments(root["args"], "args", profile.syscalls));
  }
  if (root.contains("image_args")) {
    const json& images = root["image_args"];
    if (!images.is_object()) return in.Fail("image_args", "expected an object of path: {...}");
    for (const auto& [path, args] : images.items()) {
      auto image = profile.images.find(path);
      if (image == profile.images.end()) {
        return in.Fail("image_args." + path, "names an image 'images' does not hold");
      }
      SYSFENCE_ASSIGN_OR_RETURN(profile.image_args[path],
                                in.Arguments(args, "image_args." + path, image->second));
    }
  }
  if (root.contains("compat_syscalls")) {
    const json& compat = root["compat_syscalls"];
    if (!compat.is_object()) return in.Fail("compat_syscalls", "expected an object");
    if (compat.contains("i386")) {
      const json& i386 = compat["i386"];
      if (!i386.is_object()) return in.Fail("compat_syscalls.i386", "expected an object");
      for (const auto& [name, count] : i386.items()) {
        if (!I386SyscallNumber(name)) {
          return in.Fail("compat_syscalls.i386", fmt::format("unknown i386 syscall '{}'", name));
        }
        int64_t n = 0;
        SYSFENCE_ASSIGN_OR_RETURN(n, in.Integer(count, "compat_syscalls.i386." + name, 0));
        profile.compat_i386[name] = static_cast<uint64_t>(n);
      }
    }
  }
  if (root.contains("soft_syscalls")) {
    SYSFENCE_ASSIGN_OR_RETURN(profile.soft_syscalls,
                              in.Set(root["soft_syscalls"], "soft_syscalls"));
  }
  if (root.contains("unresolved")) {
    const json& unresolved = root["unresolved"];
    if (!unresolved.is_array()) return in.Fail("unresolved", "expected an array");
    for (const json& item : unresolved) {
      UnresolvedSite site;
      SYSFENCE_ASSIGN_OR_RETURN(site.location, in.Location(item, "unresolved"));
      if (item.contains("reason")) {
        SYSFENCE_ASSIGN_OR_RETURN(site.reason, in.String(item["reason"], "unresolved.reason"));
      }
      profile.unresolved.push_back(std::move(site));
    }
  }
  if (root.contains("evidence")) {
    const json& evidence = root["evidence"];
    if (!evidence.is_object()) return in.Fail("evidence", "expected an object");
    for (const auto& [name, sites] : evidence.items()) {
      int number = 0;
      SYSFENCE_ASSIGN_OR_RETURN(number, in.Syscall(name, "evidence"));
      if (!sites.is_array()) return in.Fail("evidence." + name, "expected an array");
      for (const json& site : sites) {
        CodeLocation location;
        SYSFENCE_ASSIGN_OR_RETURN(location, in.Location(site, "evidence." + name));
        profile.evidence[number].push_back(std::move(location));
      }
    }
  }
  if (root.contains("added_objects")) {
    const json& added = root["added_objects"];
    if (!added.is_array()) return in.Fail("added_objects", "expected an array");
    for (const json& item : added) {
      if (!item.is_object() || !item.contains("path")) {
        return in.Fail("added_objects", "expected objects with 'path'");
      }
      AddedObject object;
      SYSFENCE_ASSIGN_OR_RETURN(object.path, in.String(item["path"], "added_objects.path"));
      if (item.contains("reason")) {
        SYSFENCE_ASSIGN_OR_RETURN(object.reason, in.String(item["reason"], "added_objects.reason"));
      }
      profile.added_objects.push_back(std::move(object));
    }
  }
  if (root.contains("from_function")) {
    CodeLocation location;
    SYSFENCE_ASSIGN_OR_RETURN(location, in.Location(root["from_function"], "from_function"));
    profile.from_function = std::move(location);
  }
  if (root.contains("script")) {
    const json& script = root["script"];
    if (!script.is_object() || !script.contains("programs") || !script["programs"].is_array()) {
      return in.Fail("script", "expected an object with 'programs'");
    }
    ScriptInfo info;
    if (script.contains("line")) {
      SYSFENCE_ASSIGN_OR_RETURN(info.line, in.String(script["line"], "script.line"));
    }
    for (const json& program : script["programs"]) {
      std::string path;
      SYSFENCE_ASSIGN_OR_RETURN(path, in.String(program, "script.programs"));
      info.programs.push_back(std::move(path));
    }
    profile.script = std::move(info);
  }
  if (root.contains("discovery")) {
    const json& discovery = root["discovery"];
    if (!discovery.is_array()) return in.Fail("discovery", "expected an array");
    for (const json& item : discovery) {
      if (!item.is_object() || !item.contains("t") || !item.contains("syscall") ||
          !item["t"].is_number()) {
        return in.Fail("discovery", "expected objects with 't' and 'syscall'");
      }
      Discovery d;
      d.time = item["t"].get<double>();
      std::string name;
      SYSFENCE_ASSIGN_OR_RETURN(name, in.String(item["syscall"], "discovery.syscall"));
      SYSFENCE_ASSIGN_OR_RETURN(d.number, in.Syscall(name, "discovery"));
      if (item.contains("pid")) {
        int64_t pid = 0;
        SYSFENCE_ASSIGN_OR_RETURN(pid, in.Integer(item["pid"], "discovery.pid", 0));
        d.pid = static_cast<int>(std::min<int64_t>(pid, INT32_MAX));
      }
      profile.discovery.push_back(d);
    }
  }
  if (root.contains("sites")) {
    const json& sites = root["sites"];
    if (!sites.is_object())
      return in.Fail("sites", "expected an object of path: {offset: [names]}");
    for (const auto& [path, offsets] : sites.items()) {
      std::string where = fmt::format("sites.{}", path);
      if (!offsets.is_object()) return in.Fail(where, "expected an object of offset: [names]");
      std::map<uint64_t, SyscallSet>& into = profile.sites[path];
      for (const auto& [offset_text, names] : offsets.items()) {
        char* end = nullptr;
        errno = 0;
        uint64_t offset = strtoull(offset_text.c_str(), &end, 16);
        if (!offset_text.starts_with("0x") || *end != '\0' || errno != 0) {
          return in.Fail(where,
                         fmt::format("'{}' is not a hexadecimal offset (0x...)", offset_text));
        }
        SYSFENCE_ASSIGN_OR_RETURN(into[offset], in.Set(names, where + "." + offset_text));
      }
    }
  }
  if (root.contains("incomplete")) {
    if (!root["incomplete"].is_boolean()) return in.Fail("incomplete", "expected true or false");
    profile.incomplete = root["incomplete"].get<bool>();
  }
  if (root.contains("exit_status")) {
    int64_t status = 0;
    SYSFENCE_ASSIGN_OR_RETURN(status, in.Integer(root["exit_status"], "exit_status", -1));
    profile.exit_status = static_cast<int>(std::min<int64_t>(status, 255));
  }

  // The union must hold everything the parts hold, or the file was edited inconsistently.
  SyscallSet parts = profile.soft_syscalls;
  for (const auto& [path, set] : profile.images) parts |= set;
  for (const Phase& phase : profile.phases) parts |= phase.syscalls;
  for (const auto& [number, count] : profile.counts) parts.Insert(number);
  for (const auto& [path, offsets] : profile.sites) {
    for (const auto& [offset, calls] : offsets) parts |= calls;
  }
  SyscallSet missing = parts - profile.syscalls;
  if (!missing.Empty()) {
    return in.Fail("syscalls", fmt::format("does not hold '{}', which other fields list",
                                           missing.Names().front()));
  }
  return profile;
}

#undef SYSFENCE_ASSIGN_OR_RETURN

}  // namespace

std::string ProfileToJsonText(const Profile& profile) {
  json root = json::object();
  // Version 2 only adds argument values: without them the file is a version 1 file, which
  // older readers keep reading.
  root["sysfence"] = HasArguments(profile) ? kProfileFormatVersion : 1;
  root["arch"] = profile.arch;
  root["kind"] = ProfileKindName(profile.kind);
  root["target"] = profile.target;
  root["runs"] = profile.runs;
  root["syscalls"] = NamesOf(profile.syscalls);
  root["counts"] = CountsByName(profile.counts);
  json seen = json::object();
  for (const auto& [number, n] : profile.seen_in_runs) seen[SyscallDisplayName(number)] = n;
  root["seen_in_runs"] = seen;
  root["images"] = ImagesToJson(profile.images);
  json phases = json::array();
  for (const Phase& phase : profile.phases) {
    json item = {{"name", phase.name}, {"syscalls", NamesOf(phase.syscalls)}};
    if (!phase.trigger.empty()) item["trigger"] = phase.trigger;
    if (!phase.counts.empty()) item["counts"] = CountsByName(phase.counts);
    if (!phase.images.empty()) item["images"] = ImagesToJson(phase.images);
    if (!phase.args.empty()) item["args"] = ArgumentsToJson(phase.args);
    phases.push_back(std::move(item));
  }
  root["phases"] = phases;
  if (!profile.args.empty()) root["args"] = ArgumentsToJson(profile.args);
  if (!profile.image_args.empty()) {
    json images = json::object();
    for (const auto& [path, args] : profile.image_args) images[path] = ArgumentsToJson(args);
    root["image_args"] = images;
  }
  if (!profile.compat_i386.empty()) {
    json i386 = json::object();
    for (const auto& [name, count] : profile.compat_i386) i386[name] = count;
    root["compat_syscalls"] = {{"i386", i386}};
  }
  if (!profile.soft_syscalls.Empty()) root["soft_syscalls"] = NamesOf(profile.soft_syscalls);
  json unresolved = json::array();
  for (const UnresolvedSite& site : profile.unresolved) {
    json item = LocationToJson(site.location);
    item["reason"] = site.reason;
    unresolved.push_back(std::move(item));
  }
  root["unresolved"] = unresolved;
  json evidence = json::object();
  for (const auto& [number, sites] : profile.evidence) {
    json list = json::array();
    for (const CodeLocation& site : sites) list.push_back(LocationToJson(site));
    evidence[SyscallDisplayName(number)] = std::move(list);
  }
  root["evidence"] = evidence;
  if (!profile.added_objects.empty()) {
    json added = json::array();
    for (const AddedObject& object : profile.added_objects) {
      added.push_back({{"path", object.path}, {"reason", object.reason}});
    }
    root["added_objects"] = added;
  }
  if (profile.from_function) root["from_function"] = LocationToJson(*profile.from_function);
  if (profile.script) {
    root["script"] = {{"line", profile.script->line}, {"programs", profile.script->programs}};
  }
  if (!profile.discovery.empty()) {
    json discovery = json::array();
    for (const Discovery& d : profile.discovery) {
      discovery.push_back(
          {{"t", d.time}, {"syscall", SyscallDisplayName(d.number)}, {"pid", d.pid}});
    }
    root["discovery"] = discovery;
  }
  if (!profile.sites.empty()) {
    json sites = json::object();
    for (const auto& [path, offsets] : profile.sites) {
      json by_offset = json::object();
      for (const auto& [offset, calls] : offsets) {
        by_offset[fmt::format("{:#x}", offset)] = NamesOf(calls);
      }
      sites[path] = std::move(by_offset);
    }
    root["sites"] = std::move(sites);
  }
  if (profile.incomplete) root["incomplete"] = true;
  if (profile.exit_status >= 0) root["exit_status"] = profile.exit_status;
  // Paths come from the file system and need not be UTF-8; JSON strings must be, so bytes
  // that are not are replaced (U+FFFD) rather than failing the whole profile.
  return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<Profile> ProfileFromJsonText(std::string_view text, std::string_view source) {
  json root = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    // Parse again with exceptions for the position of the fault.
    try {
      json ignored = json::parse(text);
      (void)ignored;
    } catch (const json::parse_error& e) {
      return MakeError("{}: not valid JSON (at byte {})", source, e.byte);
    } catch (const json::exception& e) {
      // out_of_range: a number no double holds (1e999), which the parser reports this way.
      return MakeError("{}: not valid JSON ({})", source, e.what());
    }
    return MakeError("{}: not valid JSON", source);
  }
  return ProfileFromJson(root, Reader(source));
}

Result<Profile> ReadProfileFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return ProfileFromJsonText(*text, path == "-" ? "standard input" : path);
}

Status WriteProfileFile(const std::string& path, const Profile& profile, WriteSync sync) {
  return WriteFileAtomically(path, ProfileToJsonText(profile), sync);
}

}  // namespace sysfence
