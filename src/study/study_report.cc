// Study report rendering (see study_report.h). Every number comes from the StudyResult; the
// poster's figures appear only in rows and bars labelled "poster".
#include "study/study_report.h"

#include <gnu/libc-version.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/file_util.h"
#include "profile/compare.h"
#include "report/comparison_report.h"
#include "report/html_page.h"
#include "report/static_only_html.h"
#include "report/svg_chart.h"
#include "syscalls/argument_table.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

double ShareOfAll(int count) { return Percent(count, TotalSyscallCount()); }

// Per-category "both / only dynamic / only static" lines, each syscall named.
std::string CategoryBreakdown(const Comparison& c, std::string_view bullet) {
  std::string out;
  auto section = [&](std::string_view title, const SyscallSet& set) {
    out += fmt::format("{}{} ({}):\n", bullet, title, set.Size());
    for (const auto& [category, part] : ByCategory(set)) {
      out += fmt::format("    {}{}: {}\n", bullet.empty() ? "" : "- ", CategoryTitle(category),
                         JoinNames(part));
    }
  };
  section("In both", c.both);
  section("Only dynamic (traced, not found statically)", c.only_a);
  section("Only static (found statically, never traced)", c.only_b);
  return out;
}

std::vector<std::string> DifferenceSentences(const StudyResult& result,
                                             const ProgramSets& program) {
  std::vector<std::string> sentences;
  int rare = 0;
  for (const auto& [number, n] : program.seen_in_runs) {
    if (n < program.runs) ++rare;
  }
  if (const PosterFigure* dyn = FindPosterFigure(result, program.name, "dynamic")) {
    int ours = program.dynamic.Size();
    sentences.push_back(fmt::format(
        "Dynamic: {} syscalls here against the poster's {} ({:+d}). A dynamic set is as large "
        "as the inputs make it: {} of our {} were reached by only some of the {} runs, so the "
        "choice of inputs alone moves the count by that much; library versions (glibc {} "
        "here) and the kernel change which calls the same source makes.",
        ours, static_cast<int>(dyn->value), ours - static_cast<int>(dyn->value), rare, ours,
        program.runs, gnu_get_libc_version()));
  }
  if (const PosterFigure* sta = FindPosterFigure(result, program.name, "static");
      sta && program.static_set) {
    int ours = program.static_set->Size();
    int misses = (program.dynamic - *program.static_set).Size();
    sentences.push_back(fmt::format(
        "Static: {} syscalls here against sysfilter's {} ({:+d}). Ours covers the whole process, "
        "the dynamic loader included, and {} every call the traces saw ({} missed), where "
        "sysfilter missed calls the traces saw; differences in size come from how indirect "
        "calls are bounded and from what each analysis counts as reachable.",
        ours, static_cast<int>(sta->value), ours - static_cast<int>(sta->value),
        misses == 0 ? "contains" : "does NOT contain", misses));
  }
  return sentences;
}

// A program's name as part of a file name: "ssh client" -> "ssh-client".
std::string FileSlug(std::string_view name) {
  std::string slug;
  for (char c : name) slug += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return slug;
}

// The poster measured SSH's initialization and authentication together ("closely bound");
// when a program's phases name both, their union is shown too, for that comparison.
std::optional<SyscallSet> InitializationWithAuthentication(const ProgramSets& p) {
  const Phase* init = nullptr;
  const Phase* auth = nullptr;
  for (const Phase& phase : p.phases) {
    if (phase.name == "init") init = &phase;
    if (phase.name == "auth") auth = &phase;
  }
  if (init == nullptr || auth == nullptr) return std::nullopt;
  return init->syscalls | auth->syscalls;
}

}  // namespace

const PosterFigure* FindPosterFigure(const StudyResult& result, std::string_view program,
                                     std::string_view measure) {
  for (const PosterFigure& figure : result.poster) {
    if (figure.program == program && figure.measure == measure) return &figure;
  }
  return nullptr;
}

