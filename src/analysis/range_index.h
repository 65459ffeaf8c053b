// Finds which of a list of sorted, non-overlapping address ranges holds an address, in a step
// or two instead of a binary search's twenty cache misses. The span the ranges cover is cut
// into power-of-two buckets, about as many as there are ranges; each bucket remembers the
// first range that ends after the bucket's start, so the range holding an address lies
// between its bucket's entry and the next bucket's.
//
//   RangeIndex index;
//   index.Build(std::span<const FunctionSummary>(functions));
//   uint32_t f = index.Find(std::span<const FunctionSummary>(functions), address);
//
// The index describes the ranges it was built from; Find falls back to a binary search when
// their count has changed since (and with ranges that are not sorted, it finds what a
// binary search would, or nothing: never reads out of bounds).
#ifndef SYSFENCE_ANALYSIS_RANGE_INDEX_H_
#define SYSFENCE_ANALYSIS_RANGE_INDEX_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace sysfence {

class RangeIndex {
 public:
  static constexpr uint32_t kNone = 0xffffffff;

  // Range: any struct with uint64_t start and end.
  template <typename Range>
  void Build(std::span<const Range> ranges) {
    first_.clear();
    built_for_ = ranges.size();
    if (ranges.empty() || ranges.back().end <= ranges.front().start) return;
    base_ = ranges.front().start;
    uint64_t span = ranges.back().end - base_;
    // Buckets of at least the average range's size, rounded up to a power of two: at most
    // twice as many buckets as ranges.
    uint64_t average = std::max<uint64_t>(1, span / ranges.size());
    shift_ = std::bit_width(average - 1);
    size_t buckets = static_cast<size_t>(((span - 1) >> shift_) + 1);
    first_.resize(buckets + 1);
    size_t r = 0;
    for (size_t b = 0; b < buckets; ++b) {
      uint64_t bucket_start = base_ + (uint64_t{b} << shift_);
      while (r < ranges.size() && ranges[r].end <= bucket_start) ++r;
      first_[b] = static_cast<uint32_t>(r);
    }
    first_[buckets] = static_cast<uint32_t>(ranges.size());
  }

  // The index of the range holding `address`, or kNone.
  template <typename Range>
  uint32_t Find(std::span<const Range> ranges, uint64_t address) const {
    auto begin = ranges.begin(), end = ranges.end();
    if (built_for_ == ranges.size() && !first_.empty()) {
      if (address < base_) return kNone;
      uint64_t bucket = (address - base_) >> shift_;
      if (bucket + 1 >= first_.size()) return kNone;
      // The holder is the first range ending after the address: at or after the bucket's
      // entry, at or before the next bucket's.
      begin = ranges.begin() + first_[bucket];
      end = ranges.begin() + std::min<size_t>(ranges.size(), size_t{first_[bucket + 1]} + 1);
    }
    auto it = std::upper_bound(begin, end, address,
                               [](uint64_t a, const Range& r) { return a < r.start; });
    if (it == ranges.begin()) return kNone;
    --it;
    return address >= it->start && address < it->end ? static_cast<uint32_t>(it - ranges.begin())
                                                     : kNone;
  }

 private:
  uint64_t base_ = 0;
  int shift_ = 0;
  std::vector<uint32_t> first_;  // per bucket, and one past the last
  size_t built_for_ = static_cast<size_t>(-1);
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_RANGE_INDEX_H_
