// The scan's index files, overview page and the merge of shard outputs (see scan_report.h).
#include "scan/scan_report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "profile/compare.h"
#include "report/html_page.h"
#include "report/svg_chart.h"
#include "scan/dangerous_syscalls.h"
#include "scan/docker_default.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

constexpr int kBand = 10;       // syscalls per bar of the set-size histogram
constexpr size_t kRanked = 25;  // rows of the most / least often reachable tables

std::string Escaped(std::string_view text) { return EscapeXml(text); }

std::string NameList(const SyscallSet& set) {
  std::string out;
  for (const std::string& name : set.Names()) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "(none)" : out;
}

std::vector<const ScanEntry*> Analysed(const std::vector<ScanEntry>& entries) {
  std::vector<const ScanEntry*> out;
  for (const ScanEntry& e : entries) {
    if (e.analysed()) out.push_back(&e);
  }
  return out;
}

std::string SummarySection(const ScanReport& r) {
  std::vector<const ScanEntry*> analysed = Analysed(r.entries);
  size_t scripts = 0, unresolved = 0;
  double total = 0;
  for (const ScanEntry* e : analysed) {
    scripts += e->kind == ProgramKind::kScript;
    unresolved += e->unresolved > 0;
    total += e->syscalls.Size();
  }
  std::string body =
      fmt::format("<h1>sysfence scan: {}</h1>\n<table id=\"summary\">\n", Escaped(r.title));
  auto row = [&](std::string_view what, std::string value) {
    body += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", what, value);
  };
  row("programs", std::to_string(r.entries.size()));
  row("analysed",
      fmt::format("{} ({} scripts, through their <code>#!</code> line)", analysed.size(), scripts));
  row("not analysed", std::to_string(r.entries.size() - analysed.size()));
  row("syscalls per program",
      analysed.empty() ? "-"
                       : fmt::format("mean {:.1f}", total / static_cast<double>(analysed.size())));
  row("with unresolved syscall sites", std::to_string(unresolved));
  row("distinct objects (programs' libraries)",
      fmt::format("{}, {} summarised in this scan, the others read from the cache", r.objects,
                  r.objects_summarized));
  row("time", fmt::format("{:.1f} s", r.seconds));
  if (!r.shards.empty()) row("shards", Escaped(r.shards));
  return body + "</table>\n";
}

std::string ImageSection(const ImageSummary& image) {
  SyscallSet docker = DockerDefaultSyscalls();
  SyscallSet unneeded = docker - image.profile;
  SyscallSet beyond = image.profile - docker;
  std::string body =
      fmt::format("<h2>Image {}</h2>\n<table id=\"image\">\n", Escaped(image.reference));
  std::string argv;
  for (const std::string& a : image.entrypoint) argv += (argv.empty() ? "" : " ") + a;
  body += fmt::format("<tr><th>entrypoint and command</th><td><code>{}</code></td></tr>\n",
                      Escaped(argv.empty() ? "(none)" : argv));
  body += fmt::format("<tr><th>profile for</th><td>{} ({} program{})</td></tr>\n",
                      Escaped(image.profile_for), image.programs.size(),
                      image.programs.size() == 1 ? "" : "s");
  body += fmt::format("<tr><th>the image's profile</th><td>{} syscalls</td></tr>\n",
                      image.profile.Size());
  body +=
      fmt::format("<tr><th>Docker's default profile</th><td>{} syscalls on x86-64 ({})</td></tr>\n",
                  docker.Size(), Escaped(kDockerDefaultSource));
  body += fmt::format(
      "<tr><th>allowed by Docker, never needed by this image</th><td id=\"docker-unneeded\">"
      "{}</td></tr>\n",
      unneeded.Size());
  body += fmt::format(
      "<tr><th>needed by this image, blocked by Docker's default</th><td>{}</td></tr>\n</table>\n",
      beyond.Size());
  body += "<p>Programs of the profile:</p>\n<ul>\n";
  for (const std::string& p : image.programs) body += "<li><code>" + Escaped(p) + "</code></li>\n";
  body += "</ul>\n";
  if (!image.files.empty()) {
    body += "<p>Written:";
    for (const std::string& f : image.files) {
      body += fmt::format(" <a href=\"{0}\"><code>{0}</code></a>", Escaped(f));
    }
    body += "</p>\n";
  }
  for (const std::string& note : image.notes)
    body += "<p class=\"note\">" + Escaped(note) + "</p>\n";
  body += "<details><summary>The " + std::to_string(unneeded.Size()) +
          " calls Docker allows and the image never needs</summary><p>" +
          Escaped(NameList(unneeded)) + "</p></details>\n";
  body += "<details><summary>The " + std::to_string(beyond.Size()) +
          " calls the image may need that Docker's default blocks</summary><p>" +
          Escaped(NameList(beyond)) + "</p></details>\n";
  return body;
}