std::vector<ArgumentFacts> ArgumentFactsOf(const ProgramSets& program) {
  std::vector<ArgumentFacts> out;
  for (const auto& [number, args] : program.dynamic_args) {
    for (const auto& [index, values] : args) {
      const ArgumentSpec* spec = FindArgumentSpec(number, index);
      if (spec == nullptr) continue;
      ArgumentFacts facts;
      facts.syscall = SyscallDisplayName(number);
      facts.argument = std::string(spec->name);
      for (uint64_t v : values) facts.dynamic.push_back(FormatArgumentValue(*spec, v));
      if (program.static_set && program.static_set->Contains(number)) {
        auto call = program.static_args.find(number);
        if (call != program.static_args.end() && call->second.contains(index)) {
          const std::set<uint64_t>& allowed = call->second.at(index);
          facts.static_values.emplace();
          for (uint64_t v : allowed) facts.static_values->push_back(FormatArgumentValue(*spec, v));
          for (uint64_t v : values) {
            if (!allowed.contains(v)) facts.static_misses.push_back(FormatArgumentValue(*spec, v));
          }
        }
      }
      out.push_back(std::move(facts));
    }
  }
  for (const auto& [number, args] : program.static_args) {
    for (const auto& [index, values] : args) {
      const ArgumentSpec* spec = FindArgumentSpec(number, index);
      auto traced = program.dynamic_args.find(number);
      if (spec == nullptr ||
          (traced != program.dynamic_args.end() && traced->second.contains(index))) {
        continue;
      }
      ArgumentFacts facts;
      facts.syscall = SyscallDisplayName(number);
      facts.argument = std::string(spec->name);
      facts.static_values.emplace();
      for (uint64_t v : values) facts.static_values->push_back(FormatArgumentValue(*spec, v));
      out.push_back(std::move(facts));
    }
  }
  return out;
}

