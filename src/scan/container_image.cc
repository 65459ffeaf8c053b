// Reading container images (see container_image.h). Two stores of blobs share one reader of
// the formats: an OCI layout is files under a directory; a `docker save` tarball is members
// of an uncompressed tar, found by reading the tar from the start (libarchive skips the
// members in between with seeks). A layer is then read as a tar stream, with any
// compression, through a libarchive reader fed by the blob, which hashes the bytes as they
// pass (OpenSSL's SHA-256) and checks digest and size at the end.
#include "scan/container_image.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/root_path.h"
#include "base/unique_fd.h"
#include "scan/layer_unpacker.h"

namespace sysfence {
namespace {

using nlohmann::json;

constexpr size_t kMaxJsonBlob = 16 << 20;  // manifests and configurations are kilobytes
constexpr std::string_view kIndexMediaTypes[] = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"};

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(context_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const char* data, size_t size) { EVP_DigestUpdate(context_, data, size); }
  std::string Digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_, out, &size);
    std::string text = "sha256:";
    for (unsigned int i = 0; i < size; ++i) text += fmt::format("{:02x}", out[i]);
    return text;
  }

 private:
  EVP_MD_CTX* context_;
};

// libarchive's reading end for an uncompressed tar file (the `docker save` tarball).
struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

Result<ArchivePtr> OpenTar(const std::string& path) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return MakeError("{}: {}", path, archive_error_string(a.get()));
  }
  return a;
}

std::string ArchiveError(struct archive* a) {
  const char* why = archive_error_string(a);
  return why != nullptr ? why : "unreadable archive";
}

Result<json> ParseJson(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return MakeError("{}: not valid JSON", what);
  return j;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return out;
  for (const json& item : j[key]) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// The runtime part of an image configuration (its "config" object).
ImageConfig ConfigOf(const json& image_config) {
  ImageConfig config;
  json c = image_config.is_object() ? image_config.value("config", json::object()) : json::object();
  config.entrypoint = Strings(c, "Entrypoint");
  config.cmd = Strings(c, "Cmd");
  config.env = Strings(c, "Env");
  config.working_dir =
      c.is_object() && c["WorkingDir"].is_string() ? c["WorkingDir"].get<std::string>() : "";
  return config;
}

// A blob stream that hashes and counts what it hands on.
class CheckedReader {
 public:
  CheckedReader(std::string what, std::string digest, int64_t size)
      : what_(std::move(what)), digest_(std::move(digest)), size_(size) {}
  void Count(const char* data, size_t n) {
    hash_.Update(data, n);
    seen_ += static_cast<int64_t>(n);
  }
  Status Finish() {
    if (size_ >= 0 && seen_ != size_) {
      return MakeError("{} is {} bytes, the manifest says {} (truncated or damaged)", what_, seen_,
                       size_);
    }
    std::string got = hash_.Digest();
    if (!digest_.empty() && got != digest_) {
      return MakeError("{} has the digest {}, not {} (damaged)", what_, got, digest_);
    }
    return Ok{};
  }

 private:
  std::string what_;
  std::string digest_;
  int64_t size_;
  Sha256 hash_;
  int64_t seen_ = 0;
};

class LayoutImage : public ContainerImage {
 public:
  explicit LayoutImage(std::string path) : ContainerImage(std::move(path)) {}

 protected:
  class FileReader : public BlobReader {
   public:
    FileReader(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
    Result<size_t> Read(char* buffer, size_t size) override {
      for (;;) {
        ssize_t n = read(fd_.get(), buffer, size);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return MakeError("{}: {}", name_, std::strerror(errno));
      }
    }

   private:
    UniqueFd fd_;
    std::string name_;
  };

  Status CheckBlob(const ImageLayer& layer, const std::string& what) const override {
    struct stat info {};
    std::string file = path() + "/" + layer.blob;
    if (lstat(file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      return MakeError("{}: its blob {} is missing", what, layer.blob);
    }
    if (layer.size >= 0 && info.st_size != layer.size) {
      return MakeError("{}: its blob {} is {} bytes, the manifest says {} (truncated or damaged)",
                       what, layer.blob, info.st_size, layer.size);
    }
    return Ok{};
  }

  Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& blob) const override {
    std::string file = path() + "/" + blob;
    UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) {
      return MakeError("{}: {} is missing ({})", path(), blob, std::strerror(errno));
    }
    return std::unique_ptr<BlobReader>(std::make_unique<FileReader>(std::move(fd), file));
  }
};

class TarballImage : public ContainerImage {
 public:
  explicit TarballImage(std::string path) : ContainerImage(std::move(path)) {}

 protected:
  // The tarball positioned at the member `blob`.
  class MemberReader : public BlobReader {
   public:
    MemberReader(ArchivePtr archive, std::string name)
        : archive_(std::move(archive)), name_(std::move(name)) {}
    Result<size_t> Read(char* buffer, size_t size) override {
      la_ssize_t n = archive_read_data(archive_.get(), buffer, size);
      if (n < 0) return MakeError("{}: {}", name_, ArchiveError(archive_.get()));
      return static_cast<size_t>(n);
    }

   private:
    ArchivePtr archive_;
    std::string name_;
  };

  Result<std::unique_ptr<BlobReader>> OpenBlob(const std::string& blob) const override {
    Result<ArchivePtr> tar = OpenTar(path());
    if (!tar.ok()) return tar.error();
    std::string wanted = blob;
    for (;;) {
      struct archive_entry* entry = nullptr;
      int status = archive_read_next_header(tar->get(), &entry);
      if (status == ARCHIVE_EOF) return MakeError("{}: {} is missing", path(), blob);
      if (status < ARCHIVE_WARN) {
        return MakeError("{}: {}", path(), ArchiveError(tar->get()));
      }
      std::string name =
          archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
      if (name.starts_with("./")) name = name.substr(2);
      if (name == wanted && archive_entry_filetype(entry) == AE_IFREG) {
        return std::unique_ptr<BlobReader>(
            std::make_unique<MemberReader>(std::move(*tar), path() + ":" + blob));
      }
      if (name == wanted && archive_entry_filetype(entry) == AE_IFLNK) {
        // Docker writes repeated layers as links to the first copy.
        std::string target =
            archive_entry_symlink(entry) != nullptr ? archive_entry_symlink(entry) : "";
        size_t slash = wanted.rfind('/');
        wanted = target.starts_with('/') || slash == std::string::npos
                     ? target
                     : wanted.substr(0, slash + 1) + target;
        return OpenBlob(std::string(Normalize(wanted)));
      }
    }
  }

 private:
  static std::string Normalize(const std::string& path) {
    std::vector<std::string> parts;
    for (std::string& part : PathComponents(path)) {
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (part != ".") {
        parts.push_back(std::move(part));
      }
    }
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
  }
};

}  // namespace

