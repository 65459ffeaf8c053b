// Pins down how layers are applied: later entries replace earlier ones, whiteouts and opaque
// directories delete what lower layers put there, and no entry can write outside the root
// (`..` names, paths through absolute links or links climbing out, hard links out).
#include "scan/layer_unpacker.h"

#include <archive.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scan/test_image_writer.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;
using testing::TestLayer;

class LayerUnpackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sysfence-layers-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    fs::create_directories(root_);
    fs::create_directories(outside_);
  }
  void TearDown() override { fs::remove_all(base_); }

  Status Apply(const TestLayer& layer, bool gzip = false) {
    Result<std::string> tar = layer.Tar(gzip);
    if (!tar.ok()) return tar.error();
    Result<LayerUnpacker> unpacker = LayerUnpacker::Open(root_);
    if (!unpacker.ok()) return unpacker.error();
    struct archive* a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_open_memory(a, tar->data(), tar->size());
    Status applied = unpacker->Apply(a, "layer");
    archive_read_free(a);
    return applied;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(root_ + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool OutsideIsEmpty() { return fs::is_empty(outside_); }

  std::string base_, root_, outside_;
};

TEST_F(LayerUnpackerTest, LaterLayersReplaceAndWhiteoutsDelete) {
  TestLayer first;
  first.Directory("/usr/bin")
      .File("/usr/bin/a", "A", 0755)
      .File("/usr/bin/b", "B")
      .Directory("/etc/conf.d")
      .File("/etc/conf.d/old", "x")
      .Symlink("/bin", "usr/bin");
  ASSERT_TRUE(Apply(first, /*gzip=*/true).ok());
  TestLayer second;
  second.File("/usr/bin/a", "A2", 0755)
      .Whiteout("/usr/bin/b")
      .OpaqueDirectory("/etc/conf.d")
      .File("/etc/conf.d/new", "y");
  Status applied = Apply(second);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  EXPECT_EQ(Read("/usr/bin/a"), "A2");
  EXPECT_FALSE(fs::exists(root_ + "/usr/bin/b"));
  EXPECT_FALSE(fs::exists(root_ + "/usr/bin/.wh.b"));
  EXPECT_FALSE(fs::exists(root_ + "/etc/conf.d/old"));
  EXPECT_EQ(Read("/etc/conf.d/new"), "y") << "an opaque directory keeps its own layer's files";
  EXPECT_TRUE(fs::is_symlink(root_ + "/bin"));
  EXPECT_EQ(fs::status(root_ + "/usr/bin/a").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
}

TEST_F(LayerUnpackerTest, FollowsRelativeLinksInsideTheRootAndMakesHardLinks) {
  TestLayer first;
  first.Directory("/usr/bin").Symlink("/bin", "usr/bin").File("/usr/bin/tool", "T", 0755);
  ASSERT_TRUE(Apply(first).ok());
  TestLayer second;
  second.File("/bin/added", "through the link").Hardlink("/usr/bin/tool2", "/usr/bin/tool");
  Status applied = Apply(second);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  EXPECT_EQ(Read("/usr/bin/added"), "through the link");
  EXPECT_EQ(fs::hard_link_count(root_ + "/usr/bin/tool"), 2u);
}

TEST_F(LayerUnpackerTest, RefusesDotDotNames) {
  TestLayer layer;
  layer.RawFile("../outside/escaped", "x");
  Status applied = Apply(layer);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message().find("'..'"), std::string::npos) << applied.error().message();
  EXPECT_TRUE(OutsideIsEmpty());
}

TEST_F(LayerUnpackerTest, RefusesWritingThroughAnAbsoluteLink) {
  TestLayer first;
  first.Symlink("/evil", outside_);  // followed by the host, this leads out of the root
  ASSERT_TRUE(Apply(first).ok());
  TestLayer second;
  second.File("/evil/planted", "x");
  Status applied = Apply(second);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message().find("absolute link 'evil'"), std::string::npos)
      << applied.error().message();
  EXPECT_TRUE(OutsideIsEmpty());
}

TEST_F(LayerUnpackerTest, RefusesLinksThatClimbOutOfTheRoot) {
  TestLayer first;
  first.Symlink("/up", "../outside");
  ASSERT_TRUE(Apply(first).ok());
  TestLayer second;
  second.File("/up/planted", "x");
  ASSERT_FALSE(Apply(second).ok());
  TestLayer third;
  third.Hardlink("/stolen", "../outside/x");
  ASSERT_FALSE(Apply(third).ok());
  EXPECT_TRUE(OutsideIsEmpty());
}

TEST_F(LayerUnpackerTest, ReplacesALinkInsteadOfWritingThroughIt) {
  std::ofstream(outside_ + "/target") << "original";
  TestLayer first;
  first.Symlink("/file", outside_ + "/target");
  ASSERT_TRUE(Apply(first).ok());
  TestLayer second;
  second.File("/file", "replaced");
  ASSERT_TRUE(Apply(second).ok());
  EXPECT_EQ(Read("/file"), "replaced");
  std::ifstream in(outside_ + "/target");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "original");
}

TEST(EntryComponents, CleansNamesAndRefusesDotDot) {
  EXPECT_EQ(*EntryComponents("./usr//bin/"), (std::vector<std::string>{"usr", "bin"}));
  EXPECT_EQ(*EntryComponents("/etc/x"), (std::vector<std::string>{"etc", "x"}));
  EXPECT_FALSE(EntryComponents("usr/../../etc").ok());
}

}  // namespace
}  // namespace sysfence