namespace {

std::string JoinValues(const std::vector<std::string>& values) {
  if (values.empty()) return "not traced";
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string StaticValuesText(const ProgramSets& p, const ArgumentFacts& facts) {
  if (!p.static_set) return "-";
  if (!facts.static_values) return "any";
  return JoinValues(*facts.static_values);
}

}  // namespace

std::string StudySummaryText(const StudyResult& result) {
  int total = TotalSyscallCount();
  std::string out =
      fmt::format("sysfence study {}: {} runs traced\n\n", result.study, result.runs.size());
  out += fmt::format("{:<14} {:>8} {:>7} {:>8} {:>7} {:>6} {:>6} {:>6}\n", "program", "dynamic",
                     "% all", "static", "% all", "both", "dyn.", "stat.");
  for (const ProgramSets& p : result.programs) {
    Comparison c = CompareSets(p.dynamic, p.static_set.value_or(SyscallSet()));
    out += fmt::format("{:<14} {:>8} {:>6.1f}% {:>8} {:>6.1f}% {:>6} {:>6} {:>6}\n", p.name,
                       p.dynamic.Size(), ShareOfAll(p.dynamic.Size()),
                       p.static_set ? std::to_string(p.static_set->Size()) : "-",
                       p.static_set ? ShareOfAll(p.static_set->Size()) : 0.0, c.both.Size(),
                       c.only_a.Size(), p.static_set ? std::to_string(c.only_b.Size()) : "-");
  }
  out +=
      fmt::format("(all x86-64 syscalls: {}; dyn. = only dynamic, stat. = only static)\n", total);
  for (const ProgramSets& p : result.programs) {
    if (p.phases.empty()) continue;
    out += fmt::format("\nphases of {}:\n", p.name);
    for (const Phase& phase : p.phases) {
      out += fmt::format("  {:<22} {:>4} syscalls  {:>5.1f}% of {}  {:>5.1f}% of all\n", phase.name,
                         phase.syscalls.Size(), Percent(phase.syscalls.Size(), p.dynamic.Size()),
                         p.name, ShareOfAll(phase.syscalls.Size()));
    }
    if (std::optional<SyscallSet> both = InitializationWithAuthentication(p)) {
      out += fmt::format("  {:<22} {:>4} syscalls  {:>5.1f}% of {}  {:>5.1f}% of all\n",
                         "(init + auth)", both->Size(), Percent(both->Size(), p.dynamic.Size()),
                         p.name, ShareOfAll(both->Size()));
    }
  }
  for (const ProgramSets& p : result.programs) {
    if (!p.static_only) continue;
    out += fmt::format("\nwhy static analysis finds {} call(s) the traces of {} lack",
                       p.static_only->calls.size(), p.name);
    if (!p.static_only->without_sites) {
      out += fmt::format(" (the traces ran {} of {} static syscall sites)",
                         p.static_only->static_sites_ran, p.static_only->static_sites);
    }
    out += ":\n";
    for (StaticOnlyClass c : kStaticOnlyClasses) {
      out += fmt::format(
          "  {:<31} {:>3} ({:>3.0f}%)\n", std::string(StaticOnlyClassTitle(c)) + ":",
          p.static_only->Count(c),
          Percent(p.static_only->Count(c), static_cast<int>(p.static_only->calls.size())));
    }
    if (!p.judged.empty()) out += fmt::format("  the poster judged by hand: \"{}\"\n", p.judged);
  }
  if (!result.poster.empty()) {
    out += "\nthe poster's published figures:";
    for (const PosterFigure& f : result.poster) {
      out += fmt::format(" {} = {:g} {};", f.what, f.value, f.unit);
    }
    out += "\n";
  }
  if (!result.soundness_failures.empty()) {
    out += "\n\x1b[31mSTATIC ANALYSIS MISSED TRACED SYSCALLS:\x1b[0m\n";
    for (const std::string& failure : result.soundness_failures) {
      out += "  \x1b[31m" + failure + "\x1b[0m\n";
    }
  }
  return out;
}

std::string StudyMarkdown(const StudyResult& result) {
  int total = TotalSyscallCount();
  std::string out = fmt::format("# sysfence study: {}\n\n", result.study);
  if (!result.title.empty() && result.title != result.study) out += result.title + "\n\n";
  out += fmt::format(
      "Machine: {}. All x86-64 syscalls: {}. Every number below is computed "
      "from this run's data, except the rows marked *poster*.\n\n",
      result.machine, total);
  if (!result.soundness_failures.empty()) {
    out +=
        "<span style=\"color:red\">**The static analysis missed syscalls the traces saw** "
        "(it is meant to be sound):</span>\n\n";
    for (const std::string& f : result.soundness_failures) {
      out += "- <span style=\"color:red\">" + f + "</span>\n";
    }
    out += "\n";
  }
  out +=
      "## Sets per program and method\n\n"
      "| program | method | syscalls | % of all x86-64 |\n|---|---|---:|---:|\n";
  for (const ProgramSets& p : result.programs) {
    out += fmt::format("| {} | dynamic ({} runs) | {} | {:.1f}% |\n", p.name, p.runs,
                       p.dynamic.Size(), ShareOfAll(p.dynamic.Size()));
    if (p.static_set) {
      out += fmt::format(
          "| {} | static{} | {} | {:.1f}% |\n", p.name,
          p.unresolved_sites ? fmt::format(" ({} unresolved sites)", p.unresolved_sites) : "",
          p.static_set->Size(), ShareOfAll(p.static_set->Size()));
    }
  }
  for (const PosterFigure& f : result.poster) {
    if (f.unit != "syscalls") continue;
    out += fmt::format("| {} | *poster* | {:g} | {:.1f}% |\n", f.what, f.value,
                       ShareOfAll(static_cast<int>(f.value)));
  }
  for (const ProgramSets& p : result.programs) {
    out += fmt::format("\n## {}\n\n", p.name);
    for (const std::string& sentence : DifferenceSentences(result, p)) out += sentence + "\n\n";
    if (p.static_set) {
      out += "```\n" + CategoryBreakdown(CompareSets(p.dynamic, *p.static_set), "") + "```\n";
      if (p.static_only) {
        out += "\n### Why static analysis finds calls the traces lack\n\n";
        if (!p.judged.empty()) out += fmt::format("The poster judged by hand: *{}*\n\n", p.judged);
        out += "```\n" + StaticOnlyToText(*p.static_only) + "```\n";
      }
    } else {
      out += fmt::format("Dynamic set: {}\n", JoinNames(p.dynamic));
    }
    std::string rare;
    for (const auto& [number, n] : p.seen_in_runs) {
      if (n < p.runs)
        rare += fmt::format("{}{} ({}/{})", rare.empty() ? "" : ", ", SyscallDisplayName(number), n,
                            p.runs);
    }
    if (!rare.empty()) out += "\nReached by only some runs: " + rare + "\n";
    if (!p.phases.empty()) {
      out += "\n| phase | syscalls | % of " + p.name + " | % of all |\n|---|---:|---:|---:|\n";
      for (const Phase& phase : p.phases) {
        out += fmt::format("| {} | {} | {:.1f}% | {:.1f}% |\n", phase.name, phase.syscalls.Size(),
                           Percent(phase.syscalls.Size(), p.dynamic.Size()),
                           ShareOfAll(phase.syscalls.Size()));
      }
      if (std::optional<SyscallSet> both = InitializationWithAuthentication(p)) {
        out += fmt::format(
            "| init + auth, together as the poster measured them | {} | {:.1f}% "
            "| {:.1f}% |\n",
            both->Size(), Percent(both->Size(), p.dynamic.Size()), ShareOfAll(both->Size()));
      }
      for (const Phase& phase : p.phases) {
        const PosterFigure* f = FindPosterFigure(result, p.name, "phase:" + phase.name);
        if (f == nullptr) continue;
        double ours = Percent(phase.syscalls.Size(), p.dynamic.Size());
        out += fmt::format(
            "\nThe {} phase needs {:.1f}% of {}'s set here; the publication found about {:g}% "
            "(*poster*: {}). {}\n",
            phase.name, ours, p.name, f->value, f->what,
            ours <= f->value * 1.5
                ? "Phase separation shrinks the set as much as was published."
                : "Our phase keeps more calls than the published one: the study's runs do more "
                  "in it than the publication's workload did.");
      }
    }
  }
  // Argument values: what each program passed to the calls sysfence checks by argument.
  out +=
      "\n## Argument values\n\nThe values the traced programs passed to the calls whose "
      "arguments sysfence checks (socket families, ioctl requests, clone flags, memory "
      "protections, ...), masked as a filter compares them, beside what the static profile "
      "allows (*any*: it does not constrain the argument); then what only the static profile "
      "constrains.\n";
  for (const ProgramSets& p : result.programs) {
    std::vector<ArgumentFacts> facts = ArgumentFactsOf(p);
    if (facts.empty()) continue;
    out += fmt::format("\n### {}\n\n| call | argument | traced | static |\n|---|---|---|---|\n",
                       p.name);
    for (const ArgumentFacts& f : facts) {
      out += fmt::format("| {} | {} | {} | {} |\n", f.syscall, f.argument, JoinValues(f.dynamic),
                         StaticValuesText(p, f));
    }
  }
  out += "\n## Runs\n\n| program | run | exit | distinct | new |\n|---|---|---:|---:|---:|\n";
  for (const StudyRun& run : result.runs) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", run.program, run.name, run.exit_status,
                       run.ran_program ? std::to_string(run.distinct_syscalls) : "did not start it",
                       run.new_syscalls);
  }
  out += "\n## Charts\n\n";
  for (const auto& [file, svg] : StudyCharts(result)) out += fmt::format("![{0}]({0})\n", file);
  return out;
}