std::string RankedSection(const std::vector<ScanEntry>& entries) {
  std::vector<const ScanEntry*> analysed = Analysed(entries);
  std::map<int, size_t> reached;
  for (const ScanEntry* e : analysed) {
    for (int n : e->syscalls) ++reached[n];
  }
  std::vector<std::pair<int, size_t>> ranked(reached.begin(), reached.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  int never = TotalSyscallCount() - static_cast<int>(reached.size());
  auto table = [&](std::string_view id, auto first, auto last) {
    std::string out = fmt::format(
        "<table id=\"{}\"><tr><th>syscall</th><th>programs</th><th>share</th></tr>\n", id);
    for (auto it = first; it != last; ++it) {
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.1f}%</td></tr>\n",
                         Escaped(SyscallDisplayName(it->first)), it->second,
                         Percent(static_cast<int>(it->second), static_cast<int>(analysed.size())));
    }
    return out + "</table>\n";
  };
  size_t shown = std::min(kRanked, ranked.size());
  std::string body = "<h2>Syscalls most often reachable</h2>\n" +
                     table("most", ranked.begin(), ranked.begin() + static_cast<long>(shown));
  body += "<h2>Syscalls least often reachable</h2>\n";
  body += fmt::format("<p>{} syscalls of the x86-64 table are reachable by no program.</p>\n",
                      std::max(never, 0));
  body += table("least", ranked.rbegin(), ranked.rbegin() + static_cast<long>(shown));
  return body;
}

std::string DangerousSection(const std::vector<ScanEntry>& entries) {
  std::string body =
      "<h2>Dangerous syscalls</h2>\n<p>Programs that can reach a call which changes the "
      "kernel, other processes, namespaces or mounts, with one path from a root to a site "
      "issuing it (<code>sysfence static --explain</code>).</p>\n<table id=\"dangerous\">"
      "<tr><th>syscall</th><th>why</th><th>programs</th></tr>\n";
  std::string details;
  for (const DangerousSyscall& d : DangerousSyscalls()) {
    std::vector<const ScanEntry*> who;
    for (const ScanEntry& e : entries) {
      if (e.analysed() && e.syscalls.Contains(d.name)) who.push_back(&e);
    }
    body += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", d.name, Escaped(d.why),
                        who.size());
    if (who.empty()) continue;
    details += fmt::format(
        "<details class=\"dangerous\" id=\"reach-{}\"><summary>{}: {} program{}"
        "</summary>\n",
        d.name, d.name, who.size(), who.size() == 1 ? "" : "s");
    for (const ScanEntry* e : who) {
      auto it = e->explain.find(std::string(d.name));
      details += fmt::format("<p><code>{}</code></p><pre>{}</pre>\n", Escaped(e->path),
                             it == e->explain.end() ? "" : Escaped(it->second));
    }
    details += "</details>\n";
  }
  return body + "</table>\n" + details;
}

