// JSON Lines and CSV forms of the scan index (see scan_index.h).
#include "scan/scan_index.h"

#include <nlohmann/json.hpp>

namespace sysfence {
namespace {

using nlohmann::json;

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<ProgramKind> KindFromName(std::string_view name) {
  for (ProgramKind kind : {ProgramKind::kElf, ProgramKind::kScript, ProgramKind::kOther}) {
    if (ProgramKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace

std::string ProfileFileFor(const std::string& path) {
  return "profiles" + (path.starts_with('/') ? path : "/" + path) + ".json";
}

std::string IndexJsonLines(const std::vector<ScanEntry>& entries) {
  std::string out;
  for (const ScanEntry& e : entries) {
    json line = {{"path", e.path},
                 {"aliases", e.aliases},
                 {"kind", ProgramKindName(e.kind)},
                 {"package", e.package},
                 {"profile", e.profile},
                 {"error", e.error},
                 {"script", e.script},
                 {"syscall_count", e.syscalls.Size()},
                 {"syscalls", e.syscalls.Names()},
                 {"unresolved", e.unresolved},
                 {"warnings", e.warnings},
                 {"seconds", std::round(e.seconds * 1000) / 1000},
                 {"explain", e.explain}};
    out += line.dump() + "\n";
  }
  return out;
}

std::string IndexCsv(const std::vector<ScanEntry>& entries) {
  std::string out = "path,kind,package,syscalls,unresolved,seconds,error\n";
  for (const ScanEntry& e : entries) {
    out +=
        fmt::format("{},{},{},{},{},{:.3f},{}\n", CsvField(e.path), ProgramKindName(e.kind),
                    CsvField(e.package), e.analysed() ? std::to_string(e.syscalls.Size()) : "",
                    e.analysed() ? std::to_string(e.unresolved) : "", e.seconds, CsvField(e.error));
  }
  return out;
}

Result<std::vector<ScanEntry>> ParseIndexJsonLines(std::string_view text,
                                                   const std::string& source) {
  std::vector<ScanEntry> entries;
  size_t number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto fail = [&](std::string_view why) { return MakeError("{}:{}: {}", source, number, why); };
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return fail("not a JSON object");
    try {
      ScanEntry e;
      e.path = j.at("path").get<std::string>();
      e.aliases = j.value("aliases", std::vector<std::string>{});
      std::optional<ProgramKind> kind = KindFromName(j.value("kind", ""));
      if (!kind) return fail("unknown kind");
      e.kind = *kind;
      e.package = j.value("package", "");
      e.profile = j.value("profile", "");
      e.error = j.value("error", "");
      e.script = j.value("script", "");
      Result<SyscallSet> set =
          SyscallSet::FromNames(j.value("syscalls", std::vector<std::string>{}));
      if (!set.ok()) return fail(set.error().message());
      e.syscalls = *set;
      e.unresolved = j.value("unresolved", size_t{0});
      e.warnings = j.value("warnings", size_t{0});
      e.seconds = j.value("seconds", 0.0);
      e.explain = j.value("explain", std::map<std::string, std::string>{});
      entries.push_back(std::move(e));
    } catch (const json::exception& error) {
      return fail(error.what());
    }
  }
  return entries;
}

}  // namespace sysfence