std::string StudyJson(const StudyResult& result) {
  json programs = json::array();
  for (const ProgramSets& p : result.programs) {
    json item = {{"name", p.name},
                 {"binary", p.binary},
                 {"runs", p.runs},
                 {"dynamic", p.dynamic.Names()},
                 {"dynamic_count", p.dynamic.Size()}};
    if (p.static_set) {
      Comparison c = CompareSets(p.dynamic, *p.static_set);
      item["static"] = p.static_set->Names();
      item["static_count"] = p.static_set->Size();
      item["unresolved_sites"] = p.unresolved_sites;
      item["both"] = c.both.Names();
      item["only_dynamic"] = c.only_a.Names();
      item["only_static"] = c.only_b.Names();
    }
    if (p.static_only) item["static_only"] = StaticOnlyToJson(*p.static_only);
    if (!p.judged.empty()) item["poster_judged"] = p.judged;
    json phases = json::array();
    for (const Phase& phase : p.phases) {
      phases.push_back({{"name", phase.name},
                        {"trigger", phase.trigger},
                        {"syscalls", phase.syscalls.Names()},
                        {"count", phase.syscalls.Size()},
                        {"percent_of_program", Percent(phase.syscalls.Size(), p.dynamic.Size())},
                        {"percent_of_all", ShareOfAll(phase.syscalls.Size())}});
    }
    item["phases"] = phases;
    json args = json::array();
    for (const ArgumentFacts& f : ArgumentFactsOf(p)) {
      json entry = {{"syscall", f.syscall}, {"argument", f.argument}, {"dynamic", f.dynamic}};
      entry["static"] = f.static_values ? json(*f.static_values) : json("any");
      args.push_back(std::move(entry));
    }
    item["args"] = args;
    programs.push_back(std::move(item));
  }
  json runs = json::array();
  for (const StudyRun& r : result.runs) {
    runs.push_back({{"program", r.program},
                    {"name", r.name},
                    {"command", r.command},
                    {"exit_status", r.exit_status},
                    {"distinct_syscalls", r.distinct_syscalls},
                    {"new_syscalls", r.new_syscalls},
                    {"ran_program", r.ran_program}});
  }
  json poster = json::array();
  for (const PosterFigure& f : result.poster) {
    poster.push_back({{"what", f.what},
                      {"value", f.value},
                      {"unit", f.unit},
                      {"program", f.program},
                      {"measure", f.measure}});
  }
  json root = {{"study", result.study},     {"title", result.title},
               {"machine", result.machine}, {"total_syscalls", TotalSyscallCount()},
               {"programs", programs},      {"runs", runs},
               {"poster", poster},          {"soundness_failures", result.soundness_failures}};
  return root.dump(2) + "\n";
}

