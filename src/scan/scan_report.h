// What a scan writes beside the profiles: index.jsonl, index.csv, scan.json (what was
// scanned, how long it took; `--merge` reads it back), set-sizes.svg and overview.html, a
// self-contained page (no script) with the distribution of set sizes, the syscalls most and
// least often reachable, the dangerous syscalls and who can reach them (with --explain's
// path), the programs that could not be analysed and, for an image, its profile beside
// Docker's default one. MergeScanOutputs joins the outputs of `--shard` runs.
//
//   ScanReport report{.title = "/usr/bin", .entries = result.entries};
//   Status s = WriteScanReport(report, "scan-results");
//   Result<ScanReport> all = MergeScanOutputs({"shard-0", "shard-1"}, "scan-all");
#ifndef SYSFENCE_SCAN_SCAN_REPORT_H_
#define SYSFENCE_SCAN_SCAN_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "profile/syscall_set.h"
#include "scan/scan_index.h"

namespace sysfence {

// A container image's part of the report.
struct ImageSummary {
  std::string reference;                // the image as given
  std::vector<std::string> entrypoint;  // Entrypoint + Cmd from its config
  std::string profile_for;              // "entrypoint" or "all"
  std::vector<std::string> programs;    // the programs the image profile is the union of
  SyscallSet profile;                   // the image's profile
  std::vector<std::string> files;       // profile and filter files written (relative names)
  std::vector<std::string> notes;       // what the entrypoint search could not follow
};

struct ScanReport {
  std::string title;  // what was scanned
  std::vector<ScanEntry> entries;
  double seconds = 0;
  size_t objects = 0;
  size_t objects_summarized = 0;
  std::string shards;  // "2/4" for one shard, "4 shards merged", "" for a whole scan
  std::optional<ImageSummary> image;
};

std::string ScanOverviewHtml(const ScanReport& report);
// The histogram of set sizes (programs per band of 10 syscalls).
std::string SetSizeChart(const std::vector<ScanEntry>& entries);
// index.jsonl, index.csv, scan.json, set-sizes.svg, overview.html into `dir` (created),
// after syncing the file system that holds `dir` (the profiles were written unsynced).
Status WriteScanReport(const ScanReport& report, const std::string& dir);

// Reads each directory's index.jsonl and scan.json, copies its profiles into `output` and
// writes the joined report there. A program found in two shards is an error (they were not
// shards of one scan).
Result<ScanReport> MergeScanOutputs(const std::vector<std::string>& dirs,
                                    const std::string& output);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_SCAN_REPORT_H_
