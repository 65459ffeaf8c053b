// A memo of decoded instructions, keyed by their bytes. Decoding is a pure function of the
// bytes, and compiled code repeats itself: once a branch's offset and a rip-relative
// displacement are set aside, 2.8% of libLLVM's 12.7 million instructions are distinct. A
// table of 32768 of them answers about 19 lookups in 20, at a fraction of a decode's cost.
//
// The key needs the instruction's length before it is decoded. ShapePredictor guesses the
// shape (length, and where the relative field lies) from the first bytes, from the last
// instruction seen that started with them; a guess is only a probe: an entry matches when
// every byte of it outside the field is equal, and x86 decoding never depends on the value of
// a displacement or immediate, so a match is the same instruction.
//
//   ShapePredictor shapes;
//   DecodeMemo<Instruction> memo(15);
//   if (const auto* hit = memo.Find(bytes, shapes, tag)) ... hit->value, hit->shape ...
//   else { decode; memo.Insert(bytes, shape, tag, flags, value); shapes.Learn(bytes, shape); }
//
// `bytes` must have kMemoWindow bytes readable (the longest instruction is 15 bytes).
#ifndef SYSFENCE_ANALYSIS_DECODE_MEMO_H_
#define SYSFENCE_ANALYSIS_DECODE_MEMO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

namespace sysfence {

inline constexpr size_t kMemoWindow = 16;

// An instruction's length and its one field that depends on where it is: a relative branch
// offset or a rip-relative displacement (size 0: none).
struct InstructionShape {
  uint8_t length = 0;  // 0: no shape
  uint8_t field_offset = 0;
  uint8_t field_size = 0;  // bytes: 0, 1, 2 or 4
  uint8_t unused = 0;      // four bytes: one load

  // The field's value in `bytes`, sign-extended (0 without a field).
  int64_t Field(const uint8_t* bytes) const;
  // The address the field names when `bytes` lie at `address`: the next instruction's plus
  // the field (a branch target, a rip-relative operand).
  uint64_t Relative(const uint8_t* bytes, uint64_t address) const {
    return address + length + static_cast<uint64_t>(Field(bytes));
  }
  friend bool operator==(const InstructionShape&, const InstructionShape&) = default;
};

// The instruction's bytes with its field and everything past its length zeroed.
struct MemoKey {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const MemoKey&, const MemoKey&) = default;
};
MemoKey MemoKeyOf(const uint8_t* bytes, InstructionShape shape);
uint64_t MemoHash(MemoKey key, InstructionShape shape, uint8_t tag);

inline int64_t InstructionShape::Field(const uint8_t* bytes) const {
  const uint8_t* at = bytes + field_offset;
  switch (field_size) {
    case 1:
      return static_cast<int8_t>(at[0]);
    case 2: {
      int16_t value;
      std::memcpy(&value, at, sizeof value);
      return value;
    }
    case 4: {
      int32_t value;
      std::memcpy(&value, at, sizeof value);
      return value;
    }
    default:
      return 0;
  }
}

namespace memo_internal {

// The bytes [0, n) of a word (n from 0 to 8).
inline uint64_t LowBytes(int n) { return n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1; }

// The bytes [begin, end) of the instruction that fall in word `word` (0: bytes 0-7, 1: 8-15).
inline uint64_t ByteRange(int begin, int end, int word) {
  auto clamp = [&](int n) { return n < 8 * word ? 0 : n - 8 * word; };
  return LowBytes(clamp(end)) & ~LowBytes(clamp(begin));
}

}  // namespace memo_internal

inline MemoKey MemoKeyOf(const uint8_t* bytes, InstructionShape shape) {
  MemoKey key;
  std::memcpy(&key.low, bytes, sizeof key.low);
  std::memcpy(&key.high, bytes + sizeof key.low, sizeof key.high);
  int field_end = shape.field_offset + shape.field_size;
  using memo_internal::ByteRange;
  key.low &= ByteRange(0, shape.length, 0) & ~ByteRange(shape.field_offset, field_end, 0);
  key.high &= ByteRange(0, shape.length, 1) & ~ByteRange(shape.field_offset, field_end, 1);
  return key;
}

inline uint64_t MemoHash(MemoKey key, InstructionShape shape, uint8_t tag) {
  uint64_t extra = uint64_t{shape.length} | uint64_t{shape.field_offset} << 8 |
                   uint64_t{shape.field_size} << 16 | uint64_t{tag} << 24;
  uint64_t h = key.low * 0x9E3779B97F4A7C15ull ^ (key.high + extra) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 31;
  return h * 0xBF58476D1CE4E5B9ull;
}

