// `sysfence scan --image`: a container image scanned without a container runtime. The layers
// are applied into a scratch root (container_image.h), every program in it is analysed with
// the root as sysroot (the image's own loader, libraries and ld.so.cache), and the image's
// profile is the union of what its entrypoint can run (entrypoint.h) or of every program.
// The profile is written beside the scan (image-profile.json) and exported as filters:
// image-seccomp.oci.json (OCI runtime spec, crun and runc), image-seccomp.docker.json and
// image-seccomp.spo.yaml (a Kubernetes Security Profiles Operator SeccompProfile).
//
//   ImageScanOptions options;
//   options.image = "debian.tar";
//   options.scan.output = "scan-debian";
//   Result<ScanReport> report = ScanImage(options);   // also written to scan-debian/
#ifndef SYSFENCE_SCAN_IMAGE_SCAN_H_
#define SYSFENCE_SCAN_IMAGE_SCAN_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "filter/filter_policy.h"
#include "profile/profile.h"
#include "scan/scan_report.h"
#include "scan/scanner.h"

namespace sysfence {

struct ImageScanOptions {
  std::string image;  // an OCI image layout directory or a `docker save` tarball
  // Where the layers are unpacked: must not exist or be empty; "" = a temporary directory
  // removed when the scan ends.
  std::string unpack_to;
  bool entrypoint_only = true;  // --profile-for entrypoint (else all)
  FilterOptions filter;         // --action for the exported filters
  // scan.paths defaults to the whole image ("/"); scan.root and scan.search_path are set
  // from the image.
  ScanOptions scan;
};

Result<ScanReport> ScanImage(const ImageScanOptions& options);

// Writes image-profile.json and the exported filters into `dir`; their names go into
// `image.files`, what a format had to leave out into `image.notes`.
Status WriteImageProfile(const Profile& profile, const FilterOptions& filter,
                         const std::string& dir, ImageSummary& image);

// After MergeScanOutputs of an image scan's shards: the union of the shards' image profiles,
// written into `output` like WriteImageProfile.
Status MergeImageProfiles(const std::vector<std::string>& dirs, const std::string& output,
                          const FilterOptions& filter, ScanReport& report);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_IMAGE_SCAN_H_
