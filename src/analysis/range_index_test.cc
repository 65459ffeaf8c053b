// RangeIndex finds what a binary search over the same ranges finds: at every start, end and
// point between of ranges with gaps, empty ranges and wide spans; before and after them; and
// after the ranges changed since the index was built. Then over libc's own functions.
#include "analysis/range_index.h"

#include <gtest/gtest.h>

#include <random>

#include "analysis/object_analyzer.h"
#include "elf/elf_file.h"

namespace sysfence {
namespace {

struct Range {
  uint64_t start = 0;
  uint64_t end = 0;
};

uint32_t Search(const std::vector<Range>& ranges, uint64_t address) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), address,
                             [](uint64_t a, const Range& r) { return a < r.start; });
  if (it == ranges.begin() || address >= (it - 1)->end) return RangeIndex::kNone;
  return static_cast<uint32_t>(it - 1 - ranges.begin());
}

// Sorted, non-overlapping ranges of 0 to `widest` bytes with gaps of 0 to `gap` bytes.
std::vector<Range> RandomRanges(std::mt19937_64& random, size_t count, uint64_t widest,
                                uint64_t gap) {
  std::vector<Range> ranges;
  uint64_t at = 0x400000 + random() % 4096;
  for (size_t i = 0; i < count; ++i) {
    at += random() % (gap + 1);
    uint64_t end = at + random() % (widest + 1);
    ranges.push_back({at, end});
    at = end;
  }
  return ranges;
}

void ExpectSameAsSearch(const std::vector<Range>& ranges, const RangeIndex& index) {
  std::span<const Range> span(ranges);
  std::vector<uint64_t> probes = {0, 1, ~uint64_t{0}};
  for (const Range& r : ranges) {
    for (uint64_t a :
         {r.start - 1, r.start, r.start + 1, (r.start + r.end) / 2, r.end - 1, r.end, r.end + 1}) {
      probes.push_back(a);
    }
  }
  for (uint64_t a : probes) ASSERT_EQ(index.Find(span, a), Search(ranges, a)) << std::hex << a;
}

TEST(RangeIndex, FindsWhatABinarySearchFinds) {
  std::mt19937_64 random(19);
  struct Shape {
    size_t count;
    uint64_t widest, gap;
  };
  for (Shape shape : {Shape{1, 100, 0}, Shape{2, 1, 1}, Shape{1000, 64, 0}, Shape{1000, 4000, 16},
                      Shape{5000, 16, 3}, Shape{300, 3, 100000}, Shape{50, 1u << 20, 1u << 24}}) {
    std::vector<Range> ranges = RandomRanges(random, shape.count, shape.widest, shape.gap);
    RangeIndex index;
    index.Build(std::span<const Range>(ranges));
    ExpectSameAsSearch(ranges, index);
  }
}

TEST(RangeIndex, SearchesWhenEmptyUnbuiltOrOutOfDate) {
  std::vector<Range> none;
  RangeIndex index;
  index.Build(std::span<const Range>(none));
  EXPECT_EQ(index.Find(std::span<const Range>(none), 0x1000), RangeIndex::kNone);
  std::vector<Range> ranges = {{0x1000, 0x1010}, {0x1010, 0x1010}, {0x1010, 0x1100}};
  RangeIndex unbuilt;
  ExpectSameAsSearch(ranges, unbuilt);
  index.Build(std::span<const Range>(ranges));
  ExpectSameAsSearch(ranges, index);
  ranges.push_back({0x2000, 0x3000});  // changed since: the index is not used
  ExpectSameAsSearch(ranges, index);
  EXPECT_EQ(index.Find(std::span<const Range>(ranges), 0x2800), 3u);
}

TEST(RangeIndex, RangesOutOfOrderReadNothingOutOfBounds) {
  std::vector<Range> ranges = {{0x5000, 0x6000}, {0x1000, 0x2000}, {0x3000, 0x9000}, {0x0, 0x10}};
  RangeIndex index;
  index.Build(std::span<const Range>(ranges));
  for (uint64_t a = 0; a < 0xa000; a += 0x80) {
    uint32_t found = index.Find(std::span<const Range>(ranges), a);
    if (found != RangeIndex::kNone) {
      ASSERT_LT(found, ranges.size());
      EXPECT_TRUE(a >= ranges[found].start && a < ranges[found].end) << std::hex << a;
    }
  }
}

TEST(RangeIndex, FunctionAtOverLibcMatchesASearch) {
  Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_TRUE(elf.ok()) << elf.error().message();
  Result<ObjectSummary> summary = AnalyzeObject(**elf);
  ASSERT_TRUE(summary.ok());
  ASSERT_GT(summary->functions.size(), 1000u);
  ObjectSummary unindexed;
  unindexed.functions = summary->functions;
  unindexed.regions = summary->regions;
  for (const FunctionSummary& f : summary->functions) {
    for (uint64_t a : {f.start - 1, f.start, f.end - 1, f.end}) {
      ASSERT_EQ(summary->FunctionAt(a), unindexed.FunctionAt(a)) << std::hex << a;
    }
  }
  for (const DataRegion& r : summary->regions) {
    for (uint64_t a : {r.start - 1, r.start, r.end - 1, r.end}) {
      ASSERT_EQ(summary->RegionAt(a), unindexed.RegionAt(a)) << std::hex << a;
    }
  }
}

}  // namespace
}  // namespace sysfence
