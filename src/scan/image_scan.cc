// ScanImage (see image_scan.h): unpack, find what the entrypoint runs, scan the root with
// those programs required, then the union of their profiles and its filters.
#include "scan/image_scan.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "base/file_util.h"
#include "filter/exporters.h"
#include "profile/merge.h"
#include "profile/profile_json.h"
#include "scan/container_image.h"
#include "scan/entrypoint.h"

namespace sysfence {
namespace {

constexpr const char* kProfileFile = "image-profile.json";

// The directory the layers are unpacked into: the one asked for (kept), or a temporary one
// removed (without following links) when the scan is over.
class ScratchRoot {
 public:
  static Result<ScratchRoot> Create(const std::string& asked) {
    ScratchRoot scratch;
    if (!asked.empty()) {
      std::error_code error;
      if (std::filesystem::exists(asked, error) && !std::filesystem::is_empty(asked, error)) {
        return MakeError("--unpack-to {}: not an empty directory", asked);
      }
      std::filesystem::create_directories(asked, error);
      if (error) return MakeError("--unpack-to {}: {}", asked, error.message());
      scratch.path_ = std::filesystem::absolute(asked).lexically_normal().string();
      return scratch;
    }
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp") + "/sysfence-image-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return MakeError("cannot create a scratch directory in {}: {}", pattern,
                       std::strerror(errno));
    }
    scratch.path_ = pattern;
    scratch.remove_ = true;
    return scratch;
  }
  ScratchRoot(ScratchRoot&& other) noexcept
      : path_(std::move(other.path_)), remove_(std::exchange(other.remove_, false)) {}
  ScratchRoot& operator=(ScratchRoot&&) = delete;
  ~ScratchRoot() {
    std::error_code error;
    if (remove_) std::filesystem::remove_all(path_, error);
  }
  const std::string& path() const { return path_; }

 private:
  ScratchRoot() = default;
  std::string path_;
  bool remove_ = false;
};

Result<Profile> UnionOf(const std::vector<Profile>& profiles, const std::string& target) {
  if (profiles.empty()) return MakeError("{}: no program of the profile could be analysed", target);
  Result<Profile> merged = MergeProfiles(profiles);
  if (!merged.ok()) return merged.error();
  // `runs` counts programs, and `seen_in_runs` says in how many of them each call is.
  merged->target = target;
  return merged;
}

}  // namespace

Status WriteImageProfile(const Profile& profile, const FilterOptions& filter,
                         const std::string& dir, ImageSummary& image) {
  image.profile = profile.syscalls;
  image.files.clear();
  Status written = WriteProfileFile(dir + "/" + kProfileFile, profile);
  if (!written.ok()) return written;
  image.files.push_back(kProfileFile);
  Result<FilterPolicy> policy = MakeFilterPolicy(profile, filter);
  if (!policy.ok()) return policy.error();
  std::pair<ExportFormat, std::string> outputs[] = {
      {ExportFormat::kOci, "image-seccomp.oci.json"},
      {ExportFormat::kDocker, "image-seccomp.docker.json"},
      {ExportFormat::kSpo, "image-seccomp.spo.yaml"}};
  for (const auto& [format, name] : outputs) {
    Result<ExportedFilter> exported = ExportFilter(*policy, format);
    if (!exported.ok()) return exported.error();
    for (const std::string& note : exported->notes) image.notes.push_back(name + ": " + note);
    Status saved = WriteFileAtomically(dir + "/" + name, exported->contents);
    if (!saved.ok()) return saved;
    image.files.push_back(name);
  }
  return Ok{};
}

Result<ScanReport> ScanImage(const ImageScanOptions& options) {
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(options.image);
  if (!image.ok()) return image.error();
  Result<ScratchRoot> scratch = ScratchRoot::Create(options.unpack_to);
  if (!scratch.ok()) return scratch.error();
  auto start = std::chrono::steady_clock::now();
  Status unpacked = (*image)->Unpack(scratch->path());
  if (!unpacked.ok()) return unpacked.error();

  const ImageConfig& config = (*image)->config();
  EntrypointPrograms entry = FindEntrypointPrograms(scratch->path(), config);
  ScanOptions scan = options.scan;
  scan.root = scratch->path();
  scan.search_path = config.SearchPath();
  if (scan.paths.empty()) scan.paths = {"/"};
  if (options.entrypoint_only) scan.required = entry.programs;
  Result<ScanResult> result = RunScan(scan);
  if (!result.ok()) return result.error();

  ScanReport report;
  report.title = options.image;
  report.entries = std::move(result->entries);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.objects = result->objects;
  report.objects_summarized = result->objects_summarized;
  if (scan.shards > 1) report.shards = fmt::format("shard {} of {}", scan.shard, scan.shards);
  ImageSummary summary;
  summary.reference = options.image;
  summary.entrypoint = config.Command();
  summary.profile_for = options.entrypoint_only ? "entrypoint" : "all";
  summary.notes = entry.notes;
  std::vector<Profile> profiles;
  for (const ScanEntry& e : report.entries) {
    bool wanted =
        !options.entrypoint_only ||
        std::find(entry.programs.begin(), entry.programs.end(), e.path) != entry.programs.end();
    if (!wanted) continue;
    if (!e.analysed()) {
      summary.notes.push_back(fmt::format("{} is not in the profile: {}", e.path, e.error));
      continue;
    }
    Result<Profile> profile = ReadProfileFile(scan.output + "/" + e.profile);
    if (!profile.ok()) return profile.error();
    profiles.push_back(std::move(*profile));
    summary.programs.push_back(e.path);
  }
  Result<Profile> image_profile =
      UnionOf(profiles, fmt::format("{} ({})", options.image, summary.profile_for));
  if (!image_profile.ok()) return image_profile.error();
  Status written = WriteImageProfile(*image_profile, options.filter, scan.output, summary);
  if (!written.ok()) return written.error();
  report.image = std::move(summary);
  Status reported = WriteScanReport(report, scan.output);
  if (!reported.ok()) return reported.error();
  return report;
}

Status MergeImageProfiles(const std::vector<std::string>& dirs, const std::string& output,
                          const FilterOptions& filter, ScanReport& report) {
  if (!report.image) return Ok{};
  std::vector<Profile> profiles;
  for (const std::string& dir : dirs) {
    Result<Profile> profile = ReadProfileFile(dir + "/" + kProfileFile);
    if (!profile.ok()) return profile.error();
    profiles.push_back(std::move(*profile));
  }
  // Every shard analysed the entrypoint's programs, so each has the whole entrypoint
  // profile; for "all", each has its own programs' union.
  Result<Profile> merged = report.image->profile_for == "entrypoint" && !profiles.empty()
                               ? Result<Profile>(profiles.front())
                               : UnionOf(profiles, profiles.empty() ? "" : profiles.front().target);
  if (!merged.ok()) return merged.error();
  Status written = WriteImageProfile(*merged, filter, output, *report.image);
  if (!written.ok()) return written;
  return WriteScanReport(report, output);
}

}  // namespace sysfence
