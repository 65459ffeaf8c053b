// The classes of static-only calls: names, JSON and text (see static_only.h).
#include "profile/static_only.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "profile/compare.h"
#include "profile/json_field_reader.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

namespace {

struct ClassNames {
  std::string_view key;
  std::string_view title;
};

// In the order of StaticOnlyClass.
constexpr ClassNames kClassNames[] = {
    {"other_path", "reachable on another path"},
    {"rare_path", "error or rare path"},
    {"indirect_only", "only through an indirect call"},
    {"machinery", "loader or libc machinery"},
};

}  // namespace

std::string_view StaticOnlyClassKey(StaticOnlyClass c) {
  return kClassNames[static_cast<size_t>(c)].key;
}

std::string_view StaticOnlyClassTitle(StaticOnlyClass c) {
  return kClassNames[static_cast<size_t>(c)].title;
}

int StaticOnlyReport::Count(StaticOnlyClass c) const {
  return static_cast<int>(std::count_if(
      calls.begin(), calls.end(), [&](const StaticOnlyCall& call) { return call.kind == c; }));
}

nlohmann::json StaticOnlyToJson(const StaticOnlyReport& report) {
  nlohmann::json counts = nlohmann::json::object();
  for (StaticOnlyClass c : kStaticOnlyClasses) {
    counts[std::string(StaticOnlyClassKey(c))] = report.Count(c);
  }
  nlohmann::json calls = nlohmann::json::array();
  for (const StaticOnlyCall& call : report.calls) {
    calls.push_back({{"syscall", SyscallDisplayName(call.number)},
                     {"class", StaticOnlyClassKey(call.kind)},
                     {"evidence", call.evidence},
                     {"path", call.path}});
  }
  nlohmann::json sites = nlohmann::json::array();
  for (const SiteCoverage& site : report.sites) {
    sites.push_back({{"image", site.image},
                     {"function", site.function},
                     {"address", fmt::format("{:#x}", site.address)},
                     {"syscalls", site.calls.Names()},
                     {"ran", site.ran}});
  }
  return {{"target", report.target},
          {"static_sites", report.static_sites},
          {"static_sites_ran", report.static_sites_ran},
          {"without_sites", report.without_sites},
          {"counts", counts},
          {"calls", calls},
          {"sites", sites}};
}

