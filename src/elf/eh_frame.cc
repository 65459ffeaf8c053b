// .eh_frame parsing: CIEs give the pointer encoding of their FDEs ('R' augmentation), FDEs
// give pc_begin / pc_range. Only what function boundaries need is decoded; the call frame
// instructions are skipped.
#include "elf/eh_frame.h"

#include <elf.h>

#include <algorithm>
#include <unordered_map>

namespace sysfence {
namespace {

constexpr uint8_t kPeOmit = 0xff;
constexpr uint8_t kPeUleb128 = 0x01, kPeUdata2 = 0x02, kPeUdata4 = 0x03, kPeUdata8 = 0x04;
constexpr uint8_t kPeSleb128 = 0x09, kPeSdata2 = 0x0a, kPeSdata4 = 0x0b, kPeSdata8 = 0x0c;
constexpr uint8_t kPePcrel = 0x10, kPeDatarel = 0x30;

// Reads a pointer in DWARF EH encoding `encoding`; `field_address` is the virtual address of
// the field (for pc-relative values). `apply_relative` is false for pc_range, which is a
// plain length in the same format.
std::optional<uint64_t> ReadEncoded(ByteReader& reader, uint8_t encoding, uint64_t field_address,
                                    uint64_t data_base, bool apply_relative) {
  if (encoding == kPeOmit) return 0;
  uint64_t value = 0;
  switch (encoding & 0x0f) {
    case 0x00:
      value = reader.Read<uint64_t>();
      break;  // absptr
    case kPeUleb128:
      value = reader.ReadUleb128();
      break;
    case kPeUdata2:
      value = reader.Read<uint16_t>();
      break;
    case kPeUdata4:
      value = reader.Read<uint32_t>();
      break;
    case kPeUdata8:
      value = reader.Read<uint64_t>();
      break;
    case kPeSleb128:
      value = static_cast<uint64_t>(reader.ReadSleb128());
      break;
    case kPeSdata2:
      value = static_cast<uint64_t>(static_cast<int64_t>(reader.Read<int16_t>()));
      break;
    case kPeSdata4:
      value = static_cast<uint64_t>(static_cast<int64_t>(reader.Read<int32_t>()));
      break;
    case kPeSdata8:
      value = reader.Read<uint64_t>();
      break;
    default:
      return std::nullopt;
  }
  if (!reader.ok()) return std::nullopt;
  if (!apply_relative) return value;
  switch (encoding & 0x70) {
    case 0x00:
      break;
    case kPePcrel:
      value += field_address;
      break;
    case kPeDatarel:
      value += data_base;
      break;
    default:
      return std::nullopt;  // textrel / funcrel / aligned: not used on x86-64
  }
  return value;
}

struct Cie {
  uint8_t fde_encoding = 0;  // absptr unless the CIE says otherwise
  bool has_augmentation_data = false;
};

}  // namespace

Result<std::vector<FdeRange>> ReadEhFrameRanges(const ElfFile& elf) {
  Result<EhFrame> frame = ReadEhFrame(elf);
  if (!frame.ok()) return frame.error();
  return std::move(frame->ranges);
}

Result<EhFrame> ReadEhFrame(const ElfFile& elf) {
  uint64_t frame_address = 0;
  ByteView frame;
  if (const ElfSection* section = elf.FindSection(".eh_frame");
      section != nullptr && section->HasFileBytes()) {
    frame_address = section->address;
    std::optional<ByteView> bytes = elf.bytes().Sub(section->offset, section->size);
    if (!bytes) return MakeError("{}: .eh_frame lies past the end of the file", elf.path());
    frame = *bytes;
  } else {
    for (const ElfSegment& segment : elf.segments()) {
      if (segment.type != PT_GNU_EH_FRAME) continue;
      // .eh_frame_hdr: version, eh_frame_ptr encoding, ..., then eh_frame_ptr.
      std::optional<ByteView> header_bytes = elf.bytes().Sub(segment.offset, segment.file_size);
      if (!header_bytes) return MakeError("{}: corrupt .eh_frame_hdr", elf.path());
      ByteReader header(*header_bytes);
      header.Read<uint8_t>();
      uint8_t encoding = header.Read<uint8_t>();
      header.Skip(2);
      std::optional<uint64_t> pointer =
          ReadEncoded(header, encoding, segment.vaddr + 4, segment.vaddr, true);
      if (!pointer) return MakeError("{}: corrupt .eh_frame_hdr", elf.path());
      frame_address = *pointer;
      // The size is unknown: read to the end of the segment holding it, until a terminator.
      for (const ElfSegment& load : elf.segments()) {
        if (load.type == PT_LOAD && frame_address >= load.vaddr &&
            frame_address - load.vaddr < load.file_size) {
          // Not backed by the file (past its end): nothing to read.
          std::optional<ByteView> bytes =
              elf.ReadVirtual(frame_address, load.file_size - (frame_address - load.vaddr));
          if (bytes) frame = *bytes;
        }
      }
    }
  }
  EhFrame result;
  std::vector<FdeRange>& ranges = result.ranges;
  if (frame.empty()) return result;

  std::unordered_map<uint64_t, Cie> cies;
  auto bad = [&](uint64_t offset, std::string_view what) {
    return MakeError("{}: corrupt .eh_frame at offset {:#x}: {}", elf.path(), offset, what);
  };
  auto parse_cie = [&](uint64_t start, uint64_t body, uint64_t end) -> Result<Cie> {
    ByteReader reader(*frame.Sub(0, end), body);
    Cie cie;
    uint8_t version = reader.Read<uint8_t>();
    std::string_view augmentation = reader.ReadCString();
    if (augmentation.find("eh") != std::string_view::npos) reader.Skip(8);
    reader.ReadUleb128();  // code alignment
    reader.ReadSleb128();  // data alignment
    if (version == 1) {
      reader.Read<uint8_t>();
    } else {
      reader.ReadUleb128();  // return address register
    }
    if (!augmentation.empty() && augmentation[0] == 'z') {
      cie.has_augmentation_data = true;
      reader.ReadUleb128();  // augmentation data length
      for (char c : augmentation.substr(1)) {
        if (c == 'R') {
          cie.fde_encoding = reader.Read<uint8_t>();
        } else if (c == 'L') {
          reader.Read<uint8_t>();
        } else if (c == 'P') {
          uint8_t encoding = reader.Read<uint8_t>();
          std::optional<uint64_t> pointer =
              ReadEncoded(reader, encoding & 0x7f, frame_address + reader.offset(), 0, true);
          if (!pointer) return bad(start, "bad personality pointer");
          if (*pointer != 0) result.personalities.push_back({*pointer, (encoding & 0x80) != 0});
        } else if (c != 'S' && c != 'B' && c != 'G') {
          break;  // unknown augmentation: the rest of the data cannot be interpreted
        }
      }
    }
    if (!reader.ok()) return bad(start, "CIE cut short");
    return cie;
  };

  ByteReader reader(frame);
  while (reader.remaining() >= 4) {
    uint64_t start = reader.offset();
    uint64_t length = reader.Read<uint32_t>();
    if (length == 0) break;  // terminator
    if (length == 0xffffffff) length = reader.Read<uint64_t>();
    uint64_t body = reader.offset();
    std::optional<uint64_t> end = CheckedAdd(body, length);
    if (!reader.ok() || !end || *end > frame.size()) return bad(start, "length past the end");
    uint32_t id = reader.Read<uint32_t>();
    if (id == 0) {
      Result<Cie> cie = parse_cie(start, reader.offset(), *end);
      if (!cie.ok()) return cie.error();
      cies[start] = *cie;
    } else {
      uint64_t cie_offset = body - id;
      if (id > body) return bad(start, "CIE pointer before the section");
      auto it = cies.find(cie_offset);
      if (it == cies.end()) {
        // A CIE may in principle follow its FDE; parse it where it is.
        ByteReader cie_reader(frame, cie_offset);
        uint64_t cie_length = cie_reader.Read<uint32_t>();
        if (cie_length == 0xffffffff) cie_length = cie_reader.Read<uint64_t>();
        uint64_t cie_body = cie_reader.offset();
        std::optional<uint64_t> cie_end = CheckedAdd(cie_body, cie_length);
        if (!cie_reader.ok() || !cie_end || *cie_end > frame.size() ||
            cie_reader.Read<uint32_t>() != 0) {
          return bad(start, "FDE points to no CIE");
        }
        Result<Cie> cie = parse_cie(cie_offset, cie_reader.offset(), *cie_end);
        if (!cie.ok()) return cie.error();
        it = cies.emplace(cie_offset, *cie).first;
      }
      ByteReader fde(*frame.Sub(0, *end), reader.offset());
      uint64_t field = frame_address + fde.offset();
      std::optional<uint64_t> begin = ReadEncoded(fde, it->second.fde_encoding, field, 0, true);
      std::optional<uint64_t> range = ReadEncoded(fde, it->second.fde_encoding & 0x0f, 0, 0, false);
      if (!begin || !range) return bad(start, "FDE cut short");
      std::optional<uint64_t> fde_end = CheckedAdd(*begin, *range);
      if (*range != 0 && *begin != 0 && fde_end) ranges.push_back({*begin, *fde_end});
    }
    reader.Seek(*end);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const FdeRange& a, const FdeRange& b) { return a.begin < b.begin; });
  std::sort(result.personalities.begin(), result.personalities.end(),
            [](const Personality& a, const Personality& b) { return a.address < b.address; });
  result.personalities.erase(std::unique(result.personalities.begin(), result.personalities.end(),
                                         [](const Personality& a, const Personality& b) {
                                           return a.address == b.address;
                                         }),
                             result.personalities.end());
  return result;
}

}  // namespace sysfence