std::string StudyCsv(const StudyResult& result) {
  std::string out = "program,syscall,number,category,dynamic,static,seen_in_runs,runs\n";
  for (const ProgramSets& p : result.programs) {
    SyscallSet either = p.dynamic | p.static_set.value_or(SyscallSet());
    for (const std::string& name : either.Names()) {
      int number = *ParseSyscallName(name);
      auto seen = p.seen_in_runs.find(number);
      out += fmt::format("{},{},{},{},{},{},{},{}\n", p.name, name, number,
                         CategoryName(SyscallCategory(number)), p.dynamic.Contains(number) ? 1 : 0,
                         p.static_set ? (p.static_set->Contains(number) ? "1" : "0") : "",
                         seen == p.seen_in_runs.end() ? 0 : seen->second, p.runs);
    }
  }
  return out;
}

BarChart MethodsChart(const std::vector<MethodsChartRow>& rows) {
  BarChart methods;
  methods.y_label = "% of all x86-64 syscalls";
  BarSeries dynamic{"dynamic (sysfence trace)", {}, "#4e79a7"};
  BarSeries static_series{"static (sysfence static)", {}, "#f28e2b"};
  BarSeries poster_dynamic{"published: dynamic", {}, "#a0cbe8"};
  BarSeries poster_static{"published: static", {}, "#ffbe7d"};
  bool any_poster = false;
  for (const MethodsChartRow& row : rows) {
    const ProgramSets& p = *row.program;
    methods.groups.push_back(row.label);
    dynamic.values.push_back(ShareOfAll(p.dynamic.Size()));
    static_series.values.push_back(p.static_set ? ShareOfAll(p.static_set->Size()) : NAN);
    const PosterFigure* pd = FindPosterFigure(*row.study, p.name, "dynamic");
    const PosterFigure* ps = FindPosterFigure(*row.study, p.name, "static");
    poster_dynamic.values.push_back(pd ? ShareOfAll(static_cast<int>(pd->value)) : NAN);
    poster_static.values.push_back(ps ? ShareOfAll(static_cast<int>(ps->value)) : NAN);
    any_poster = any_poster || pd || ps;
  }
  methods.series = {dynamic, static_series};
  if (any_poster) {
    methods.series.push_back(poster_dynamic);
    methods.series.push_back(poster_static);
  }
  return methods;
}

