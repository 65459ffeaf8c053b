// Pins down the summary cache format: a summary survives the round trip, and a damaged,
// truncated or mismatched entry is rejected with a reason rather than trusted.
#include "analysis/summary_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "analysis/object_analyzer.h"

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
    key_ = SummaryCache::KeyFor(*elf_, nullptr);
  }
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
  std::string dir = ::testing::TempDir() + "summary_cache_" + std::to_string(getpid());
  SummaryCache cache(dir);
  std::string warning;
  EXPECT_FALSE(cache.Load(key_, &warning).has_value());
  EXPECT_TRUE(warning.empty());
  ASSERT_TRUE(cache.Store(key_, summary_).ok());
  auto loaded = cache.Load(key_, &warning);
  ASSERT_TRUE(loaded.has_value()) << warning;
  EXPECT_TRUE(SameBytes(loaded->calls, summary_.calls));
  std::filesystem::resize_file(cache.PathFor(key_), 100);
  EXPECT_FALSE(cache.Load(key_, &warning).has_value());
  EXPECT_NE(warning.find("ignoring corrupt cache entry"), std::string::npos);
  std::filesystem::remove_all(dir);
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
