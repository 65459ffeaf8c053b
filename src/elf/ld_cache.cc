// LdCache parsing. Layout of the new format (glibc's elf/cache.h): a 48-byte header (magic,
// version, nlibs, len_strings, flags, extension offset), then nlibs 24-byte entries whose
// key/value are string offsets from the start of the file.
#include "elf/ld_cache.h"

#include <cstring>

#include "base/file_util.h"

namespace sysfence {
namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr uint64_t kOldEntrySize = 12;  // flags, key, value
constexpr uint64_t kNewHeaderSize = 48;
constexpr uint64_t kNewEntrySize = 24;       // flags, key, value, osversion, hwcap
constexpr int32_t kFlagX8664Libc6 = 0x0303;  // FLAG_ELF_LIBC6 | FLAG_X8664_LIB64

}  // namespace

Result<LdCache> LdCache::Load(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return Parse(ByteView(reinterpret_cast<const uint8_t*>(text->data()), text->size()), path);
}

Result<LdCache> LdCache::Parse(ByteView bytes, std::string_view source) {
  uint64_t start = 0;
  if (bytes.Sub(0, kOldMagic.size()) && bytes.Sub(0, kOldMagic.size())->AsString() == kOldMagic) {
    // Old table first: skip it; the new table follows, 8-byte aligned.
    std::optional<uint32_t> old_count = bytes.Read<uint32_t>(kOldMagic.size() + 1);
    if (!old_count) return MakeError("{}: truncated ld.so.cache", source);
    uint64_t header = (kOldMagic.size() + 1 + 4 + 7) & ~uint64_t{7};
    start = (header + uint64_t{*old_count} * kOldEntrySize + 7) & ~uint64_t{7};
  }
  std::optional<ByteView> magic = bytes.Sub(start, kNewMagic.size());
  if (!magic || magic->AsString() != kNewMagic) {
    return MakeError("{}: not a glibc ld.so.cache (format 1.1)", source);
  }
  std::optional<uint32_t> count = bytes.Read<uint32_t>(start + kNewMagic.size());
  if (!count) return MakeError("{}: truncated ld.so.cache", source);
  LdCache cache;
  std::map<std::string, std::string, std::less<>> hwcaps_entries;
  for (uint64_t i = 0; i < *count; ++i) {
    uint64_t at = start + kNewHeaderSize + i * kNewEntrySize;
    std::optional<ByteView> entry = bytes.Sub(at, kNewEntrySize);
    if (!entry) return MakeError("{}: ld.so.cache entry {} past the end", source, i);
    int32_t flags = *entry->Read<int32_t>(0);
    uint32_t key = *entry->Read<uint32_t>(4);
    uint32_t value = *entry->Read<uint32_t>(8);
    uint64_t hwcap = *entry->Read<uint64_t>(16);
    if (flags != kFlagX8664Libc6) continue;
    // Offsets count from the start of the new table's header.
    std::optional<std::string_view> name = bytes.CString(start + key);
    std::optional<std::string_view> path = bytes.CString(start + value);
    if (!name || !path) return MakeError("{}: ld.so.cache string {} out of range", source, i);
    auto& target = hwcap == 0 ? cache.entries_ : hwcaps_entries;
    target.emplace(std::string(*name), std::string(*path));  // the first entry wins
  }
  for (auto& [name, path] : hwcaps_entries) cache.entries_.emplace(name, path);
  return cache;
}

std::optional<std::string> LdCache::Find(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sysfence