std::vector<std::pair<std::string, std::string>> StudyCharts(const StudyResult& result) {
  std::vector<std::pair<std::string, std::string>> charts;
  std::vector<MethodsChartRow> rows;
  for (const ProgramSets& p : result.programs) rows.push_back({p.name, &p, &result});
  BarChart methods = MethodsChart(rows);
  methods.title = "Figure 1: share of all x86-64 syscalls required per program and method";
  charts.emplace_back("figure1.svg", RenderBarChart(methods));
  // Figure 2: share per phase, relative to the program's set and to all syscalls.
  bool phase_chart_written = false;
  for (const ProgramSets& p : result.programs) {
    if (p.phases.empty()) continue;
    BarChart phases;
    phases.title = fmt::format("Figure 2: syscalls required per phase of {}", p.name);
    phases.y_label = "%";
    BarSeries of_program{fmt::format("% of {}'s set", p.name), {}, "#59a14f"};
    BarSeries of_all{"% of all x86-64 syscalls", {}, "#76b7b2"};
    for (const Phase& phase : p.phases) {
      phases.groups.push_back(phase.name);
      of_program.values.push_back(Percent(phase.syscalls.Size(), p.dynamic.Size()));
      of_all.values.push_back(ShareOfAll(phase.syscalls.Size()));
    }
    phases.series = {of_program, of_all};
    // The first program with phases has figure2.svg; the others are named after themselves.
    bool first = !phase_chart_written;
    phase_chart_written = true;
    charts.emplace_back(first ? "figure2.svg" : fmt::format("figure2-{}.svg", FileSlug(p.name)),
                        RenderBarChart(phases));
  }
  if (!result.discovery.empty()) {
    LineChart timeline;
    timeline.title = "Distinct syscalls discovered over each trace";
    timeline.x_label = "seconds since the trace started";
    timeline.y_label = "distinct syscalls so far";
    for (const DiscoverySeries& d : result.discovery) {
      LineSeries series{d.name, {}, ""};
      for (const auto& [t, n] : d.points) series.points.emplace_back(t, n);
      timeline.series.push_back(std::move(series));
    }
    charts.emplace_back("timeline.svg", RenderLineChart(timeline));
  }
  return charts;
}

