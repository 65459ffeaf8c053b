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
  return {{"target", report.target},
          {"static_sites", report.static_sites},
          {"static_sites_ran", report.static_sites_ran},
          {"without_sites", report.without_sites},
          {"counts", counts},
          {"calls", calls}};
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
  report.without_sites = json.value("without_sites", false);
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