std::string ProgramsSection(const std::vector<ScanEntry>& entries) {
  std::string failed;
  std::string all =
      "<h2>Every program</h2>\n<table id=\"programs\"><tr><th>program</th>"
      "<th>package</th><th>syscalls</th><th>unresolved</th><th>seconds</th></tr>\n";
  size_t failures = 0;
  for (const ScanEntry& e : entries) {
    if (!e.analysed()) {
      ++failures;
      failed += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                            Escaped(e.path), ProgramKindName(e.kind), Escaped(e.error));
      continue;
    }
    all += fmt::format(
        "<tr><td><a href=\"{}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{:.3f}</td></tr>\n",
        Escaped(e.profile), Escaped(e.path), Escaped(e.package), e.syscalls.Size(), e.unresolved,
        e.seconds);
  }
  all += "</table>\n";
  std::string body = fmt::format("<h2>Not analysed ({})</h2>\n", failures);
  if (failures > 0) {
    body += "<table id=\"errors\"><tr><th>file</th><th>kind</th><th>why</th></tr>\n" + failed +
            "</table>\n";
  }
  return body + all;
}

json ScanJson(const ScanReport& r) {
  json j = {{"title", r.title},     {"seconds", r.seconds},
            {"objects", r.objects}, {"objects_summarized", r.objects_summarized},
            {"shards", r.shards},   {"programs", r.entries.size()}};
  if (r.image) {
    j["image"] = {{"reference", r.image->reference},
                  {"entrypoint", r.image->entrypoint},
                  {"profile_for", r.image->profile_for},
                  {"programs", r.image->programs},
                  {"syscalls", r.image->profile.Names()},
                  {"files", r.image->files},
                  {"notes", r.image->notes}};
  }
  return j;
}

Status CopyFile(const std::string& from, const std::string& to) {
  Result<std::string> text = ReadFile(from);
  if (!text.ok()) return text.error();
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(to).parent_path(), error);
  if (error) return MakeError("{}: cannot create the directory: {}", to, error.message());
  return WriteFileAtomically(to, *text);
}

}  // namespace

std::string SetSizeChart(const std::vector<ScanEntry>& entries) {
  int largest = 0;
  for (const ScanEntry& e : entries) {
    if (e.analysed()) largest = std::max(largest, e.syscalls.Size());
  }
  size_t bands = static_cast<size_t>(largest / kBand + 1);
  BarSeries programs{"programs", std::vector<double>(bands, 0), "#4e79a7"};
  BarChart chart;
  chart.title = "Programs by the size of their syscall set";
  chart.y_label = "programs";
  chart.value_format = "{:.0f}";
  chart.width = 900;
  for (size_t b = 0; b < bands; ++b) {
    chart.groups.push_back(fmt::format("{}-{}", b * kBand, b * kBand + kBand - 1));
  }
  for (const ScanEntry& e : entries) {
    if (e.analysed()) programs.values[static_cast<size_t>(e.syscalls.Size() / kBand)] += 1;
  }
  chart.series = {programs};
  return RenderBarChart(chart);
}

std::string ScanOverviewHtml(const ScanReport& report) {
  std::string body = SummarySection(report);
  if (report.image) body += ImageSection(*report.image);
  body += "<h2>Set sizes</h2>\n<figure id=\"set-sizes\">" + SetSizeChart(report.entries) +
          "</figure>\n";
  body += RankedSection(report.entries);
  body += DangerousSection(report.entries);
  body += ProgramsSection(report.entries);
  return HtmlPage("sysfence scan: " + report.title, body,
                  "th{text-align:left}details{margin:0.5em 0}.note{color:#555}");
}

