// Go binary detection and the location of its function table (see go_binary.h). The Go
// linker names the table's section .gopclntab (.data.rel.ro.gopclntab in position-independent
// programs) and the build information's .go.buildinfo; in a file without section headers
// both are found by their headers, as Go's own debug/buildinfo does.
#include "elf/go_binary.h"

#include <elf.h>

#include <cstring>

namespace sysfence {
namespace {

constexpr std::string_view kBuildInfoMagic("\xff Go buildinf:", 14);
constexpr uint32_t kGoBuildIdNote = 4;          // NT_GO_BUILD_ID, owner "Go"
constexpr uint8_t kBuildInfoInlineStrings = 2;  // flags bit: Go 1.18+ layout

// A uvarint-prefixed string at the start of `reader`.
std::string_view ReadVarintString(ByteReader& reader, ByteView bytes) {
  uint64_t length = reader.ReadUleb128();  // same encoding as Go's uvarint
  std::optional<ByteView> text = reader.ok() ? bytes.Sub(reader.offset(), length) : std::nullopt;
  return text ? text->AsString() : std::string_view();
}

// The first offset in `bytes`, at a multiple of `alignment`, where `accept` holds.
template <typename Accept>
std::optional<uint64_t> Scan(ByteView bytes, uint64_t alignment, Accept&& accept) {
  for (uint64_t at = 0; at + 16 <= bytes.size(); at += alignment) {
    if (accept(*bytes.From(at))) return at;
  }
  return std::nullopt;
}

// The file bytes of the loaded segments with the given permission (PF_W set or clear).
std::vector<ByteView> LoadedBytes(const ElfFile& elf, bool writable) {
  std::vector<ByteView> views;
  for (const ElfSegment& s : elf.segments()) {
    if (s.type != PT_LOAD || (s.flags & PF_X) || ((s.flags & PF_W) != 0) != writable) continue;
    if (std::optional<ByteView> bytes = elf.bytes().Sub(s.offset, s.file_size)) {
      views.push_back(*bytes);
    }
  }
  return views;
}

std::optional<ByteView> SectionBytes(const ElfFile& elf, std::string_view name) {
  const ElfSection* section = elf.FindSection(name);
  if (section == nullptr || !section->HasFileBytes()) return std::nullopt;
  return elf.bytes().Sub(section->offset, section->size);
}

}  // namespace

std::string ParseGoBuildInfoVersion(ByteView info, const ElfFile& elf) {
  std::optional<ByteView> header = info.Sub(0, 32);
  if (!header || header->AsString().substr(0, kBuildInfoMagic.size()) != kBuildInfoMagic) {
    return "";
  }
  uint8_t pointer_size = header->data()[14];
  uint8_t flags = header->data()[15];
  if (flags & kBuildInfoInlineStrings) {
    ByteReader reader(info, 32);
    return std::string(ReadVarintString(reader, info));
  }
  // Older layout: a pointer to a Go string header {data, length} at offset 16.
  if (pointer_size != 8 || (flags & 1) != 0) return "";  // only little-endian 64-bit
  std::optional<uint64_t> string_header = info.Read<uint64_t>(16);
  std::optional<ByteView> fields =
      string_header ? elf.ReadVirtual(*string_header, 16) : std::nullopt;
  if (!fields) return "";
  uint64_t data = *fields->Read<uint64_t>(0), length = *fields->Read<uint64_t>(8);
  if (length > 256) return "";
  std::optional<ByteView> text = elf.ReadVirtual(data, length);
  return text ? std::string(text->AsString()) : "";
}

Result<std::optional<GoBinary>> ReadGoBinary(const ElfFile& elf) {
  std::optional<ByteView> build_info = SectionBytes(elf, ".go.buildinfo");
  std::optional<ByteView> table = SectionBytes(elf, ".gopclntab");
  if (!table) table = SectionBytes(elf, ".data.rel.ro.gopclntab");
  bool note = elf.FindNote(std::string_view("Go\0\0", 4), kGoBuildIdNote).has_value();
  if (!build_info && !table && !note) return std::optional<GoBinary>();

  // Without section headers (or with only some of them): search the data.
  if (!build_info) {
    for (ByteView data : LoadedBytes(elf, /*writable=*/true)) {
      std::optional<uint64_t> at = Scan(data, 16, [](ByteView b) {
        return b.AsString().substr(0, kBuildInfoMagic.size()) == kBuildInfoMagic;
      });
      if (at) {
        build_info = data.From(*at);
        break;
      }
    }
  }
  GoBinary go;
  if (build_info) go.version = ParseGoBuildInfoVersion(*build_info, elf);
  if (!table) {
    // The table sits in read-only data (relro data in position-independent programs), at
    // an aligned address: the first header that parses as a whole table is it.
    for (bool writable : {false, true}) {
      for (ByteView data : LoadedBytes(elf, writable)) {
        std::optional<uint64_t> at = Scan(data, 8, [&](ByteView b) {
          return LooksLikeGoPclntab(b) && ParseGoPclntab(b, elf.path()).ok();
        });
        if (at) {
          table = data.From(*at);
          break;
        }
      }
      if (table) break;
    }
  }
  if (table) {
    Result<GoPclntab> parsed = ParseGoPclntab(*table, elf.path());
    if (!parsed.ok()) return parsed.error();
    go.table = std::move(*parsed);
  }
  return std::optional<GoBinary>(std::move(go));
}

}  // namespace sysfence
