// Pins down the ld.so.cache reader: this machine's cache maps libc.so.6 to its multiarch
// path; a synthetic cache shows that only x86-64 entries count, that hwcaps entries lose to
// plain ones, and that out-of-range offsets are errors.
#include "elf/ld_cache.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

namespace sysfence {
namespace {

struct Entry {
  int32_t flags;
  std::string name, path;
  uint64_t hwcap;
};

std::string BuildCache(const std::vector<Entry>& entries) {
  std::string header = "glibc-ld.so.cache1.1";
  std::string strings;
  std::string table;
  uint64_t strings_at = 48 + entries.size() * 24;
  auto append32 = [](std::string& out, uint32_t v) { out.append(reinterpret_cast<char*>(&v), 4); };
  auto append64 = [](std::string& out, uint64_t v) { out.append(reinterpret_cast<char*>(&v), 8); };
  for (const Entry& e : entries) {
    uint32_t key = static_cast<uint32_t>(strings_at + strings.size());
    strings += e.name + '\0';
    uint32_t value = static_cast<uint32_t>(strings_at + strings.size());
    strings += e.path + '\0';
    append32(table, static_cast<uint32_t>(e.flags));
    append32(table, key);
    append32(table, value);
    append32(table, 0);
    append64(table, e.hwcap);
  }
  append32(header, static_cast<uint32_t>(entries.size()));
  append32(header, static_cast<uint32_t>(strings.size()));
  header.append(20, '\0');
  return header + table + strings;
}

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(LdCache, ThisMachinesCacheFindsLibc) {
  auto cache = LdCache::Load("/etc/ld.so.cache");
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  EXPECT_EQ(cache->Find("libc.so.6"), "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(cache->Find("libnot-a-library.so.9"), std::nullopt);
}

TEST(LdCache, OnlyX8664EntriesCountAndPlainEntriesBeatHwcaps) {
  std::string bytes = BuildCache({{0x0803, "liba.so.1", "/lib32/liba.so.1", 0},
                                  {0x0303, "libb.so.1", "/hw/libb.so.1", uint64_t{1} << 62},
                                  {0x0303, "libb.so.1", "/lib/libb.so.1", 0},
                                  {0x0303, "libc.so.6", "/first/libc.so.6", 0},
                                  {0x0303, "libc.so.6", "/second/libc.so.6", 0}});
  auto cache = LdCache::Parse(View(bytes), "test cache");
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  EXPECT_EQ(cache->Find("liba.so.1"), std::nullopt);
  EXPECT_EQ(cache->Find("libb.so.1"), "/lib/libb.so.1");
  EXPECT_EQ(cache->Find("libc.so.6"), "/first/libc.so.6");
}

TEST(LdCache, RejectsTruncatedAndForeignCaches) {
  std::string bytes = BuildCache({{0x0303, "libc.so.6", "/lib/libc.so.6", 0}});
  auto truncated = LdCache::Parse(View(bytes.substr(0, 60)), "short cache");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message().find("short cache"), std::string::npos);
  std::string bad_offset = bytes;
  uint32_t huge = 0x7fffffff;
  std::memcpy(&bad_offset[48 + 4], &huge, 4);
  EXPECT_FALSE(LdCache::Parse(View(bad_offset), "bad cache").ok());
  EXPECT_FALSE(LdCache::Parse(View(std::string("not a cache at all")), "text").ok());
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// Random corruption of this machine's cache: each variant parses or fails cleanly (the
// sanitizer build turns any stray read into a failure).
TEST(LdCache, SurvivesRandomCorruption) {
  std::string original;
  {
    FILE* f = std::fopen("/etc/ld.so.cache", "rb");
    ASSERT_NE(f, nullptr);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) original.append(buffer, n);
    std::fclose(f);
  }
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  for (int round = 0; round < 500; ++round) {
    std::string bytes = original;
    size_t area = round % 2 == 0 ? 48 + 24 * 8 : bytes.size();  // header and first entries, or all
    for (int flips = 0; flips < 4; ++flips) bytes[next() % area] = static_cast<char>(next());
    if (round % 7 == 0) bytes.resize(next() % bytes.size());
    auto cache = LdCache::Parse(View(bytes), "fuzzed");
    if (cache.ok()) {
      cache->Find("libc.so.6");
    } else {
      EXPECT_NE(cache.error().message().find("fuzzed"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sysfence
