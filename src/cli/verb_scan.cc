// `sysfence scan [-o DIR] [--root DIR | --image PATH] [--shard K/N] [PATH...]` and
// `sysfence scan --merge -o DIR SHARD_DIR...`: every program's static profile, an index and
// an HTML overview (src/scan).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "cli/cli.h"
#include "cli/filter_options.h"
#include "scan/image_scan.h"
#include "scan/scan_report.h"
#include "scan/scanner.h"

namespace sysfence::cli {
namespace {

struct ScanVerbOptions {
  std::string output = "scan-results";
  std::string root;
  std::string image;
  std::string unpack_to;
  std::string profile_for = "entrypoint";
  std::string action = "errno";
  std::string shard;
  std::vector<std::string> paths;
  bool no_cache = false;
  bool no_debug_info = false;
  bool no_args = false;
  bool quiet = false;
  bool merge = false;
  bool list = false;
  ScanOptions scan;
};

Result<std::pair<int, int>> ParseShard(const std::string& text) {
  int k = 0, n = 0;
  char slash = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%n", &k, &slash, &n, &used) != 3 || slash != '/' ||
      static_cast<size_t>(used) != text.size() || n < 1 || k < 0 || k >= n) {
    return MakeError("--shard '{}': expected K/N with 0 <= K < N (e.g. 0/4)", text);
  }
  return std::make_pair(k, n);
}

// A one-line progress bar on a terminal, redrawn in place.
class ProgressBar {
 public:
  void Show(const ScanProgress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    constexpr size_t kWidth = 30;
    size_t filled = p.total == 0 ? kWidth : p.done * kWidth / p.total;
    std::string name = p.path.size() > 40 ? "..." + p.path.substr(p.path.size() - 37) : p.path;
    fmt::print(stderr, "\r[{}{}] {}/{} {:<40}", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), p.done, p.total, name);
    if (p.done == p.total) fmt::print(stderr, "\n");
  }

 private:
  std::mutex mutex_;
};

void PrintSummary(const ScanReport& report, const std::string& output) {
  size_t analysed = 0;
  for (const ScanEntry& e : report.entries) analysed += e.analysed();
  fmt::print(stderr,
             "sysfence: {} programs ({} analysed, {} not) in {:.1f} s; {} objects, {} "
             "summarised; {}/overview.html\n",
             report.entries.size(), analysed, report.entries.size() - analysed, report.seconds,
             report.objects, report.objects_summarized, output);
}

int RunMerge(const ScanVerbOptions& options, const FilterOptions& filter) {
  Result<ScanReport> merged = MergeScanOutputs(options.paths, options.output);
  if (!merged.ok()) return ReportError(merged.error());
  Status image = MergeImageProfiles(options.paths, options.output, filter, *merged);
  if (!image.ok()) return ReportError(image.error());
  PrintSummary(*merged, options.output);
  return 0;
}