Result<StaticOnlyReport> StaticOnlyFromJson(const nlohmann::json& json, std::string_view source) {
  JsonFieldReader in(source);
  if (!json.is_object() || !json.contains("calls") || !json["calls"].is_array()) {
    return in.Fail("calls", "expected an object with an array 'calls'");
  }
  StaticOnlyReport report;
  if (json.contains("target")) {
    Result<std::string> target = in.String(json["target"], "target");
    if (!target.ok()) return target.error();
    report.target = *target;
  }
  for (const char* field : {"static_sites", "static_sites_ran"}) {
    if (!json.contains(field)) continue;
    Result<int64_t> n = in.Integer(json[field], field, 0);
    if (!n.ok()) return n.error();
    (field == std::string_view("static_sites") ? report.static_sites : report.static_sites_ran) =
        static_cast<int>(std::min<int64_t>(*n, INT32_MAX));
  }
  if (json.contains("without_sites")) {
    if (!json["without_sites"].is_boolean())
      return in.Fail("without_sites", "expected true or false");
    report.without_sites = json["without_sites"].get<bool>();
  }
  for (const nlohmann::json& item : json["calls"]) {
    if (!item.is_object()) return in.Fail("calls", "expected objects");
    StaticOnlyCall call;
    Result<std::string> name = in.String(item.value("syscall", nlohmann::json()), "calls.syscall");
    if (!name.ok()) return name.error();
    std::optional<int> number = ParseSyscallName(*name);
    if (!number) return in.Fail("calls.syscall", fmt::format("unknown syscall name '{}'", *name));
    call.number = *number;
    Result<std::string> key = in.String(item.value("class", nlohmann::json()), "calls.class");
    if (!key.ok()) return key.error();
    auto found = std::find_if(kStaticOnlyClasses.begin(), kStaticOnlyClasses.end(),
                              [&](StaticOnlyClass c) { return StaticOnlyClassKey(c) == *key; });
    if (found == kStaticOnlyClasses.end()) {
      return in.Fail("calls.class", fmt::format("unknown class '{}'", *key));
    }
    call.kind = *found;
    if (item.contains("evidence")) {
      Result<std::string> evidence = in.String(item["evidence"], "calls.evidence");
      if (!evidence.ok()) return evidence.error();
      call.evidence = *evidence;
    }
    if (item.contains("path")) {
      if (!item["path"].is_array()) return in.Fail("calls.path", "expected an array of lines");
      for (const nlohmann::json& line : item["path"]) {
        Result<std::string> text = in.String(line, "calls.path");
        if (!text.ok()) return text.error();
        call.path.push_back(*text);
      }
    }
    report.calls.push_back(std::move(call));
  }
  if (json.contains("sites")) {
    if (!json["sites"].is_array()) return in.Fail("sites", "expected an array");
    for (const nlohmann::json& item : json["sites"]) {
      if (!item.is_object()) return in.Fail("sites", "expected objects");
      SiteCoverage site;
      for (auto [field, into] : {std::pair{"image", &site.image}, {"function", &site.function}}) {
        if (!item.contains(field)) continue;
        Result<std::string> text = in.String(item[field], std::string("sites.") + field);
        if (!text.ok()) return text.error();
        *into = *text;
      }
      std::string address = "0x0";
      if (item.contains("address")) {
        Result<std::string> text = in.String(item["address"], "sites.address");
        if (!text.ok()) return text.error();
        address = *text;
      }
      char* end = nullptr;
      site.address = strtoull(address.c_str(), &end, 16);
      if (!address.starts_with("0x") || *end != '\0') {
        return in.Fail("sites.address", fmt::format("'{}' is not a hexadecimal address", address));
      }
      const nlohmann::json& names =
          item.contains("syscalls") ? item["syscalls"] : nlohmann::json::array();
      if (!names.is_array()) return in.Fail("sites.syscalls", "expected an array of names");
      for (const nlohmann::json& name : names) {
        std::optional<int> number =
            name.is_string() ? ParseSyscallName(name.get<std::string>()) : std::nullopt;
        if (!number)
          return in.Fail("sites.syscalls", fmt::format("unknown syscall {}", name.dump()));
        site.calls.Insert(*number);
      }
      if (item.contains("ran") && !item["ran"].is_boolean()) {
        return in.Fail("sites.ran", "expected true or false");
      }
      site.ran = item.contains("ran") && item["ran"].get<bool>();
      report.sites.push_back(std::move(site));
    }
  }
  return report;
}

std::string StaticOnlyToText(const StaticOnlyReport& report) {
  int total = static_cast<int>(report.calls.size());
  std::string out = fmt::format("{} syscall(s) static analysis finds and the trace lacks", total);
  if (!report.target.empty()) out += fmt::format(" ({})", report.target);
  out += ":\n";
  if (report.without_sites) {
    out +=
        "  (the trace kept no syscall sites: no site is known to have run, so no call can be "
        "shown reachable on another path)\n";
  } else {
    out += fmt::format("  the trace ran {} of the {} syscall sites static analysis reaches\n",
                       report.static_sites_ran, report.static_sites);
  }
  for (StaticOnlyClass c : kStaticOnlyClasses) {
    std::string names;
    for (const StaticOnlyCall& call : report.calls) {
      if (call.kind == c) names += " " + SyscallDisplayName(call.number);
    }
    out += fmt::format("  {:<31} {:>3} ({:.0f}%){}\n", std::string(StaticOnlyClassTitle(c)) + ":",
                       report.Count(c), Percent(report.Count(c), total),
                       names.empty() ? "" : ":" + names);
  }
  for (StaticOnlyCall const& call : report.calls) {
    out += fmt::format("\n{}: {}\n  {}\n", SyscallDisplayName(call.number),
                       StaticOnlyClassTitle(call.kind), call.evidence);
    for (const std::string& line : call.path) out += fmt::format("    {}\n", line);
  }
  return out;
}

}  // namespace sysfence
