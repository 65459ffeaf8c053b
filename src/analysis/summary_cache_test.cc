// Pins down the summary cache format: a summary survives the round trip, and a damaged,
// truncated or mismatched entry is rejected with a reason rather than trusted.
#include "analysis/summary_cache.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "analysis/object_analyzer.h"
#include "base/file_util.h"

namespace sysfence {
namespace {

class SummaryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto elf = ElfFile::Open("/lib/x86_64-linux-gnu/libz.so.1");
    ASSERT_TRUE(elf.ok());
    elf_ = std::move(*elf);
    auto summary = AnalyzeObject(*elf_);
    ASSERT_TRUE(summary.ok());
    summary_ = std::move(*summary);
    dir_ = ::testing::TempDir() + "summary_cache_" + std::to_string(getpid());
    key_ = SummaryCache(dir_).KeyFor(*elf_, nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  std::unique_ptr<ElfFile> elf_;
  ObjectSummary summary_;
  CacheKey key_;
};

template <typename T>
bool SameBytes(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  return a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

TEST_F(SummaryCacheTest, RoundTripKeepsEveryArray) {
  std::string bytes = SerializeSummary(key_, summary_);
  auto back = DeserializeSummary(key_, bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_GT(back->functions.size(), 50u);
  EXPECT_TRUE(SameBytes(back->functions, summary_.functions));
  EXPECT_TRUE(SameBytes(back->calls, summary_.calls));
  EXPECT_TRUE(SameBytes(back->references, summary_.references));
  EXPECT_TRUE(SameBytes(back->sites, summary_.sites));
  EXPECT_TRUE(SameBytes(back->regions, summary_.regions));
  EXPECT_EQ(back->strings, summary_.strings);
  EXPECT_EQ(back->init_functions, summary_.init_functions);
  EXPECT_EQ(back->fini_functions, summary_.fini_functions);
  EXPECT_EQ(back->entry_function, summary_.entry_function);
  EXPECT_EQ(back->table_called_functions, summary_.table_called_functions);
  EXPECT_EQ(back->go_version, summary_.go_version);
}

TEST_F(SummaryCacheTest, DamageIsDetected) {
  std::string bytes = SerializeSummary(key_, summary_);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  auto corrupt = DeserializeSummary(key_, flipped);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().message(), "checksum mismatch");
  auto truncated = DeserializeSummary(key_, bytes.substr(0, bytes.size() - 10));
  ASSERT_FALSE(truncated.ok());
  EXPECT_FALSE(DeserializeSummary(key_, bytes.substr(0, 20)).ok());
  CacheKey other = key_;
  other.content_hash ^= 1;
  auto mismatch = DeserializeSummary(other, bytes);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().message(), "key does not match");
}

TEST_F(SummaryCacheTest, StoreThenLoadThroughTheDirectory) {
  SummaryCache cache(dir_);
  std::string warning;
  EXPECT_FALSE(cache.Load(key_, &warning).has_value());
  EXPECT_TRUE(warning.empty());
  ASSERT_TRUE(cache.Store(key_, summary_).ok());
  // Store writes its pieces (arrays of several pages among them) as SerializeSummary joins them.
  std::string serialized = SerializeSummary(key_, summary_);
  EXPECT_GT(summary_.calls.size() * sizeof(summary_.calls[0]), 4096u);
  EXPECT_EQ(*ReadFile(cache.PathFor(key_)), serialized);
  auto loaded = cache.Load(key_, &warning);
  ASSERT_TRUE(loaded.has_value()) << warning;
  EXPECT_TRUE(SameBytes(loaded->calls, summary_.calls));
  std::filesystem::resize_file(cache.PathFor(key_), 100);
  EXPECT_FALSE(cache.Load(key_, &warning).has_value());
  EXPECT_NE(warning.find("ignoring corrupt cache entry"), std::string::npos);
}

// The name of the link that remembers a file's content hash (summary_cache.cc).
std::string HashLinkName(const std::string& dir, const MappedFile& f, int64_t ctime_ns) {
  return fmt::format("{}/content-hashes/xxh3-{:x}-{:x}-{:x}-{:x}-{:x}", dir, f.device(), f.inode(),
                     f.size(), f.mtime_ns(), ctime_ns);
}

// A file's hash is remembered by its identity and times once it has settled, read back from
// there, and not used for a file whose times differ.
TEST_F(SummaryCacheTest, ContentHashesAreRememberedByTheFilesIdentityAndTimes) {
  SummaryCache cache(dir_);
  const MappedFile& libz = elf_->file();  // installed long ago: settled
  EXPECT_EQ(key_.content_hash, HashBytes(libz.bytes()));
  std::string link = HashLinkName(dir_, libz, libz.ctime_ns());
  ASSERT_TRUE(std::filesystem::is_symlink(link)) << link;
  EXPECT_EQ(std::filesystem::read_symlink(link).string(),
            fmt::format("{:016x}", key_.content_hash));
  // What is remembered is what is used: another value planted there is read back.
  std::filesystem::remove(link);
  std::filesystem::create_symlink("00000000000000ab", link);
  EXPECT_EQ(cache.ContentHash(libz), 0xabu);

  // A file written just now is hashed, and not remembered (it could still change within the
  // clock's granularity); a hash remembered for the same file with other times is not used.
  std::string copy = dir_ + "/copy.so";
  std::filesystem::copy_file("/lib/x86_64-linux-gnu/libz.so.1", copy);
  auto fresh = ElfFile::Open(copy);
  ASSERT_TRUE(fresh.ok());
  const MappedFile& f = (*fresh)->file();
  std::filesystem::create_symlink("00000000000000cd", HashLinkName(dir_, f, f.ctime_ns() - 1));
  EXPECT_EQ(cache.ContentHash(f), HashBytes(f.bytes()));
  EXPECT_FALSE(std::filesystem::exists(HashLinkName(dir_, f, f.ctime_ns())));
}

TEST(HashBytes, DependsOnEveryByte) {
  std::string a(1000, 'x');
  std::string b = a;
  b[999] = 'y';
  auto view = [](const std::string& s) {
    return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_NE(HashBytes(view(a)), HashBytes(view(b)));
  EXPECT_NE(HashBytes(view(a)), HashBytes(view(a.substr(0, 999))));
  EXPECT_EQ(HashBytes(view(a)), HashBytes(view(std::string(1000, 'x'))));
}

}  // namespace
}  // namespace sysfence
