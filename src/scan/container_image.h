// A container image read without a container runtime: an OCI image layout directory
// (oci-layout, index.json, blobs/sha256/...) or the tarball `docker save` writes (its
// manifest.json, with layers either as <id>/layer.tar or as an OCI layout inside). What is
// read: the image configuration (entrypoint, command, environment, working directory) and the
// layers in order; every blob named by a digest is checked against it (size and SHA-256)
// as it is read. Unpack applies the layers into a directory (layer_unpacker.h).
//
//   Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open("debian.tar");
//   (*image)->config().entrypoint;             // {"/docker-entrypoint.sh"}
//   Status s = (*image)->Unpack("/tmp/scratch/rootfs");
#ifndef SYSFENCE_SCAN_CONTAINER_IMAGE_H_
#define SYSFENCE_SCAN_CONTAINER_IMAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // NAME=VALUE
  std::string working_dir;
  // The value of PATH in `env`, "" when it sets none.
  std::string SearchPath() const;
  // What the container runs: entrypoint followed by cmd.
  std::vector<std::string> Command() const;
};

struct ImageLayer {
  std::string blob;    // where it is: a file under the layout or a member of the tarball
  std::string digest;  // "sha256:<hex>" the blob must hash to; "" when the format gives none
  int64_t size = -1;   // the size it must have; -1 when the format gives none
};

class ContainerImage {
 public:
  // Errors name the image and what is wrong: not an image, a missing or damaged index,
  // manifest or configuration, a missing blob, a blob whose digest or size differs.
  static Result<std::unique_ptr<ContainerImage>> Open(const std::string& path);
  virtual ~ContainerImage() = default;

  const std::string& path() const { return path_; }
  const ImageConfig& config() const { return config_; }
  const std::vector<ImageLayer>& layers() const { return layers_; }

  // Applies every layer, in order, into `root` (an existing empty directory). Fails on a
  // damaged layer (truncated, a digest that does not match) or an entry that would leave the
  // root; nothing is ever written outside `root`.
  Status Unpack(const std::string& root) const;

 protected:
  explicit ContainerImage(std::string path) : path_(std::move(path)) {}
  // The bytes of a small blob (JSON), checked against `digest` when given.
  Result<std::string> ReadBlob(const std::string& blob, const std::string& digest) const;
  // Opens a blob for streaming: the returned reader yields its bytes in order.
  class BlobReader {
   public:
    virtual ~BlobReader() = default;
    // Up to `size` bytes into `buffer`; 0 at the end; an error for a read failure.
    virtual Result<size_t> Read(char* buffer, size_t size) = 0;
  };
  virtual Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& blob) const = 0;
  // Fails when the layer's blob is known to be missing or of the wrong size; stores that
  // cannot tell without reading it say nothing (reading it checks it).
  virtual Status CheckBlob(const ImageLayer& /*layer*/, const std::string& /*what*/) const {
    return Ok{};
  }
  // Reads index.json or (a tarball's) manifest.json and the configuration, filling config_
  // and layers_.
  Status Load(bool tarball);
  Status LoadOciIndex();
  Status LoadDockerManifest(const std::string& text);

  std::string path_;
  ImageConfig config_;
  std::vector<ImageLayer> layers_;
};

// "blobs/sha256/<hex>" for a digest "sha256:<hex>"; an error for any other form.
Result<std::string> BlobPathOf(const std::string& digest);

// "sha256:<hex>" of `bytes`, as image manifests name blobs.
std::string Sha256Digest(std::string_view bytes);

}  // namespace sysfence

#endif  // SYSFENCE_SCAN_CONTAINER_IMAGE_H_