// Zeroed memory for a table read at random, on 2 MiB pages where the kernel gives them: a
// lookup that misses the caches then does not also miss the TLB (under a hypervisor, a
// two-level page walk).
class TableMemory {
 public:
  explicit TableMemory(size_t bytes);
  ~TableMemory();
  TableMemory(const TableMemory&) = delete;
  TableMemory& operator=(const TableMemory&) = delete;
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  void* base_ = nullptr;  // the mapping data_ lies in
  size_t mapped_ = 0;     // its length; 0: data_ came from operator new
};

// Remembers the shape of the last instruction that began with each pair and (hashed) each
// triple of bytes.
class ShapePredictor {
 public:
  ShapePredictor();
  // The triple's guess, then the pair's (either may have length 0).
  std::array<InstructionShape, 2> Guess(const uint8_t* bytes) const {
    return {by_three_[TripleIndex(bytes)], by_two_[PairIndex(bytes)]};
  }
  void Learn(const uint8_t* bytes, InstructionShape shape) {
    by_three_[TripleIndex(bytes)] = shape;
    by_two_[PairIndex(bytes)] = shape;
  }

 private:
  static size_t PairIndex(const uint8_t* bytes) { return bytes[0] | size_t{bytes[1]} << 8; }
  static size_t TripleIndex(const uint8_t* bytes) {
    uint32_t triple = bytes[0] | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16;
    return (triple * 0x9E3779B1u) >> 16;
  }

  static constexpr size_t kSize = size_t{1} << 16;
  TableMemory memory_{2 * kSize * sizeof(InstructionShape)};
  InstructionShape* by_three_;
  InstructionShape* by_two_;
};

// A direct-mapped table of 2^bits decoded values. `tag` tells apart values decoded with
// different options; `flags` is the caller's note of which fields to rebuild from the field.
template <typename Value>
class DecodeMemo {
 public:
  struct alignas(64) Entry {  // a cache line, or two
    MemoKey key;
    InstructionShape shape;  // length 0: empty
    uint8_t tag = 0;
    uint8_t flags = 0;
    Value value{};
  };

  explicit DecodeMemo(int bits)
      : memory_((size_t{1} << bits) * sizeof(Entry)),
        entries_(static_cast<Entry*>(memory_.data())),
        shift_(64 - bits) {
    std::uninitialized_default_construct_n(entries_, size_t{1} << bits);
  }

  // The entry for `bytes`, probing with the predictor's guesses of its shape.
  const Entry* Find(const uint8_t* bytes, const ShapePredictor& shapes, uint8_t tag) const {
    std::array<InstructionShape, 2> guesses = shapes.Guess(bytes);
    for (size_t i = 0; i < guesses.size(); ++i) {
      const InstructionShape& shape = guesses[i];
      if (shape.length == 0 || (i > 0 && shape == guesses[0])) continue;
      if (const Entry* entry = FindShaped(bytes, shape, tag)) return entry;
    }
    return nullptr;
  }

  // The entry for `bytes` when their shape is known.
  const Entry* FindShaped(const uint8_t* bytes, InstructionShape shape, uint8_t tag) const {
    static_assert(std::is_trivially_destructible_v<Entry>);
    MemoKey key = MemoKeyOf(bytes, shape);
    const Entry& entry = entries_[MemoHash(key, shape, tag) >> shift_];
    return entry.shape == shape && entry.tag == tag && entry.key == key ? &entry : nullptr;
  }

  // Starts loading the entry a later lookup of `bytes` with `shape` probes, to hide most of
  // its cache miss.
  void Prefetch(const uint8_t* bytes, InstructionShape shape, uint8_t tag) const {
    __builtin_prefetch(&entries_[MemoHash(MemoKeyOf(bytes, shape), shape, tag) >> shift_]);
  }

  void Insert(const uint8_t* bytes, InstructionShape shape, uint8_t tag, uint8_t flags,
              const Value& value) {
    MemoKey key = MemoKeyOf(bytes, shape);
    entries_[MemoHash(key, shape, tag) >> shift_] = Entry{key, shape, tag, flags, value};
  }

 private:
  TableMemory memory_;
  Entry* entries_;
  int shift_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_DECODE_MEMO_H_