std::string StudyHtml(const StudyResult& result) {
  std::string body;
  body += fmt::format("<h1>sysfence study: {}</h1>\n<p>{}</p>\n<p>{}</p>\n",
                      EscapeXml(result.study), EscapeXml(result.title), EscapeXml(result.machine));
  if (!result.soundness_failures.empty()) {
    body +=
        "<div class=\"fail\"><strong>The static analysis missed syscalls the traces saw"
        "</strong> (it is meant to be sound):<ul>";
    for (const std::string& f : result.soundness_failures) body += "<li>" + EscapeXml(f) + "</li>";
    body += "</ul></div>\n";
  }
  body +=
      "<h2>Sets per program and method</h2>\n<table><tr><th>program</th><th>method</th>"
      "<th>syscalls</th><th>% of all x86-64</th></tr>\n";
  for (const ProgramSets& p : result.programs) {
    body += fmt::format(
        "<tr><td>{}</td><td>dynamic ({} runs)</td><td>{}</td><td>{:.1f}%</td>"
        "</tr>\n",
        EscapeXml(p.name), p.runs, p.dynamic.Size(), ShareOfAll(p.dynamic.Size()));
    if (p.static_set) {
      body +=
          fmt::format("<tr><td>{}</td><td>static</td><td>{}</td><td>{:.1f}%</td></tr>\n",
                      EscapeXml(p.name), p.static_set->Size(), ShareOfAll(p.static_set->Size()));
    }
  }
  for (const PosterFigure& f : result.poster) {
    if (f.unit != "syscalls") continue;
    body += fmt::format(
        "<tr class=\"poster\"><td>{}</td><td>poster</td><td>{:g}</td>"
        "<td>{:.1f}%</td></tr>\n",
        EscapeXml(f.what), f.value, ShareOfAll(static_cast<int>(f.value)));
  }
  body += "</table>\n";
  for (const auto& [file, svg] : StudyCharts(result)) {
    body += fmt::format("<figure id=\"{}\">{}</figure>\n", EscapeXml(file), svg);
  }
  for (const ProgramSets& p : result.programs) {
    body += fmt::format("<h2>{}</h2>\n", EscapeXml(p.name));
    for (const std::string& s : DifferenceSentences(result, p)) {
      body += "<p>" + EscapeXml(s) + "</p>\n";
    }
    if (p.static_set) {
      body += "<pre>" + EscapeXml(CategoryBreakdown(CompareSets(p.dynamic, *p.static_set), "")) +
              "</pre>\n";
      if (p.static_only) body += StaticOnlyHtml(*p.static_only, p.name, p.judged);
    }
  }
  body +=
      "<h2>Argument values</h2>\n<p>The values the traced programs passed to the calls whose "
      "arguments sysfence checks, masked as a filter compares them, beside what the static "
      "profile allows (<em>any</em>: it does not constrain the argument); then what only the "
      "static profile constrains.</p>\n";
  for (const ProgramSets& p : result.programs) {
    std::vector<ArgumentFacts> facts = ArgumentFactsOf(p);
    if (facts.empty()) continue;
    body += fmt::format(
        "<h3>{}</h3>\n<table><tr><th>call</th><th>argument</th><th>traced</th>"
        "<th>static</th></tr>\n",
        EscapeXml(p.name));
    for (const ArgumentFacts& f : facts) {
      body += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          EscapeXml(f.syscall), EscapeXml(f.argument),
                          EscapeXml(JoinValues(f.dynamic)), EscapeXml(StaticValuesText(p, f)));
    }
    body += "</table>\n";
  }
  body +=
      "<h2>Runs</h2>\n<table><tr><th>program</th><th>run</th><th>command</th><th>exit</th>"
      "<th>distinct</th><th>new</th></tr>\n";
  for (const StudyRun& r : result.runs) {
    body += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        EscapeXml(r.program), EscapeXml(r.name), EscapeXml(r.command), r.exit_status,
        r.ran_program ? std::to_string(r.distinct_syscalls) : "did not start it", r.new_syscalls);
  }
  body += "</table>\n";
  return HtmlPage("sysfence study: " + result.study, body,
                  "tr.poster{font-style:italic;color:#555}.fail{color:#b00;"
                  "border:2px solid #b00;padding:8px}");
}

Status CheckReportDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path path = fs::absolute(dir, error);
  if (error) return MakeError("{}: {}", dir, error.message());
  // The directory itself, or else its nearest existing ancestor, in which it will be made.
  while (!fs::exists(path, error) && path.has_parent_path() && path != path.parent_path()) {
    path = path.parent_path();
  }
  if (!fs::is_directory(path, error)) {
    return MakeError("{}: cannot create the report directory: {} is not a directory", dir,
                     path.string());
  }
  if (access(path.c_str(), W_OK | X_OK) != 0) {
    return MakeError("{}: cannot create the report directory: {}: {}", dir, path.string(),
                     strerror(errno));
  }
  return Ok{};
}

Status WriteStudyReport(const StudyResult& result, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return MakeError("{}: cannot create the report directory: {}", dir, error.message());
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"report.md", StudyMarkdown(result)},
      {"summary.txt", StudySummaryText(result)},
      {"data.json", StudyJson(result)},
      {"data.csv", StudyCsv(result)},
      {"index.html", StudyHtml(result)}};
  for (auto& chart : StudyCharts(result)) files.push_back(std::move(chart));
  for (const auto& [program, profile] : result.service_profiles) {
    files.emplace_back(fmt::format("service-{}.json", FileSlug(program)), profile);
  }
  for (const auto& [name, contents] : files) {
    Status written = WriteFileAtomically(dir + "/" + name, contents);
    if (!written.ok()) return written;
  }
  return Ok{};
}

}  // namespace sysfence
