// What `sysfence explore` writes (see explore.h): the runs file with a comment per run, the
// inputs script, explore.json, the discovery curve and the summary.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "report/svg_chart.h"
#include "study/explore.h"

namespace sysfence {

namespace fs = std::filesystem;

std::string InputsScript(const std::vector<std::string>& recipes) {
  std::string script =
      "#!/bin/sh\n"
      "# The mutated inputs of the runs `sysfence explore` kept: made in $1/explore from the\n"
      "# study's inputs in $1 (run it after the study's inputs script, with the same $1).\n"
      "set -eu\n"
      "mkdir -p \"$1/explore\"\n";
  for (const std::string& recipe : recipes) {
    if (!recipe.empty()) script += recipe + "\n";
  }
  return script;
}

namespace {

std::string RunComment(const KeptRun& run) {
  std::string adds;
  if (!run.new_syscalls.empty()) adds = fmt::format("{}", fmt::join(run.new_syscalls, ", "));
  if (run.new_sites > 0) {
    adds += fmt::format("{}{} site{}", adds.empty() ? "" : " and ", run.new_sites,
                        run.new_sites == 1 ? "" : "s");
  }
  return fmt::format("# adds {}: {}, from '{}'; exit {}", adds, run.what, run.from,
                     run.exit_status);
}

std::string RunsFile(const ExploreResult& result) {
  std::string text = fmt::format(
      "# Runs `sysfence explore` kept for {} of study {} (seed {}): each reached syscalls or\n"
      "# syscall sites the study's {} hand-written runs did not. They ran with their working\n"
      "# directory, HOME and TMPDIR in a scratch directory: in the study, a run that writes to a\n"
      "# relative path, to $HOME or to $TMPDIR (Python's -i writes ~/.python_history) writes to\n"
      "# the study's own. The mutated inputs ({{in}}/explore/...) are made by inputs.sh. Review\n"
      "# the runs before adopting them (docs/STUDY.md).\n",
      result.program, result.study, result.seed, result.hand_written_runs);
  for (const KeptRun& run : result.kept) text += "\n" + RunComment(run) + "\n" + run.line + "\n";
  return text;
}

std::string ExploreJson(const ExploreResult& result) {
  using nlohmann::json;
  json data;
  data["study"] = result.study;
  data["program"] = result.program;
  data["binary"] = result.binary;
  data["seed"] = result.seed;
  data["budget_seconds"] = result.budget_seconds;
  data["timeout_seconds"] = result.timeout_seconds;
  data["seconds"] = result.seconds;
  data["interrupted"] = result.interrupted;
  data["baseline"] = {{"runs", result.hand_written_runs},
                      {"syscalls", result.baseline_syscalls.size()},
                      {"sites", result.baseline_sites},
                      {"syscall_names", result.baseline_syscalls}};
  data["final"] = {{"syscalls", result.final_syscalls.size()},
                   {"sites", result.final_sites},
                   {"syscall_names", result.final_syscalls}};
  data["added"] = {{"syscalls", result.final_syscalls.size() - result.baseline_syscalls.size()},
                   {"sites", result.final_sites - result.baseline_sites}};
  data["candidates"] = {
      {"options_in_help", result.options_found}, {"planned", result.candidates_planned},
      {"tried", result.candidates_tried},        {"kept", result.kept.size()},
      {"timed_out", result.timed_out},           {"failed", result.failed}};
  data["failures"] = result.failures;
  data["new_syscalls"] = json::array();
  for (const NewSyscall& added : result.new_syscalls) {
    data["new_syscalls"].push_back({{"syscall", added.syscall}, {"run", added.run}});
  }
  data["kept"] = json::array();
  for (const KeptRun& run : result.kept) {
    data["kept"].push_back({{"name", run.name},
                            {"line", run.line},
                            {"what", run.what},
                            {"from", run.from},
                            {"exit_status", run.exit_status},
                            {"new_syscalls", run.new_syscalls},
                            {"new_sites", run.new_sites},
                            {"t", run.time}});
  }
  data["curve"] = json::array();
  for (const CurvePoint& point : result.curve) {
    data["curve"].push_back({{"t", point.time},
                             {"candidates", point.candidates},
                             {"syscalls", point.syscalls},
                             {"sites", point.sites},
                             {"hand_written", point.hand_written}});
  }
  return data.dump(2) + "\n";
}

std::string CurveSvg(const ExploreResult& result) {
  LineChart syscalls{.title = fmt::format("{}: distinct syscalls", result.program),
                     .x_label = "seconds (hand-written runs first, then the exploration)",
                     .y_label = "distinct syscalls",
                     .series = {},
                     .steps = true,
                     .width = 720,
                     .height = 320,
                     .markers = {}};
  LineChart sites = syscalls;
  sites.title = fmt::format("{}: distinct syscall sites", result.program);
  sites.y_label = "distinct sites";
  LineSeries hand_calls{"hand-written runs", {{0, 0}}, "#4e79a7"};
  LineSeries explored_calls{"explored runs", {}, "#e15759"};
  LineSeries hand_sites = hand_calls, explored_sites = explored_calls;
  double hand_end = 0;
  for (const CurvePoint& point : result.curve) {
    LineSeries& calls = point.hand_written ? hand_calls : explored_calls;
    LineSeries& at = point.hand_written ? hand_sites : explored_sites;
    if (!point.hand_written && calls.points.empty()) {
      // The exploration's line starts where the hand-written runs ended.
      calls.points.push_back(hand_calls.points.back());
      at.points.push_back(hand_sites.points.back());
    }
    calls.points.emplace_back(point.time, point.syscalls);
    at.points.emplace_back(point.time, point.sites);
    if (point.hand_written) hand_end = point.time;
  }
  syscalls.series = {hand_calls, explored_calls};
  sites.series = {hand_sites, explored_sites};
  std::string label = fmt::format("{} hand-written runs", result.hand_written_runs);
  syscalls.markers = {{hand_end, label}};
  sites.markers = {{hand_end, label}};
  return RenderLineCharts({syscalls, sites});
}

}  // namespace

Status WriteExploreOutput(const ExploreResult& result, const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return MakeError("{}: cannot create the output directory: {}", dir, error.message());
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"runs.txt", RunsFile(result)},
           {"inputs.sh", InputsScript(result.input_recipes)},
           {"explore.json", ExploreJson(result)},
           {"curve.svg", CurveSvg(result)}}) {
    if (Status s = WriteFileAtomically(dir + "/" + name, text); !s.ok()) return s;
  }
  return Ok{};
}

