// `sysfence compare [--format text|json|csv] A B`: both / only in A / only in B.
// `sysfence compare --soundness [--format text|json] DYNAMIC [STATIC...]`: is every call each
// traced image made in that image's static set? Images no STATIC profile covers are analysed
// here, as `sysfence static IMAGE` would.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/static_analysis.h"
#include "base/file_util.h"
#include "base/root_path.h"
#include "cli/cli.h"
#include "profile/profile_json.h"
#include "profile/soundness.h"
#include "report/comparison_report.h"
#include "report/html_page.h"
#include "report/static_only_html.h"

namespace sysfence::cli {
namespace {

// Exit status of a soundness check that found a miss, or an image it could not analyse.
constexpr int kExitUnsound = 1;

struct CompareOptions {
  std::string format = "text";
  std::string output;
  std::vector<std::string> profiles;
  bool soundness = false;
  bool explain = false;
  bool no_debug_info = false;
  bool no_cache = false;
  std::string cache_directory;
};

int RunCompare(const CompareOptions& options) {
  if (options.profiles.size() != 2) {
    return ReportError(MakeError("compare takes two profiles, PROFILE_A and PROFILE_B ({} given)",
                                 options.profiles.size()));
  }
  Result<Profile> a = ReadProfileFile(options.profiles[0]);
  if (!a.ok()) return ReportError(a.error());
  Result<Profile> b = ReadProfileFile(options.profiles[1]);
  if (!b.ok()) return ReportError(b.error());
  NamedProfile named_a{options.profiles[0], &*a};
  NamedProfile named_b{options.profiles[1], &*b};
  std::string text = options.format == "json"  ? ComparisonToJson(named_a, named_b)
                     : options.format == "csv" ? ComparisonToCsv(named_a, named_b)
                                               : ComparisonToText(named_a, named_b);
  Status written = WriteFileAtomically(options.output, text);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

// One line per image: "IMAGE: N traced, M static[, K argument values], missed: NAME...
// SYSCALL(ARGUMENT: VALUE...)... | none", or why it was not checked.
std::string SoundnessText(const SoundnessReport& report,
                          const std::map<std::string, std::string>& not_analysed) {
  std::string out;
  for (const ImageSoundness& image : report.images) {
    if (!image.Checked()) {
      out += fmt::format("{}: cannot analyse: {}\n", image.image, not_analysed.at(image.image));
      continue;
    }
    std::string missed;
    for (const std::string& name : image.missed.Names())
      missed += (missed.empty() ? "" : " ") + name;
    for (const ArgumentGap& gap : image.missed_arguments) {
      missed += fmt::format("{}{}({})", missed.empty() ? "" : " ", SyscallDisplayName(gap.syscall),
                            ArgumentGapText(gap));
    }
    std::string values = image.traced_arguments == 0
                             ? ""
                             : fmt::format(", {} argument values", image.traced_arguments);
    out += fmt::format("{}: {} traced, {} static{}, missed: {}\n", image.image, image.traced.Size(),
                       image.static_set->Size(), values, missed.empty() ? "none" : missed);
  }
  return out;
}

std::string SoundnessJson(const SoundnessReport& report,
                          const std::map<std::string, std::string>& not_analysed) {
  nlohmann::json images = nlohmann::json::array();
  for (const ImageSoundness& image : report.images) {
    nlohmann::json entry = {{"image", image.image}, {"traced", image.traced.Size()}};
    if (image.Checked()) {
      entry["static"] = image.static_set->Size();
      entry["missed"] = image.missed.Names();
      entry["argument_values"] = image.traced_arguments;
      entry["missed_arguments"] = ArgumentGapsToJson(image.missed_arguments);
    } else {
      entry["error"] = not_analysed.at(image.image);
    }
    images.push_back(std::move(entry));
  }
  return nlohmann::json{{"sound", report.Sound()}, {"images", images}}.dump(2) + "\n";
}

int RunSoundness(const CompareOptions& options) {
  if (options.format == "csv") return ReportError(Error("--soundness writes text or json"));
  const std::string& dynamic_path = options.profiles.front();
  Result<Profile> dynamic = ReadProfileFile(dynamic_path);
  if (!dynamic.ok()) return ReportError(dynamic.error());
  if (dynamic->kind != ProfileKind::kDynamic) {
    return ReportError(MakeError("{}: --soundness needs a dynamic profile first (this one is {})",
                                 dynamic_path, ProfileKindName(dynamic->kind)));
  }
  std::vector<std::string> images = TracedImages(*dynamic);
  if (images.empty()) return ReportError(MakeError("{}: the profile holds no image", dynamic_path));
  std::map<std::string, SyscallSet> static_sets;
  std::map<std::string, ArgumentValues> static_args;
  for (size_t i = 1; i < options.profiles.size(); ++i) {
    Result<Profile> given = ReadProfileFile(options.profiles[i]);
    if (!given.ok()) return ReportError(given.error());
    if (given->kind != ProfileKind::kStatic) {
      return ReportError(MakeError("{}: not a static profile (it is {})", options.profiles[i],
                                   ProfileKindName(given->kind)));
    }
    // The images of a trace are canonical paths; `sysfence static` keeps BINARY as typed.
    std::string real = CanonicalPath("", given->target);
    static_sets[real] = given->syscalls;
    static_args[real] = given->args;
  }
  StaticOptions analysis;
  analysis.use_debug_files = !options.no_debug_info;
  analysis.use_cache = !options.no_cache;
  analysis.cache_directory = options.cache_directory;
  std::map<std::string, std::string> not_analysed;
  for (const std::string& image : images) {
    if (static_sets.count(image) != 0) continue;
    Result<std::unique_ptr<StaticAnalysis>> analysed = StaticAnalysis::Run(image, analysis);
    if (analysed.ok()) {
      static_sets[image] = (*analysed)->profile().syscalls;
      static_args[image] = (*analysed)->profile().args;
    } else {
      not_analysed[image] = analysed.error().message();
    }
  }
  SoundnessReport report =
      CheckSoundness(dynamic->images, static_sets, dynamic->image_args, static_args);
  std::string text = options.format == "json" ? SoundnessJson(report, not_analysed)
                                              : SoundnessText(report, not_analysed);
  Status written = WriteFileAtomically(options.output, text);
  if (!written.ok()) return ReportError(written.error());
  return report.Sound() ? 0 : kExitUnsound;
}

// `compare --explain`: the dynamic and the static profile in either order; the program is
// analysed again (through the cache) for its call graph.
int RunExplain(const CompareOptions& options) {
  if (options.format == "csv") return ReportError(Error("--explain writes text, json or html"));
  if (options.profiles.size() != 2) {
    return ReportError(MakeError(
        "--explain takes two profiles of one program, a traced and a static one ({} given)",
        options.profiles.size()));
  }
  std::vector<Profile> profiles;
  for (const std::string& path : options.profiles) {
    Result<Profile> read = ReadProfileFile(path);
    if (!read.ok()) return ReportError(read.error());
    profiles.push_back(std::move(*read));
  }
  size_t static_index = profiles[0].kind == ProfileKind::kStatic ? 0 : 1;
  const Profile& given_static = profiles[static_index];
  const Profile& dynamic = profiles[1 - static_index];
  if (given_static.kind != ProfileKind::kStatic) {
    return ReportError(MakeError(
        "--explain needs a static profile: {} and {} are {} and {}", options.profiles[0],
        options.profiles[1], ProfileKindName(profiles[0].kind), ProfileKindName(profiles[1].kind)));
  }
  if (dynamic.kind == ProfileKind::kStatic) {
    return ReportError(MakeError("--explain needs a traced profile: both {} and {} are static",
                                 options.profiles[0], options.profiles[1]));
  }
  if (dynamic.sites.empty()) {
    fmt::print(stderr,
               "sysfence: warning: {} keeps no syscall sites (traced by an older sysfence, or "
               "imported from strace): no call can be shown reachable on another path\n",
               options.profiles[1 - static_index]);
  }
  StaticOptions analysis;
  analysis.use_debug_files = !options.no_debug_info;
  analysis.use_cache = !options.no_cache;
  analysis.cache_directory = options.cache_directory;
  Result<std::unique_ptr<StaticAnalysis>> analysed =
      StaticAnalysis::Run(given_static.target, analysis);
  if (!analysed.ok()) {
    return ReportError(analysed.error().WithContext(fmt::format(
        "analysing {}, the target of {}", given_static.target, options.profiles[static_index])));
  }
  if ((*analysed)->profile().syscalls != given_static.syscalls) {
    fmt::print(stderr,
               "sysfence: warning: {} holds another set than `sysfence static {}` finds now "
               "(other options, or the program changed): the classes are of the set found now\n",
               options.profiles[static_index], given_static.target);
  }
  StaticOnlyReport report = (*analysed)->ExplainStaticOnly(dynamic);
  std::string text;
  if (options.format == "json") {
    text = StaticOnlyToJson(report).dump(2) + "\n";
  } else if (options.format == "html") {
    text = HtmlPage(fmt::format("sysfence compare --explain: {}", report.target),
                    StaticOnlyHtml(report, report.target),
                    "td.num{text-align:right} table.evidence td{vertical-align:top}");
  } else {
    text = StaticOnlyToText(report);
  }
  Status written = WriteFileAtomically(options.output, text);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterCompareVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* verb = app.add_subcommand(
      "compare",
      "Compare two profiles: both, only in A, only in B, by category. With --soundness: check "
      "that every call each image of a traced profile made is in that image's static set.");
  verb->add_option("--format", options->format,
                   "Output format: text, json, csv (html with --explain)")
      ->check(CLI::IsMember({"text", "json", "csv", "html"}));
  verb->add_option("-o,--output", options->output, "Write here (default: stdout)");
  verb->add_flag("--soundness", options->soundness,
                 "PROFILES are DYNAMIC [STATIC...]: check each image of the dynamic profile "
                 "against its static profile (matched by target), analysing the images no "
                 "STATIC covers; exit status 1 when an image misses a call or cannot be "
                 "analysed");
  verb->add_flag("--explain", options->explain,
                 "PROFILES are a traced and a static profile of one program: classify every "
                 "syscall only the static one holds (reachable on another path, error or rare "
                 "path, only through an indirect call, loader or libc machinery) with the "
                 "evidence, from the trace's syscall sites and the program's call graph");
  verb->add_flag("--no-debug-info", options->no_debug_info,
                 "With --soundness or --explain: analyse without separate debug files");
  verb->add_flag("--no-cache", options->no_cache,
                 "With --soundness or --explain: do not read or write the analysis cache");
  verb->add_option("--cache-dir", options->cache_directory,
                   "With --soundness or --explain: the analysis cache directory");
  verb->add_option("PROFILES", options->profiles,
                   "PROFILE_A PROFILE_B, with --soundness DYNAMIC [STATIC...], with --explain "
                   "DYNAMIC STATIC")
      ->required();
  verb->callback([options, &action] {
    action = [options] {
      if (options->soundness && options->explain) {
        return ReportError(Error("--soundness and --explain do not go together"));
      }
      if (options->explain) return RunExplain(*options);
      if (options->format == "html") return ReportError(Error("--format html needs --explain"));
      return options->soundness ? RunSoundness(*options) : RunCompare(*options);
    };
  });
}

}  // namespace sysfence::cli
