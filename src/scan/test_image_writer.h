// For tests: container images written the way image builders write them, one layer tar per
// step (libarchive, pax format, gzip or not): an OCI image layout (oci-layout, index.json,
// blobs/sha256 with manifest, configuration and layers named by their digests) or a
// `docker save` tarball (manifest.json, <n>/layer.tar, the configuration with its diff_ids).
// Layers may hold anything a hostile image could: whiteouts, `..` names, links out.
//
//   TestLayer base;
//   base.Copy("/usr/bin/dash", "/usr/bin/dash").Symlink("/bin", "usr/bin");
//   TestLayer remove;
//   remove.Whiteout("/usr/bin/ls");
//   WriteOciLayout(dir, {base, remove}, {.entrypoint = {"/entry.sh"}});
#ifndef SYSFENCE_SCAN_TEST_IMAGE_WRITER_H_
#define SYSFENCE_SCAN_TEST_IMAGE_WRITER_H_

#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence::testing {

class TestLayer {
 public:
  TestLayer& File(const std::string& path, const std::string& contents, int mode = 0644);
  // A file with the contents of `host_file` (its mode too).
  TestLayer& Copy(const std::string& path, const std::string& host_file);
  TestLayer& Directory(const std::string& path, int mode = 0755);
  TestLayer& Symlink(const std::string& path, const std::string& target);
  TestLayer& Hardlink(const std::string& path, const std::string& target);
  TestLayer& Whiteout(const std::string& path);        // <dir>/.wh.<name>
  TestLayer& OpaqueDirectory(const std::string& dir);  // <dir>/.wh..wh..opq
  // The entry name exactly as given (no cleaning): for names like "../escape".
  TestLayer& RawFile(const std::string& name, const std::string& contents);

  // The layer as a tar stream.
  Result<std::string> Tar(bool gzip) const;

 private:
  struct Entry {
    enum class Kind { kFile, kDirectory, kSymlink, kHardlink } kind;
    std::string name;
    std::string contents;  // file contents, or a link's target
    int mode = 0644;
  };
  std::vector<Entry> entries_;
};

struct TestImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::string working_dir = "/";
};

// Writes an OCI image layout into `dir` (created), tagged "latest". Returns the layers'
// blob paths (relative to `dir`), in order, so tests can damage them.
Result<std::vector<std::string>> WriteOciLayout(const std::string& dir,
                                                const std::vector<TestLayer>& layers,
                                                const TestImageConfig& config, bool gzip = true);
// Writes a `docker save` tarball (legacy layout: <n>/layer.tar, uncompressed).
Status WriteDockerSave(const std::string& tarball, const std::vector<TestLayer>& layers,
                       const TestImageConfig& config);

}  // namespace sysfence::testing

#endif  // SYSFENCE_SCAN_TEST_IMAGE_WRITER_H_
