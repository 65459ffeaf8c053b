// Keys, hashes and shape guesses for the decode memo (see decode_memo.h).
#include "analysis/decode_memo.h"

#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <new>

namespace sysfence {

namespace {

constexpr std::align_val_t kAlignment{64};  // a cache line

}  // namespace

TableMemory::TableMemory(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes >= kHugePage / 2) {
    // Map a huge page more and start at a boundary inside: then every page can be huge.
    size_t length = (bytes + kHugePage - 1) / kHugePage * kHugePage + kHugePage;
    void* mapped =
        mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped != MAP_FAILED) {
      uintptr_t start = (reinterpret_cast<uintptr_t>(mapped) + kHugePage - 1) & ~(kHugePage - 1);
      madvise(reinterpret_cast<void*>(start), length - kHugePage, MADV_HUGEPAGE);
      data_ = reinterpret_cast<void*>(start);
      base_ = mapped;
      mapped_ = length;
      return;
    }
  }
  data_ = ::operator new(bytes, kAlignment);
  std::memset(data_, 0, bytes);
}

TableMemory::~TableMemory() {
  if (mapped_ != 0) {
    munmap(base_, mapped_);
  } else {
    ::operator delete(data_, kAlignment);
  }
}

ShapePredictor::ShapePredictor()
    : by_three_(static_cast<InstructionShape*>(memory_.data())), by_two_(by_three_ + kSize) {
  std::uninitialized_default_construct_n(by_three_, 2 * kSize);
}

}  // namespace sysfence
