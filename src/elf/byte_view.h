// Checked access to untrusted bytes: every offset and size read from a file goes through
// CheckedAdd / ByteView::Sub / ByteView::Read before it touches memory, so a corrupt file can
// make a parse fail but never read out of bounds.
//
//   ByteView file(data, size);
//   std::optional<ByteView> table = file.Sub(header.shoff, header.shnum * sizeof(Elf64_Shdr));
//   if (!table) return MakeError("{}: section table runs past the end", path);
//   auto shdr = table->Read<Elf64_Shdr>(i * sizeof(Elf64_Shdr));
#ifndef SYSFENCE_ELF_BYTE_VIEW_H_
#define SYSFENCE_ELF_BYTE_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

namespace sysfence {

// a + b, or nullopt when it overflows 64 bits.
inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

// a * b, or nullopt when it overflows 64 bits.
inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t product;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

// A non-owning, bounds-checked window on bytes (usually part of a mapped file).
class ByteView {
 public:
  ByteView() = default;
  ByteView(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // [offset, offset + length), or nullopt when any of it lies outside this view.
  std::optional<ByteView> Sub(uint64_t offset, uint64_t length) const {
    std::optional<uint64_t> end = CheckedAdd(offset, length);
    if (!end || *end > size_) return std::nullopt;
    return ByteView(data_ + offset, length);
  }
  // [offset, end of view).
  std::optional<ByteView> From(uint64_t offset) const {
    if (offset > size_) return std::nullopt;
    return ByteView(data_ + offset, size_ - offset);
  }

  // A trivially copyable T read (unaligned) at `offset`.
  template <typename T>
  std::optional<T> Read(uint64_t offset) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::optional<ByteView> bytes = Sub(offset, sizeof(T));
    if (!bytes) return std::nullopt;
    T value;
    std::memcpy(&value, bytes->data_, sizeof(T));
    return value;
  }

  // The NUL-terminated string starting at `offset` (without the NUL); nullopt when there is
  // no NUL before the end of the view.
  std::optional<std::string_view> CString(uint64_t offset) const {
    if (offset >= size_) return std::nullopt;
    const void* nul = std::memchr(data_ + offset, 0, size_ - offset);
    if (nul == nullptr) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(data_ + offset),
                            static_cast<const uint8_t*>(nul) - (data_ + offset));
  }

  std::string_view AsString() const {
    return std::string_view(reinterpret_cast<const char*>(data_), size_);
  }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

// A cursor over a ByteView for sequential formats (.eh_frame, ld.so.cache): every read
// advances it, and the first failed read leaves it failed.
class ByteReader {
 public:
  explicit ByteReader(ByteView view, uint64_t offset = 0) : view_(view), offset_(offset) {}

  bool ok() const { return ok_; }
  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return ok_ && offset_ <= view_.size() ? view_.size() - offset_ : 0; }
  void Seek(uint64_t offset) {
    if (offset > view_.size()) ok_ = false;
    offset_ = offset;
  }
  void Skip(uint64_t length) {
    std::optional<uint64_t> next = CheckedAdd(offset_, length);
    if (!next || *next > view_.size()) {
      ok_ = false;
      return;
    }
    offset_ = *next;
  }

  template <typename T>
  T Read() {
    std::optional<T> value = ok_ ? view_.Read<T>(offset_) : std::nullopt;
    if (!value) {
      ok_ = false;
      return T{};
    }
    offset_ += sizeof(T);
    return *value;
  }

  uint64_t ReadUleb128() {
    uint64_t result = 0;
    for (int shift = 0; ok_; shift += 7) {
      uint8_t byte = Read<uint8_t>();
      if (shift < 64) result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return result;
      if (shift > 70) ok_ = false;  // longer than any 64-bit value
    }
    return 0;
  }

  int64_t ReadSleb128() {
    int64_t result = 0;
    int shift = 0;
    uint8_t byte = 0;
    do {
      byte = Read<uint8_t>();
      if (!ok_) return 0;
      if (shift < 64) result |= static_cast<int64_t>(static_cast<uint64_t>(byte & 0x7f) << shift);
      shift += 7;
      if (shift > 77) {
        ok_ = false;
        return 0;
      }
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) result |= -(static_cast<int64_t>(1) << shift);
    return result;
  }

  std::string_view ReadCString() {
    std::optional<std::string_view> text = ok_ ? view_.CString(offset_) : std::nullopt;
    if (!text) {
      ok_ = false;
      return {};
    }
    offset_ += text->size() + 1;
    return *text;
  }

 private:
  ByteView view_;
  uint64_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace sysfence

#endif  // SYSFENCE_ELF_BYTE_VIEW_H_