Status WriteScanReport(const ScanReport& report, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return MakeError("{}: cannot create the output directory: {}", dir, error.message());
  // The profiles the index names reach the disk before it does: the scan writes them
  // without an fsync each.
  if (Status synced = SyncFileSystem(dir); !synced.ok()) return synced.error();
  std::pair<std::string, std::string> files[] = {
      {"index.jsonl", IndexJsonLines(report.entries)},
      {"index.csv", IndexCsv(report.entries)},
      {"scan.json", ScanJson(report).dump(2) + "\n"},
      {"set-sizes.svg", SetSizeChart(report.entries)},
      {"overview.html", ScanOverviewHtml(report)},
  };
  for (const auto& [name, contents] : files) {
    Status written = WriteFileAtomically(dir + "/" + name, contents);
    if (!written.ok()) return written.error();
  }
  return Ok{};
}

Result<ScanReport> MergeScanOutputs(const std::vector<std::string>& dirs,
                                    const std::string& output) {
  if (dirs.empty()) return MakeError("--merge: no scan output directories given");
  ScanReport merged;
  std::map<std::string, std::string> seen;  // program -> the directory it came from
  for (const std::string& dir : dirs) {
    Result<std::string> text = ReadFile(dir + "/index.jsonl");
    if (!text.ok()) return text.error().WithContext("--merge");
    Result<std::vector<ScanEntry>> entries = ParseIndexJsonLines(*text, dir + "/index.jsonl");
    if (!entries.ok()) return entries.error();
    if (Result<std::string> meta_text = ReadFile(dir + "/scan.json"); meta_text.ok()) {
      json meta = json::parse(*meta_text, nullptr, /*allow_exceptions=*/false);
      if (!meta.is_object()) return MakeError("{}/scan.json: not a JSON object", dir);
      if (merged.title.empty()) merged.title = meta.value("title", "");
      merged.seconds += meta.value("seconds", 0.0);
      merged.objects = std::max(merged.objects, meta.value("objects", size_t{0}));
      merged.objects_summarized += meta.value("objects_summarized", size_t{0});
      if (meta.contains("image") && meta["image"].is_object()) {
        const json& i = meta["image"];
        if (!merged.image) {
          merged.image = ImageSummary{};
          merged.image->reference = i.value("reference", "");
          merged.image->entrypoint = i.value("entrypoint", std::vector<std::string>{});
          merged.image->profile_for = i.value("profile_for", "");
          merged.image->files = i.value("files", std::vector<std::string>{});
          merged.image->notes = i.value("notes", std::vector<std::string>{});
        }
        for (const std::string& p : i.value("programs", std::vector<std::string>{})) {
          if (std::find(merged.image->programs.begin(), merged.image->programs.end(), p) ==
              merged.image->programs.end()) {
            merged.image->programs.push_back(p);
          }
        }
        Result<SyscallSet> set =
            SyscallSet::FromNames(i.value("syscalls", std::vector<std::string>{}));
        if (!set.ok()) return set.error().WithContext(dir + "/scan.json");
        merged.image->profile |= *set;
      }
    }
    for (ScanEntry& e : *entries) {
      auto [it, added] = seen.emplace(e.path, dir);
      if (!added) {
        // An image's entrypoint programs are in every shard; anything else twice is a mistake.
        bool required =
            merged.image && std::find(merged.image->programs.begin(), merged.image->programs.end(),
                                      e.path) != merged.image->programs.end();
        if (required) continue;
        return MakeError("--merge: {} is in both {} and {}: not shards of one scan", e.path,
                         it->second, dir);
      }
      if (!e.profile.empty()) {
        Status copied = CopyFile(dir + "/" + e.profile, output + "/" + e.profile);
        if (!copied.ok()) return copied.error();
      }
      merged.entries.push_back(std::move(e));
    }
  }
  std::sort(merged.entries.begin(), merged.entries.end(),
            [](const ScanEntry& a, const ScanEntry& b) { return a.path < b.path; });
  merged.shards = fmt::format("{} shard outputs merged", dirs.size());
  if (merged.image) std::sort(merged.image->programs.begin(), merged.image->programs.end());
  Status written = WriteScanReport(merged, output);
  if (!written.ok()) return written.error();
  return merged;
}

}  // namespace sysfence