int RunScanVerb(ScanVerbOptions& options) {
  Result<FilterOptions> filter = ParseFilterOptions(options.action, "log", "");
  if (!filter.ok()) return ReportError(filter.error());
  if (options.merge) return RunMerge(options, *filter);
  ScanOptions& scan = options.scan;
  if (!options.shard.empty()) {
    Result<std::pair<int, int>> shard = ParseShard(options.shard);
    if (!shard.ok()) return ReportError(shard.error());
    scan.shard = shard->first;
    scan.shards = shard->second;
  }
  scan.root = options.root;
  scan.paths = options.paths;
  scan.output = options.output;
  scan.analysis.use_cache = !options.no_cache;
  scan.analysis.use_debug_files = !options.no_debug_info;
  scan.analysis.argument_values = !options.no_args;
  auto bar = std::make_shared<ProgressBar>();
  if (!options.quiet && isatty(STDERR_FILENO)) {
    scan.progress = [bar](const ScanProgress& p) { bar->Show(p); };
  }
  if (options.list) {
    Result<std::vector<ScanProgram>> programs = ListScanPrograms(scan);
    if (!programs.ok()) return ReportError(programs.error());
    for (const ScanProgram& p : *programs) fmt::print("{}\n", p.path);
    return 0;
  }
  if (!options.image.empty()) {
    ImageScanOptions image;
    image.image = options.image;
    image.unpack_to = options.unpack_to;
    image.entrypoint_only = options.profile_for == "entrypoint";
    image.filter = *filter;
    image.scan = scan;
    Result<ScanReport> report = ScanImage(image);
    if (!report.ok()) return ReportError(report.error());
    PrintSummary(*report, options.output);
    const ImageSummary& summary = *report->image;
    fmt::print(stderr, "sysfence: the image's profile ({}, {} programs): {} syscalls; {}/{}\n",
               summary.profile_for, summary.programs.size(), summary.profile.Size(), options.output,
               summary.files.empty() ? "" : summary.files.front());
    for (const std::string& note : summary.notes) Warn(note);
    return 0;
  }
  Result<ScanResult> result = RunScan(scan);
  if (!result.ok()) return ReportError(result.error());
  ScanReport report;
  report.title = options.root.empty() ? "this system" : options.root;
  if (!options.paths.empty()) {
    report.title += ":";
    for (const std::string& p : options.paths) report.title += " " + p;
  }
  report.entries = std::move(result->entries);
  report.seconds = result->seconds;
  report.objects = result->objects;
  report.objects_summarized = result->objects_summarized;
  if (scan.shards > 1) report.shards = fmt::format("shard {} of {}", scan.shard, scan.shards);
  Status written = WriteScanReport(report, options.output);
  if (!written.ok()) return ReportError(written.error());
  PrintSummary(report, options.output);
  return 0;
}

}  // namespace

void RegisterScanVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<ScanVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "scan",
      "Statically analyse every program under some paths (default: the PATH directories) of "
      "this system, a root directory or a container image: a profile per program, an index "
      "and an HTML overview.");
  verb->add_option("-o,--output", options->output, "Output directory (default: scan-results)");
  CLI::Option* root =
      verb->add_option("--root", options->root,
                       "Scan the system installed under this directory (links followed inside it)");
  verb->add_option("--image", options->image,
                   "Scan a container image: an OCI image layout directory or a 'docker save' "
                   "tarball (default PATH: the whole image)")
      ->excludes(root);
  verb->add_option("--unpack-to", options->unpack_to,
                   "With --image: unpack the layers into this new or empty directory and keep "
                   "it (default: a temporary directory, removed)");
  verb->add_option("--profile-for", options->profile_for,
                   "With --image: the image profile covers what the 'entrypoint' can run "
                   "(default) or 'all' programs")
      ->check(CLI::IsMember({"entrypoint", "all"}));
  verb->add_option("--action", options->action,
                   "With --image: what the exported filters do with other calls: errno "
                   "(default), kill, trap, log");
  verb->add_option("--shard", options->shard,
                   "Analyse only shard K of N (0 <= K < N); join shards with --merge");
  verb->add_option("--threads", options->scan.threads,
                   "Programs analysed at once (default: one per core)");
  verb->add_flag("--no-cache", options->no_cache,
                 "Do not read or write the per-library analysis cache");
  verb->add_option("--cache-dir", options->scan.analysis.cache_directory,
                   "Cache directory (default: $XDG_CACHE_HOME/sysfence)");
  verb->add_flag("--no-args", options->no_args,
                 "Do not look for argument values: the profiles allow any value of every "
                 "argument");
  verb->add_flag("--no-debug-info", options->no_debug_info,
                 "Ignore separate debug files (/usr/lib/debug/.build-id)");
  verb->add_flag("-q,--quiet", options->quiet, "No progress bar");
  verb->add_flag("--list", options->list,
                 "Print the programs the scan would analyse (this shard's), one per line, and "
                 "analyse nothing (not with --image)");
  verb->add_flag("--merge", options->merge,
                 "Join the outputs of --shard runs (the PATHs are their directories) into one "
                 "index and overview in the -o directory");
  verb->add_option("PATH", options->paths,
                   "Files or directories to scan, as the scanned system names them");
  verb->callback([options, &action] { action = [options] { return RunScanVerb(*options); }; });
}

}  // namespace sysfence::cli
