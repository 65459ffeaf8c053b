// Pins down reading images: an OCI layout and a docker save tarball give the same
// configuration and files; a missing blob, a truncated or altered layer, and a damaged index
// are refused with a message naming the image and what is wrong.
#include "scan/container_image.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "base/file_util.h"
#include "scan/test_image_writer.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;
using testing::TestImageConfig;
using testing::TestLayer;

class ContainerImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-image-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ + "/root");
    first_.Directory("/usr/bin")
        .File("/usr/bin/tool", "#!/bin/sh\necho hi\n", 0755)
        .File("/usr/bin/gone", "x", 0755);
    second_.Whiteout("/usr/bin/gone").File("/entry.sh", "#!/bin/sh\nexec tool\n", 0755);
    config_.entrypoint = {"/entry.sh"};
    config_.cmd = {"--flag"};
    config_.env = {"PATH=/usr/bin:/bin", "LANG=C"};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  TestLayer first_, second_;
  TestImageConfig config_;
};

TEST_F(ContainerImageTest, ReadsAnOciLayoutAndAppliesItsLayers) {
  ASSERT_TRUE(testing::WriteOciLayout(dir_ + "/oci", {first_, second_}, config_).ok());
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/oci");
  ASSERT_TRUE(image.ok()) << image.error().message();
  EXPECT_EQ((*image)->config().Command(), (std::vector<std::string>{"/entry.sh", "--flag"}));
  EXPECT_EQ((*image)->config().SearchPath(), "/usr/bin:/bin");
  ASSERT_EQ((*image)->layers().size(), 2u);
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message();
  EXPECT_TRUE(fs::exists(dir_ + "/root/usr/bin/tool"));
  EXPECT_TRUE(fs::exists(dir_ + "/root/entry.sh"));
  EXPECT_FALSE(fs::exists(dir_ + "/root/usr/bin/gone"));
}

TEST_F(ContainerImageTest, ReadsADockerSaveTarball) {
  ASSERT_TRUE(testing::WriteDockerSave(dir_ + "/image.tar", {first_, second_}, config_).ok());
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/image.tar");
  ASSERT_TRUE(image.ok()) << image.error().message();
  EXPECT_EQ((*image)->config().entrypoint, (std::vector<std::string>{"/entry.sh"}));
  ASSERT_EQ((*image)->layers().size(), 2u);
  EXPECT_EQ((*image)->layers()[0].blob, "1/layer.tar");
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message();
  EXPECT_TRUE(fs::exists(dir_ + "/root/usr/bin/tool"));
  EXPECT_FALSE(fs::exists(dir_ + "/root/usr/bin/gone"));
}

TEST_F(ContainerImageTest, RefusesAMissingBlobBeforeWritingAnything) {
  Result<std::vector<std::string>> blobs =
      testing::WriteOciLayout(dir_ + "/oci", {first_, second_}, config_);
  ASSERT_TRUE(blobs.ok());
  fs::remove(dir_ + "/oci/" + (*blobs)[1]);
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/oci");
  ASSERT_TRUE(image.ok());
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_FALSE(unpacked.ok());
  EXPECT_NE(unpacked.error().message().find("layer 2: its blob " + (*blobs)[1] + " is missing"),
            std::string::npos)
      << unpacked.error().message();
  EXPECT_TRUE(fs::is_empty(dir_ + "/root"));
}

TEST_F(ContainerImageTest, RefusesATruncatedLayer) {
  Result<std::vector<std::string>> blobs =
      testing::WriteOciLayout(dir_ + "/oci", {first_, second_}, config_);
  ASSERT_TRUE(blobs.ok());
  std::string layer = dir_ + "/oci/" + (*blobs)[0];
  fs::resize_file(layer, fs::file_size(layer) / 2);
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/oci");
  ASSERT_TRUE(image.ok());
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_FALSE(unpacked.ok());
  EXPECT_NE(unpacked.error().message().find("truncated or damaged"), std::string::npos)
      << unpacked.error().message();
}

TEST_F(ContainerImageTest, RefusesATruncatedLayerInADockerSaveTarball) {
  ASSERT_TRUE(testing::WriteDockerSave(dir_ + "/image.tar", {first_, second_}, config_).ok());
  // Cut the tarball inside the last layer: the layer stream ends early.
  fs::resize_file(dir_ + "/image.tar", fs::file_size(dir_ + "/image.tar") - 3000);
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/image.tar");
  ASSERT_TRUE(image.ok()) << image.error().message();
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_FALSE(unpacked.ok());
  EXPECT_NE(unpacked.error().message().find("image.tar"), std::string::npos)
      << unpacked.error().message();
}

TEST_F(ContainerImageTest, RefusesALayerWhoseDigestDiffers) {
  Result<std::vector<std::string>> blobs =
      testing::WriteOciLayout(dir_ + "/oci", {first_}, config_, /*gzip=*/false);
  ASSERT_TRUE(blobs.ok());
  std::string layer = dir_ + "/oci/" + (*blobs)[0];
  std::string bytes = *ReadFile(layer);
  size_t at = bytes.find("echo hi");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'E';  // same size, other contents
  ASSERT_TRUE(WriteFileAtomically(layer, bytes).ok());
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/oci");
  ASSERT_TRUE(image.ok());
  Status unpacked = (*image)->Unpack(dir_ + "/root");
  ASSERT_FALSE(unpacked.ok());
  EXPECT_NE(unpacked.error().message().find("has the digest"), std::string::npos)
      << unpacked.error().message();
}

TEST_F(ContainerImageTest, RefusesWhatIsNotAnImage) {
  fs::create_directories(dir_ + "/empty");
  Result<std::unique_ptr<ContainerImage>> image = ContainerImage::Open(dir_ + "/empty");
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message().find("not an OCI image layout"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/index.json", "{not json").ok());
  fs::create_directories(dir_ + "/bad");
  fs::rename(dir_ + "/index.json", dir_ + "/bad/index.json");
  image = ContainerImage::Open(dir_ + "/bad");
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message().find("index.json: not valid JSON"), std::string::npos)
      << image.error().message();
  EXPECT_FALSE(ContainerImage::Open(dir_ + "/missing").ok());
}

TEST(BlobPathOf, AcceptsOnlySha256Digests) {
  std::string hex(64, 'a');
  EXPECT_EQ(*BlobPathOf("sha256:" + hex), "blobs/sha256/" + hex);
  EXPECT_FALSE(BlobPathOf("sha256:../../etc/passwd").ok());
  EXPECT_FALSE(BlobPathOf("md5:abc").ok());
  EXPECT_EQ(Sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace sysfence
