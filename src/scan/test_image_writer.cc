// Test images (see test_image_writer.h), written with libarchive's writer into memory.
#include "scan/test_image_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "scan/container_image.h"

namespace sysfence::testing {
namespace {

using nlohmann::json;

std::string Relative(const std::string& path) {
  size_t start = path.find_first_not_of('/');
  return start == std::string::npos ? "" : path.substr(start);
}

Status WriteBlob(const std::string& dir, const std::string& bytes, std::string* digest) {
  *digest = Sha256Digest(bytes);
  Result<std::string> path = BlobPathOf(*digest);
  if (!path.ok()) return path.error();
  return WriteFileAtomically(dir + "/" + *path, bytes);
}

json ConfigJson(const TestImageConfig& config, const std::vector<std::string>& diff_ids) {
  json c = {{"Env", config.env}, {"WorkingDir", config.working_dir}};
  if (!config.entrypoint.empty()) c["Entrypoint"] = config.entrypoint;
  if (!config.cmd.empty()) c["Cmd"] = config.cmd;
  return {{"architecture", "amd64"},
          {"os", "linux"},
          {"config", c},
          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
}

}  // namespace

TestLayer& TestLayer::File(const std::string& path, const std::string& contents, int mode) {
  entries_.push_back({Entry::Kind::kFile, Relative(path), contents, mode});
  return *this;
}

TestLayer& TestLayer::Copy(const std::string& path, const std::string& host_file) {
  Result<std::string> bytes = ReadFile(host_file);
  struct stat info {};
  stat(host_file.c_str(), &info);
  return File(path, bytes.ok() ? *bytes : "", static_cast<int>(info.st_mode & 07777));
}

TestLayer& TestLayer::Directory(const std::string& path, int mode) {
  entries_.push_back({Entry::Kind::kDirectory, Relative(path), "", mode});
  return *this;
}

TestLayer& TestLayer::Symlink(const std::string& path, const std::string& target) {
  entries_.push_back({Entry::Kind::kSymlink, Relative(path), target, 0777});
  return *this;
}

TestLayer& TestLayer::Hardlink(const std::string& path, const std::string& target) {
  entries_.push_back({Entry::Kind::kHardlink, Relative(path), Relative(target), 0644});
  return *this;
}

TestLayer& TestLayer::Whiteout(const std::string& path) {
  std::string relative = Relative(path);
  size_t slash = relative.rfind('/');
  std::string dir = slash == std::string::npos ? "" : relative.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? relative : relative.substr(slash + 1);
  return File("/" + dir + ".wh." + name, "");
}

TestLayer& TestLayer::OpaqueDirectory(const std::string& dir) {
  std::string relative = Relative(dir);
  return File("/" + relative + (relative.empty() ? "" : "/") + ".wh..wh..opq", "");
}

TestLayer& TestLayer::RawFile(const std::string& name, const std::string& contents) {
  entries_.push_back({Entry::Kind::kFile, name, contents, 0644});
  return *this;
}

Result<std::string> TestLayer::Tar(bool gzip) const {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto write = [](struct archive*, void* data, const void* buffer, size_t size) -> la_ssize_t {
    static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
  };
  archive_write_open(a, &out, nullptr, write, nullptr);
  for (const Entry& entry : entries_) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, entry.name.c_str());
    archive_entry_set_perm(e, static_cast<mode_t>(entry.mode));
    switch (entry.kind) {
      case Entry::Kind::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(entry.contents.size()));
        break;
      case Entry::Kind::kDirectory:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case Entry::Kind::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, entry.contents.c_str());
        break;
      case Entry::Kind::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, entry.contents.c_str());
        archive_entry_set_size(e, 0);
        break;
    }
    archive_write_header(a, e);
    if (entry.kind == Entry::Kind::kFile) {
      archive_write_data(a, entry.contents.data(), entry.contents.size());
    }
    archive_entry_free(e);
  }
  int closed = archive_write_close(a);
  std::string error = closed == ARCHIVE_OK ? "" : archive_error_string(a);
  archive_write_free(a);
  if (!error.empty()) return MakeError("writing a test layer: {}", error);
  return out;
}

Result<std::vector<std::string>> WriteOciLayout(const std::string& dir,
                                                const std::vector<TestLayer>& layers,
                                                const TestImageConfig& config, bool gzip) {
  std::error_code error;
  std::filesystem::create_directories(dir + "/blobs/sha256", error);
  if (error) return MakeError("{}: {}", dir, error.message());
  json layer_descriptors = json::array();
  std::vector<std::string> diff_ids, blobs;
  for (const TestLayer& layer : layers) {
    Result<std::string> plain = layer.Tar(false);
    if (!plain.ok()) return plain.error();
    diff_ids.push_back(Sha256Digest(*plain));
    Result<std::string> bytes = gzip ? layer.Tar(true) : plain;
    if (!bytes.ok()) return bytes.error();
    std::string digest;
    Status written = WriteBlob(dir, *bytes, &digest);
    if (!written.ok()) return written.error();
    blobs.push_back(*BlobPathOf(digest));
    layer_descriptors.push_back({{"mediaType", gzip ? "application/vnd.oci.image.layer.v1.tar+gzip"
                                                    : "application/vnd.oci.image.layer.v1.tar"},
                                 {"digest", digest},
                                 {"size", bytes->size()}});
  }
  std::string config_bytes = ConfigJson(config, diff_ids).dump();
  std::string config_digest;
  Status written = WriteBlob(dir, config_bytes, &config_digest);
  if (!written.ok()) return written.error();
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", config_digest},
                     {"size", config_bytes.size()}}},
                   {"layers", layer_descriptors}};
  std::string manifest_bytes = manifest.dump();
  std::string manifest_digest;
  written = WriteBlob(dir, manifest_bytes, &manifest_digest);
  if (!written.ok()) return written.error();
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", manifest_digest},
                   {"size", manifest_bytes.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "latest"}}}}}}};
  written = WriteFileAtomically(dir + "/index.json", index.dump());
  if (!written.ok()) return written.error();
  written = WriteFileAtomically(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  if (!written.ok()) return written.error();
  return blobs;
}

Status WriteDockerSave(const std::string& tarball, const std::vector<TestLayer>& layers,
                       const TestImageConfig& config) {
  TestLayer outer;  // the tarball is a tar of plain files
  std::vector<std::string> diff_ids, names;
  std::vector<std::string> layer_tars;
  for (size_t i = 0; i < layers.size(); ++i) {
    Result<std::string> bytes = layers[i].Tar(false);
    if (!bytes.ok()) return bytes.error();
    diff_ids.push_back(Sha256Digest(*bytes));
    names.push_back(fmt::format("{}/layer.tar", i + 1));
    layer_tars.push_back(std::move(*bytes));
  }
  std::string config_bytes = ConfigJson(config, diff_ids).dump();
  std::string config_name = Sha256Digest(config_bytes).substr(7) + ".json";
  json manifest = json::array(
      {{{"Config", config_name}, {"RepoTags", {"sysfence-test:latest"}}, {"Layers", names}}});
  outer.RawFile("manifest.json", manifest.dump());
  outer.RawFile(config_name, config_bytes);
  for (size_t i = 0; i < names.size(); ++i) outer.RawFile(names[i], layer_tars[i]);
  Result<std::string> tar = outer.Tar(/*gzip=*/false);
  if (!tar.ok()) return tar.error();
  return WriteFileAtomically(tarball, *tar);
}

}  // namespace sysfence::testing