std::string ExploreSummaryText(const ExploreResult& result) {
  std::string text = fmt::format(
      "explore {} (study {}): {} hand-written runs, then {} of {} candidates in {:.0f} s{}: {} "
      "kept, {} timed out, {} failed\n",
      result.program, result.study, result.hand_written_runs, result.candidates_tried,
      result.candidates_planned, result.seconds, result.interrupted ? " (interrupted)" : "",
      result.kept.size(), result.timed_out, result.failed);
  text += fmt::format("  syscalls: {} hand-written, {} after exploring (+{})\n",
                      result.baseline_syscalls.size(), result.final_syscalls.size(),
                      result.final_syscalls.size() - result.baseline_syscalls.size());
  text +=
      fmt::format("  sites:    {} hand-written, {} after exploring (+{})\n", result.baseline_sites,
                  result.final_sites, result.final_sites - result.baseline_sites);
  if (!result.new_syscalls.empty()) text += "  new syscalls, each with the run that found it:\n";
  for (const NewSyscall& added : result.new_syscalls) {
    const KeptRun* run = nullptr;
    for (const KeptRun& kept : result.kept) {
      if (kept.name == added.run) run = &kept;
    }
    text += fmt::format("    {:<18} {}\n", added.syscall, run == nullptr ? added.run : run->line);
  }
  return text;
}

}  // namespace sysfence