Result<std::string> ContainerImage::ReadBlob(const std::string& blob,
                                             const std::string& digest) const {
  Result<std::unique_ptr<BlobReader>> reader = OpenBlob(blob);
  if (!reader.ok()) return reader.error();
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    Result<size_t> n = (*reader)->Read(buffer, sizeof buffer);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    text.append(buffer, *n);
    if (text.size() > kMaxJsonBlob) return MakeError("{}: {} is too large", path_, blob);
  }
  CheckedReader check(fmt::format("{}: {}", path_, blob), digest, -1);
  check.Count(text.data(), text.size());
  Status checked = check.Finish();
  if (!checked.ok()) return checked.error();
  return text;
}

std::string Sha256Digest(std::string_view bytes) {
  Sha256 hash;
  hash.Update(bytes.data(), bytes.size());
  return hash.Digest();
}

std::string ImageConfig::SearchPath() const {
  for (const std::string& e : env) {
    if (e.starts_with("PATH=")) return e.substr(5);
  }
  return "";
}

std::vector<std::string> ImageConfig::Command() const {
  std::vector<std::string> argv = entrypoint;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

Result<std::string> BlobPathOf(const std::string& digest) {
  constexpr std::string_view kPrefix = "sha256:";
  std::string_view hex = std::string_view(digest).substr(std::min(digest.size(), kPrefix.size()));
  bool valid = digest.starts_with(kPrefix) && hex.size() == 64 &&
               hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (!valid) return MakeError("'{}' is not a sha256 digest", digest);
  return "blobs/sha256/" + std::string(hex);
}

Result<std::unique_ptr<ContainerImage>> ContainerImage::Open(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return MakeError("{}: {}", path, std::strerror(errno));
  std::unique_ptr<ContainerImage> image;
  if (S_ISDIR(info.st_mode)) {
    image = std::make_unique<LayoutImage>(path);
  } else if (S_ISREG(info.st_mode)) {
    image = std::make_unique<TarballImage>(path);
  } else {
    return MakeError("{}: neither an OCI image layout directory nor a tarball", path);
  }
  Status loaded = image->Load(S_ISREG(info.st_mode));
  if (!loaded.ok()) return loaded.error();
  return image;
}

Status ContainerImage::Load(bool tarball) {
  // A `docker save` tarball's manifest.json comes first; an OCI layout has index.json.
  if (tarball) {
    Result<std::string> manifest = ReadBlob("manifest.json", "");
    if (manifest.ok()) return LoadDockerManifest(*manifest);
  }
  return LoadOciIndex();
}

Status ContainerImage::LoadOciIndex() {
  Result<std::string> text = ReadBlob("index.json", "");
  if (!text.ok()) {
    return MakeError(
        "{}: not an OCI image layout or a docker save tarball (no index.json or "
        "manifest.json)",
        path_);
  }
  Result<json> index = ParseJson(*text, path_ + ": index.json");
  if (!index.ok()) return index.error();
  // Follow image indexes down to one manifest: the first for linux/amd64, else the first.
  json descriptor;
  for (int depth = 0; depth < 4; ++depth) {
    if (!index->is_object() || !(*index)["manifests"].is_array() || (*index)["manifests"].empty()) {
      return MakeError("{}: the image index lists no manifest", path_);
    }
    descriptor = (*index)["manifests"][0];
    for (const json& m : (*index)["manifests"]) {
      const json& platform = m.value("platform", json::object());
      if (platform.value("architecture", "") == "amd64" && platform.value("os", "") == "linux") {
        descriptor = m;
        break;
      }
    }
    std::string media_type = descriptor.value("mediaType", "");
    bool nested = std::find(std::begin(kIndexMediaTypes), std::end(kIndexMediaTypes), media_type) !=
                  std::end(kIndexMediaTypes);
    if (!nested) break;
    Result<std::string> blob = BlobPathOf(descriptor.value("digest", ""));
    if (!blob.ok()) return blob.error().WithContext(path_);
    Result<std::string> nested_text = ReadBlob(*blob, descriptor.value("digest", ""));
    if (!nested_text.ok()) return nested_text.error();
    index = ParseJson(*nested_text, path_ + ": " + *blob);
    if (!index.ok()) return index.error();
  }
  std::string manifest_digest = descriptor.value("digest", "");
  Result<std::string> manifest_blob = BlobPathOf(manifest_digest);
  if (!manifest_blob.ok()) return manifest_blob.error().WithContext(path_ + ": index.json");
  Result<std::string> manifest_text = ReadBlob(*manifest_blob, manifest_digest);
  if (!manifest_text.ok()) return manifest_text.error();
  Result<json> manifest = ParseJson(*manifest_text, path_ + ": " + *manifest_blob);
  if (!manifest.ok()) return manifest.error();
  if (!manifest->is_object() || !(*manifest)["config"].is_object() ||
      !(*manifest)["layers"].is_array()) {
    return MakeError("{}: {} is not an image manifest (no config or layers)", path_,
                     *manifest_blob);
  }
  std::string config_digest = (*manifest)["config"].value("digest", "");
  Result<std::string> config_blob = BlobPathOf(config_digest);
  if (!config_blob.ok()) return config_blob.error().WithContext(path_ + ": the manifest's config");
  Result<std::string> config_text = ReadBlob(*config_blob, config_digest);
  if (!config_text.ok()) return config_text.error();
  for (const json& layer : (*manifest)["layers"]) {
    std::string digest = layer.is_object() ? layer.value("digest", "") : "";
    Result<std::string> blob = BlobPathOf(digest);
    if (!blob.ok()) return blob.error().WithContext(path_ + ": a layer of the manifest");
    int64_t size = layer.value("size", int64_t{-1});
    layers_.push_back({*blob, digest, size});
  }
  Result<json> config = ParseJson(*config_text, path_ + ": " + *config_blob);
  if (!config.ok()) return config.error();
  config_ = ConfigOf(*config);
  return Ok{};
}

Status ContainerImage::LoadDockerManifest(const std::string& text) {
  Result<json> manifest = ParseJson(text, path_ + ": manifest.json");
  if (!manifest.ok()) return manifest.error();
  if (!manifest->is_array() || manifest->empty() || !(*manifest)[0].is_object()) {
    return MakeError("{}: manifest.json lists no image", path_);
  }
  const json& image = (*manifest)[0];
  std::string config_name = image.value("Config", "");
  std::vector<std::string> layer_names = Strings(image, "Layers");
  if (config_name.empty()) return MakeError("{}: manifest.json names no Config", path_);
  // Newer Docker names blobs by digest (blobs/sha256/<hex>): check them against it.
  auto digest_of = [](const std::string& name) -> std::string {
    constexpr std::string_view kBlobs = "blobs/sha256/";
    return name.starts_with(kBlobs) ? "sha256:" + name.substr(kBlobs.size()) : "";
  };
  Result<std::string> config_text = ReadBlob(config_name, digest_of(config_name));
  if (!config_text.ok()) return config_text.error();
  Result<json> config = ParseJson(*config_text, path_ + ": " + config_name);
  if (!config.ok()) return config.error();
  // The uncompressed layers hash to the configuration's rootfs.diff_ids.
  std::vector<std::string> diff_ids;
  if (config->is_object() && (*config)["rootfs"].is_object()) {
    diff_ids = Strings((*config)["rootfs"], "diff_ids");
  }
  for (size_t i = 0; i < layer_names.size(); ++i) {
    const std::string& name = layer_names[i];
    if (name.empty() || name.starts_with('/') || name.find("..") != std::string::npos) {
      return MakeError("{}: manifest.json names the layer '{}' outside the tarball", path_, name);
    }
    std::string digest = digest_of(name);
    if (digest.empty() && i < diff_ids.size()) digest = diff_ids[i];
    layers_.push_back({name, digest, -1});
  }
  config_ = ConfigOf(*config);
  return Ok{};
}

Status ContainerImage::Unpack(const std::string& root) const {
  // Missing and truncated blobs are found before anything is written, where the store can
  // tell cheaply.
  for (size_t i = 0; i < layers_.size(); ++i) {
    Status present = CheckBlob(layers_[i], fmt::format("{}: layer {}", path_, i + 1));
    if (!present.ok()) return present;
  }
  Result<LayerUnpacker> unpacker = LayerUnpacker::Open(root);
  if (!unpacker.ok()) return unpacker.error();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const ImageLayer& layer = layers_[i];
    std::string label = fmt::format("{}: layer {} ({})", path_, i + 1,
                                    layer.digest.empty() ? layer.blob : layer.digest);
    Result<std::unique_ptr<BlobReader>> reader = OpenBlob(layer.blob);
    if (!reader.ok()) return reader.error();
    // libarchive's read callback over the blob, hashing what passes.
    struct Feed {
      Feed(BlobReader* r, const std::string& what, const ImageLayer& l)
          : reader(r), check(what, l.digest, l.size) {}
      BlobReader* reader;
      CheckedReader check;
      std::string error;
      char buffer[1 << 16] = {};
    };
    auto feed = std::make_unique<Feed>(reader->get(), label, layer);
    auto read = [](struct archive*, void* data, const void** block) -> la_ssize_t {
      Feed* f = static_cast<Feed*>(data);
      Result<size_t> n = f->reader->Read(f->buffer, sizeof f->buffer);
      if (!n.ok()) {
        f->error = n.error().message();
        return -1;
      }
      f->check.Count(f->buffer, *n);
      *block = f->buffer;
      return static_cast<la_ssize_t>(*n);
    };
    ArchivePtr tar(archive_read_new());
    archive_read_support_filter_all(tar.get());
    archive_read_support_format_tar(tar.get());
    if (archive_read_open(tar.get(), feed.get(), nullptr, read, nullptr) != ARCHIVE_OK) {
      return MakeError("{}: {}", label,
                       feed->error.empty() ? ArchiveError(tar.get()) : feed->error);
    }
    Status applied = unpacker->Apply(tar.get(), label);
    if (!feed->error.empty()) return MakeError("{}: {}", label, feed->error);
    if (!applied.ok()) return applied;
    // The tar's end-of-archive blocks and padding count for the digest too.
    char rest[1 << 16];
    for (;;) {
      Result<size_t> n = feed->reader->Read(rest, sizeof rest);
      if (!n.ok()) return MakeError("{}: {}", label, n.error().message());
      if (*n == 0) break;
      feed->check.Count(rest, *n);
    }
    Status checked = feed->check.Finish();
    if (!checked.ok()) return checked;
  }
  return Ok{};
}

}  // namespace sysfence
