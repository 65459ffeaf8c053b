// Go function table parsing (see go_pclntab.h). The layouts differ in the header and in the
// width of the function table's entries; the per-function record (_func) starts with the
// entry, the name offset and the argument size in every one of them:
//
//   1.2-1.15  header: magic, pad, quantum, ptrsize, nfunc; functab right after it
//             functab: nfunc x {entry uintptr, funcoff uintptr}, then the end pc
//             _func: entry uintptr, nameoff int32 (from the table start), args int32
//   1.16-1.17 header: ... nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset,
//             pctabOffset, pclnOffset (all uintptr); functab at pclnOffset, same entries
//             _func: entry uintptr, nameoff int32 (into funcnametab), args int32
//   1.18+     header: ... nfunc, nfiles, textStart, funcnameOffset, ..., pclnOffset
//             functab: nfunc x {entryoff uint32, funcoff uint32}, then the end offset
//             _func: entryoff uint32 (from textStart), nameoff int32, args int32
// funcoff is relative to the functab's base (the table start for 1.2, pclnOffset later).
#include "elf/go_pclntab.h"

namespace sysfence {
namespace {

constexpr uint64_t kPointerSize = 8;
constexpr uint64_t kMaxFunctions = 1u << 24;  // far more than any real program has

struct Layout {
  uint64_t functab = 0;     // offset of the function table in `table`
  uint64_t func_base = 0;   // funcoff is relative to this
  uint64_t names = 0;       // names are at names + nameoff
  uint64_t entry_size = 0;  // bytes per functab entry field (8 or 4)
  uint64_t text_start = 0;  // added to entries (1.18+)
  uint64_t nfunc = 0;
};

}  // namespace

bool LooksLikeGoPclntab(ByteView bytes) {
  std::optional<uint32_t> magic = bytes.Read<uint32_t>(0);
  if (!magic || (*magic != kGoPclntabMagic12 && *magic != kGoPclntabMagic116 &&
                 *magic != kGoPclntabMagic118 && *magic != kGoPclntabMagic120)) {
    return false;
  }
  std::optional<ByteView> rest = bytes.Sub(4, 4);
  return rest && rest->data()[0] == 0 && rest->data()[1] == 0 && rest->data()[2] == 1 &&
         rest->data()[3] == kPointerSize;
}

Result<GoPclntab> ParseGoPclntab(ByteView table, std::string_view origin) {
  auto corrupt = [&](std::string_view what) {
    return MakeError("{}: corrupt Go function table (.gopclntab): {}", origin, what);
  };
  if (table.size() < 8) return corrupt("shorter than its header");
  if (!LooksLikeGoPclntab(table)) {
    return corrupt("unknown magic or not an x86-64 table (pointer size 8, quantum 1)");
  }
  GoPclntab result;
  result.magic = *table.Read<uint32_t>(0);
  auto word = [&](uint64_t offset) { return table.Read<uint64_t>(offset); };

  Layout layout;
  if (result.magic == kGoPclntabMagic12) {
    std::optional<uint64_t> nfunc = word(8);
    if (!nfunc) return corrupt("header cut short");
    layout = {8 + kPointerSize, 0, 0, kPointerSize, 0, *nfunc};
  } else {
    bool has_text_start = result.magic == kGoPclntabMagic118 || result.magic == kGoPclntabMagic120;
    uint64_t field = has_text_start ? 32 : 24;  // funcnameOffset
    std::optional<uint64_t> nfunc = word(8), names = word(field), pcln = word(field + 32);
    std::optional<uint64_t> text_start = has_text_start ? word(24) : std::optional<uint64_t>(0);
    if (!nfunc || !names || !pcln || !text_start) return corrupt("header cut short");
    layout = {*pcln, *pcln, *names, has_text_start ? 4u : kPointerSize, *text_start, *nfunc};
  }
  if (layout.nfunc == 0 || layout.nfunc > kMaxFunctions) {
    return corrupt(fmt::format("implausible function count {}", layout.nfunc));
  }
  // nfunc pairs and the end entry.
  std::optional<uint64_t> functab_size = CheckedMul(2 * layout.nfunc + 1, layout.entry_size);
  std::optional<ByteView> functab =
      functab_size ? table.Sub(layout.functab, *functab_size) : std::nullopt;
  if (!functab) return corrupt("function table runs past the end");
  auto field = [&](uint64_t index) -> uint64_t {
    return layout.entry_size == 4 ? *functab->Read<uint32_t>(index * 4)
                                  : *functab->Read<uint64_t>(index * 8);
  };
  auto entry_address = [&](uint64_t raw) -> std::optional<uint64_t> {
    return CheckedAdd(raw, layout.text_start);
  };

  result.text_start = layout.text_start;
  result.functions.reserve(layout.nfunc);
  std::optional<uint64_t> end_pc = entry_address(field(2 * layout.nfunc));
  if (!end_pc) return corrupt("end of the text overflows");
  for (uint64_t i = 0; i < layout.nfunc; ++i) {
    std::optional<uint64_t> entry = entry_address(field(2 * i));
    std::optional<uint64_t> next = i + 1 < layout.nfunc ? entry_address(field(2 * i + 2)) : end_pc;
    if (!entry || !next || *next < *entry) {
      return corrupt(fmt::format("function {} is not in address order", i));
    }
    std::optional<uint64_t> record = CheckedAdd(layout.func_base, field(2 * i + 1));
    // _func: entry (uintptr, or uint32 from 1.18), nameoff int32, args int32.
    std::optional<ByteView> func =
        record ? table.Sub(*record, layout.entry_size + 8) : std::nullopt;
    if (!func) return corrupt(fmt::format("record of function {} runs past the end", i));
    uint64_t own_entry =
        layout.entry_size == 4 ? *func->Read<uint32_t>(0) : *func->Read<uint64_t>(0);
    if (entry_address(own_entry) != entry) {
      return corrupt(fmt::format("record of function {} names another entry", i));
    }
    int32_t name_offset = *func->Read<int32_t>(layout.entry_size);
    std::optional<uint64_t> name_at =
        name_offset < 0 ? std::nullopt
                        : CheckedAdd(layout.names, static_cast<uint64_t>(name_offset));
    std::optional<std::string_view> name = name_at ? table.CString(*name_at) : std::nullopt;
    if (!name) return corrupt(fmt::format("name of function {} lies outside the table", i));
    if (*next == *entry) continue;  // nothing of its own (an alias of the next one)
    GoFunction f;
    f.entry = *entry;
    f.end = *next;
    f.name = *name;
    f.args = *func->Read<int32_t>(layout.entry_size + 4);
    result.functions.push_back(f);
  }
  return result;
}

}  // namespace sysfence
