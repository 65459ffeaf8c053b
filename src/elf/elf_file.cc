// ElfFile: the parse steps, in the order Open() runs them (see elf_file.h). Each step reads
// only through ByteView, and turns anything out of bounds into an Error naming the file.
#include "elf/elf_file.h"

#include <elf.h>

#include <algorithm>
#include <map>

namespace sysfence {

namespace {

constexpr uint64_t kMaxTableEntries = 1u << 26;  // sanity cap against absurd counts

std::string HexString(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint64_t i = 0; i < bytes.size(); ++i) {
    text.push_back(kDigits[bytes.data()[i] >> 4]);
    text.push_back(kDigits[bytes.data()[i] & 15]);
  }
  return text;
}

}  // namespace

bool ElfSection::IsAllocated() const { return (flags & SHF_ALLOC) != 0; }
bool ElfSection::IsExecutable() const { return (flags & SHF_EXECINSTR) != 0; }
bool ElfSection::IsWritable() const { return (flags & SHF_WRITE) != 0; }
bool ElfSection::HasFileBytes() const { return type != SHT_NOBITS; }

bool ElfSymbol::IsFunction() const { return type == STT_FUNC || type == STT_GNU_IFUNC; }
bool ElfSymbol::IsIfunc() const { return type == STT_GNU_IFUNC; }
bool ElfSymbol::IsObject() const {
  return type == STT_OBJECT || type == STT_TLS || type == STT_COMMON;
}

ElfFile::~ElfFile() = default;

Result<std::unique_ptr<ElfFile>> ElfFile::Open(const std::string& path) {
  Result<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) return file.error();
  return Parse(std::move(*file));
}

Result<std::unique_ptr<ElfFile>> ElfFile::Parse(MappedFile file) {
  std::unique_ptr<ElfFile> elf(new ElfFile(std::move(file)));
  for (Status (ElfFile::*step)() :
       {&ElfFile::ParseHeader, &ElfFile::ParseSegments, &ElfFile::ParseSections,
        &ElfFile::ParseDynamic, &ElfFile::ParseDynamicSymbols, &ElfFile::ParseStaticSymbols,
        &ElfFile::ParseRelocations, &ElfFile::ParseNotes}) {
    Status status = (elf.get()->*step)();
    if (!status.ok()) return status.error();
  }
  return elf;
}

std::optional<uint64_t> ElfFile::Tag(int64_t name) const {
  auto it = tags_.find(name);
  if (it == tags_.end()) return std::nullopt;
  return it->second;
}

Error ElfFile::Corrupt(std::string_view what) const {
  return MakeError("{}: truncated or corrupt ELF file: {}", path(), what);
}

Status ElfFile::ParseHeader() {
  ByteView bytes = file_.bytes();
  std::optional<ByteView> ident = bytes.Sub(0, EI_NIDENT);
  if (!ident || std::memcmp(ident->data(), ELFMAG, SELFMAG) != 0) {
    return MakeError("{}: not an ELF file", path());
  }
  if (ident->data()[EI_CLASS] != ELFCLASS64) {
    return MakeError("{}: not a 64-bit ELF file (only x86-64 is supported)", path());
  }
  if (ident->data()[EI_DATA] != ELFDATA2LSB) {
    return MakeError("{}: not a little-endian ELF file (only x86-64 is supported)", path());
  }
  std::optional<Elf64_Ehdr> header = bytes.Read<Elf64_Ehdr>(0);
  if (!header) return Corrupt("ELF header cut short");
  if (header->e_machine != EM_X86_64) {
    return MakeError("{}: not an x86-64 ELF file (machine {})", path(), header->e_machine);
  }
  if (header->e_type != ET_EXEC && header->e_type != ET_DYN) {
    return MakeError("{}: not an executable or shared object (ELF type {})", path(),
                     header->e_type);
  }
  type_ = header->e_type;
  entry_ = header->e_entry;
  if (header->e_phoff != 0 && header->e_phnum != 0 && header->e_phentsize != sizeof(Elf64_Phdr)) {
    return Corrupt("unexpected program header size");
  }
  if (header->e_shoff != 0 && header->e_shnum != 0 && header->e_shentsize != sizeof(Elf64_Shdr)) {
    return Corrupt("unexpected section header size");
  }
  program_header_offset_ = header->e_phoff;
  program_header_count_ = header->e_phnum;
  section_header_offset_ = header->e_shoff;
  section_count_ = header->e_shnum;
  section_names_index_ = header->e_shstrndx;
  return Ok{};
}

Status ElfFile::ParseSegments() {
  if (program_header_offset_ == 0 || program_header_count_ == 0) {
    return Corrupt("no program headers");
  }
  std::optional<ByteView> table = file_.bytes().Sub(
      program_header_offset_, uint64_t{program_header_count_} * sizeof(Elf64_Phdr));
  if (!table) return Corrupt("program header table past the end of the file");
  for (uint16_t i = 0; i < program_header_count_; ++i) {
    Elf64_Phdr phdr = *table->Read<Elf64_Phdr>(uint64_t{i} * sizeof(Elf64_Phdr));
    ElfSegment segment{phdr.p_type,  phdr.p_flags,  phdr.p_offset,
                       phdr.p_vaddr, phdr.p_filesz, phdr.p_memsz};
    if (segment.type == PT_LOAD || segment.type == PT_DYNAMIC || segment.type == PT_INTERP ||
        segment.type == PT_NOTE || segment.type == PT_GNU_EH_FRAME) {
      if (!file_.bytes().Sub(segment.offset, segment.file_size)) {
        return Corrupt(fmt::format("program header {} past the end of the file", i));
      }
      if (!CheckedAdd(segment.vaddr, segment.memory_size) ||
          segment.file_size > segment.memory_size) {
        return Corrupt(fmt::format("program header {} has an impossible size", i));
      }
    }
    // (A separate debug file keeps PT_INTERP with no bytes behind it.)
    if (segment.type == PT_INTERP && segment.file_size != 0) {
      std::optional<std::string_view> name =
          file_.bytes().Sub(segment.offset, segment.file_size)->CString(0);
      if (!name) return Corrupt("PT_INTERP is not a terminated string");
      interpreter_ = *name;
    }
    segments_.push_back(segment);
  }
  return Ok{};
}

Status ElfFile::ParseSections() {
  if (section_header_offset_ == 0 || section_count_ == 0) return Ok{};  // sections are optional
  std::optional<ByteView> table =
      file_.bytes().Sub(section_header_offset_, uint64_t{section_count_} * sizeof(Elf64_Shdr));
  if (!table) return Corrupt("section header table past the end of the file");
  std::vector<Elf64_Shdr> headers(section_count_);
  for (uint16_t i = 0; i < section_count_; ++i) {
    headers[i] = *table->Read<Elf64_Shdr>(uint64_t{i} * sizeof(Elf64_Shdr));
  }
  ByteView names;
  if (section_names_index_ != SHN_UNDEF && section_names_index_ < section_count_) {
    const Elf64_Shdr& strtab = headers[section_names_index_];
    std::optional<ByteView> view = file_.bytes().Sub(strtab.sh_offset, strtab.sh_size);
    if (!view) return Corrupt("section name table past the end of the file");
    names = *view;
  }
  sections_.reserve(section_count_);
  for (uint16_t i = 0; i < section_count_; ++i) {
    const Elf64_Shdr& h = headers[i];
    ElfSection section;
    section.name = names.CString(h.sh_name).value_or("");
    section.type = h.sh_type;
    section.flags = h.sh_flags;
    section.address = h.sh_addr;
    section.offset = h.sh_offset;
    section.size = h.sh_size;
    section.entry_size = h.sh_entsize;
    section.link = h.sh_link;
    section.info = h.sh_info;
    if (section.type != SHT_NOBITS && section.type != SHT_NULL &&
        !file_.bytes().Sub(section.offset, section.size)) {
      return Corrupt(fmt::format("section {} past the end of the file", section.name));
    }
    if (section.IsAllocated() && !CheckedAdd(section.address, section.size)) {
      return Corrupt(fmt::format("section {} has an impossible address", section.name));
    }
    sections_.push_back(section);
  }
  return Ok{};
}

std::optional<ByteView> ElfFile::ReadVirtual(uint64_t vaddr, uint64_t size) const {
  for (const ElfSegment& segment : segments_) {
    if (segment.type != PT_LOAD) continue;
    if (vaddr < segment.vaddr || vaddr - segment.vaddr >= segment.file_size) continue;
    uint64_t offset_in_segment = vaddr - segment.vaddr;
    if (size > segment.file_size - offset_in_segment) return std::nullopt;
    return file_.bytes().Sub(segment.offset + offset_in_segment, size);
  }
  return std::nullopt;
}

std::optional<std::string_view> ElfFile::ReadVirtualString(uint64_t vaddr) const {
  std::optional<ByteView> rest = ReadVirtualUpTo(vaddr, UINT64_MAX);
  return rest ? rest->CString(0) : std::nullopt;
}

std::optional<ByteView> ElfFile::ReadVirtualUpTo(uint64_t vaddr, uint64_t size) const {
  for (const ElfSegment& segment : segments_) {
    if (segment.type != PT_LOAD) continue;
    if (vaddr < segment.vaddr || vaddr - segment.vaddr >= segment.file_size) continue;
    uint64_t offset_in_segment = vaddr - segment.vaddr;
    return file_.bytes().Sub(segment.offset + offset_in_segment,
                             std::min(size, segment.file_size - offset_in_segment));
  }
  return std::nullopt;
}

Result<ByteView> ElfFile::DynamicTable(uint64_t vaddr, uint64_t size, std::string_view tag) const {
  std::optional<ByteView> view = ReadVirtual(vaddr, size);
  if (!view) return Corrupt(fmt::format("{} points outside the file", tag));
  return *view;
}

Status ElfFile::ParseDynamic() {
  const ElfSegment* dynamic_segment = nullptr;
  for (const ElfSegment& segment : segments_) {
    if (segment.type == PT_DYNAMIC) dynamic_segment = &segment;
  }
  if (dynamic_segment == nullptr) return Ok{};
  dynamic_.present = true;
  ByteView table = *file_.bytes().Sub(dynamic_segment->offset, dynamic_segment->file_size);
  for (uint64_t offset = 0; offset + sizeof(Elf64_Dyn) <= table.size();
       offset += sizeof(Elf64_Dyn)) {
    Elf64_Dyn entry = *table.Read<Elf64_Dyn>(offset);
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_NEEDED) {
      needed_offsets_.push_back(entry.d_un.d_val);
    } else {
      tags_[entry.d_tag] = entry.d_un.d_val;
    }
  }
  if (Tag(DT_STRTAB)) {
    Result<ByteView> strings =
        DynamicTable(*Tag(DT_STRTAB), Tag(DT_STRSZ).value_or(0), "DT_STRTAB");
    if (!strings.ok()) return strings.error();
    dynamic_strings_ = *strings;
  }
  auto string_at = [&](uint64_t offset, std::string_view what) -> Result<std::string_view> {
    std::optional<std::string_view> text = dynamic_strings_.CString(offset);
    if (!text) return Corrupt(fmt::format("{} string outside the string table", what));
    return *text;
  };
  for (uint64_t offset : needed_offsets_) {
    Result<std::string_view> name = string_at(offset, "DT_NEEDED");
    if (!name.ok()) return name.error();
    dynamic_.needed.push_back(*name);
  }
  const std::pair<int64_t, std::string_view*> strings[] = {
      {DT_SONAME, &dynamic_.soname}, {DT_RPATH, &dynamic_.rpath}, {DT_RUNPATH, &dynamic_.runpath}};
  for (const auto& [name, target] : strings) {
    if (!Tag(name)) continue;
    Result<std::string_view> text = string_at(*Tag(name), "DT_SONAME/DT_RPATH/DT_RUNPATH");
    if (!text.ok()) return text.error();
    *target = *text;
  }
  dynamic_.init = Tag(DT_INIT);
  dynamic_.fini = Tag(DT_FINI);
  dynamic_.init_array = Tag(DT_INIT_ARRAY).value_or(0);
  dynamic_.init_array_size = Tag(DT_INIT_ARRAYSZ).value_or(0);
  dynamic_.fini_array = Tag(DT_FINI_ARRAY).value_or(0);
  dynamic_.fini_array_size = Tag(DT_FINI_ARRAYSZ).value_or(0);
  dynamic_.preinit_array = Tag(DT_PREINIT_ARRAY).value_or(0);
  dynamic_.preinit_array_size = Tag(DT_PREINIT_ARRAYSZ).value_or(0);
  dynamic_.flags = Tag(DT_FLAGS).value_or(0);
  dynamic_.flags_1 = Tag(DT_FLAGS_1).value_or(0);
  return Ok{};
}

Status ElfFile::ParseVersions(std::vector<std::string_view>& defined_names,
                              std::vector<std::string_view>& needed_names) const {
  auto set_name = [](std::vector<std::string_view>& names, uint64_t index, std::string_view name) {
    if (index >= 0x7fff) return;
    if (names.size() <= index) names.resize(index + 1);
    names[index] = name;
  };
  if (Tag(DT_VERDEF)) {
    uint64_t count = Tag(DT_VERDEFNUM).value_or(0);
    // The table has no size tag: read entry by entry through checked offsets from its start.
    uint64_t address = *Tag(DT_VERDEF);
    for (uint64_t i = 0; i < count && i < 0x7fff; ++i) {
      std::optional<ByteView> entry = ReadVirtual(address, sizeof(Elf64_Verdef));
      if (!entry) return Corrupt(".gnu.version_d entry outside the file");
      Elf64_Verdef def = *entry->Read<Elf64_Verdef>(0);
      std::optional<uint64_t> aux_address = CheckedAdd(address, def.vd_aux);
      std::optional<ByteView> aux =
          aux_address ? ReadVirtual(*aux_address, sizeof(Elf64_Verdaux)) : std::nullopt;
      if (!aux) return Corrupt(".gnu.version_d aux entry outside the file");
      std::optional<std::string_view> name =
          dynamic_strings_.CString(aux->Read<Elf64_Verdaux>(0)->vda_name);
      if (!name) return Corrupt(".gnu.version_d name outside the string table");
      set_name(defined_names, def.vd_ndx, *name);
      if (def.vd_next == 0) break;
      std::optional<uint64_t> next = CheckedAdd(address, def.vd_next);
      if (!next) return Corrupt(".gnu.version_d chain overflows");
      address = *next;
    }
  }
  if (Tag(DT_VERNEED)) {
    uint64_t count = Tag(DT_VERNEEDNUM).value_or(0);
    uint64_t address = *Tag(DT_VERNEED);
    for (uint64_t i = 0; i < count && i < 0x7fff; ++i) {
      std::optional<ByteView> entry = ReadVirtual(address, sizeof(Elf64_Verneed));
      if (!entry) return Corrupt(".gnu.version_r entry outside the file");
      Elf64_Verneed need = *entry->Read<Elf64_Verneed>(0);
      std::optional<uint64_t> aux_address = CheckedAdd(address, need.vn_aux);
      for (uint16_t j = 0; j < need.vn_cnt && aux_address; ++j) {
        std::optional<ByteView> aux_view = ReadVirtual(*aux_address, sizeof(Elf64_Vernaux));
        if (!aux_view) return Corrupt(".gnu.version_r aux entry outside the file");
        Elf64_Vernaux aux = *aux_view->Read<Elf64_Vernaux>(0);
        std::optional<std::string_view> name = dynamic_strings_.CString(aux.vna_name);
        if (!name) return Corrupt(".gnu.version_r name outside the string table");
        set_name(needed_names, aux.vna_other, *name);
        if (aux.vna_next == 0) break;
        aux_address = CheckedAdd(*aux_address, aux.vna_next);
      }
      if (need.vn_next == 0) break;
      std::optional<uint64_t> next = CheckedAdd(address, need.vn_next);
      if (!next) return Corrupt(".gnu.version_r chain overflows");
      address = *next;
    }
  }
  return Ok{};
}

Result<std::vector<ElfSymbol>> ElfFile::ReadSymbolTable(ByteView table, ByteView strings,
                                                        std::string_view what) const {
  uint64_t count = table.size() / sizeof(Elf64_Sym);
  if (count > kMaxTableEntries) return Corrupt(fmt::format("{} is implausibly large", what));
  std::vector<ElfSymbol> symbols;
  symbols.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    Elf64_Sym raw = *table.Read<Elf64_Sym>(i * sizeof(Elf64_Sym));
    ElfSymbol symbol;
    std::optional<std::string_view> name = strings.CString(raw.st_name);
    if (!name)
      return Corrupt(fmt::format("{} symbol {} has a name outside its string table", what, i));
    symbol.name = *name;
    symbol.value = raw.st_value;
    symbol.size = raw.st_size;
    symbol.type = ELF64_ST_TYPE(raw.st_info);
    symbol.binding = ELF64_ST_BIND(raw.st_info);
    symbol.visibility = ELF64_ST_VISIBILITY(raw.st_other);
    symbol.section_index = raw.st_shndx;
    symbols.push_back(symbol);
  }
  return symbols;
}

Status ElfFile::ParseDynamicSymbols() {
  if (!dynamic_.present) return Ok{};
  auto it = tags_.find(DT_SYMTAB);
  if (it == tags_.end()) return Ok{};
  uint64_t symtab = it->second;
  // The count of dynamic symbols: from the section header when there is one, else from the
  // hash tables the loader itself uses.
  uint64_t count = 0;
  bool counted = false;
  for (const ElfSection& section : sections_) {
    if (section.type == SHT_DYNSYM && section.address == symtab) {
      count = section.size / sizeof(Elf64_Sym);
      counted = true;
    }
  }
  if (!counted && tags_.count(DT_HASH)) {
    Result<ByteView> hash = DynamicTable(tags_[DT_HASH], 8, "DT_HASH");
    if (!hash.ok()) return hash.error();
    count = *hash->Read<uint32_t>(4);  // nchain
    counted = true;
  }
  if (!counted && tags_.count(DT_GNU_HASH)) {
    uint64_t base = tags_[DT_GNU_HASH];
    Result<ByteView> header = DynamicTable(base, 16, "DT_GNU_HASH");
    if (!header.ok()) return header.error();
    uint32_t buckets = *header->Read<uint32_t>(0);
    uint32_t symbol_offset = *header->Read<uint32_t>(4);
    uint32_t bloom_words = *header->Read<uint32_t>(8);
    uint64_t buckets_at = base + 16 + uint64_t{bloom_words} * 8;
    Result<ByteView> bucket_table = DynamicTable(buckets_at, uint64_t{buckets} * 4, "DT_GNU_HASH");
    if (!bucket_table.ok()) return bucket_table.error();
    uint32_t last = 0;
    for (uint32_t b = 0; b < buckets; ++b)
      last = std::max(last, *bucket_table->Read<uint32_t>(b * 4ull));
    count = last;
    if (last >= symbol_offset) {
      uint64_t chain_at = buckets_at + uint64_t{buckets} * 4;
      for (uint64_t index = last;; ++index) {
        if (index - symbol_offset > kMaxTableEntries)
          return Corrupt("DT_GNU_HASH chain never ends");
        Result<ByteView> chain =
            DynamicTable(chain_at + (index - symbol_offset) * 4, 4, "DT_GNU_HASH");
        if (!chain.ok()) return chain.error();
        if (*chain->Read<uint32_t>(0) & 1) {
          count = index + 1;
          break;
        }
      }
    }
  }
  if (count == 0) return Ok{};
  std::optional<uint64_t> bytes = CheckedMul(count, sizeof(Elf64_Sym));
  if (!bytes) return Corrupt("DT_SYMTAB is implausibly large");
  Result<ByteView> table = DynamicTable(symtab, *bytes, "DT_SYMTAB");
  if (!table.ok()) return table.error();
  Result<std::vector<ElfSymbol>> symbols = ReadSymbolTable(*table, dynamic_strings_, ".dynsym");
  if (!symbols.ok()) return symbols.error();
  dynamic_symbols_ = std::move(*symbols);

  std::vector<std::string_view> defined_names, needed_names;
  Status versions = ParseVersions(defined_names, needed_names);
  if (!versions.ok()) return versions.error();
  auto versym = tags_.find(DT_VERSYM);
  if (versym == tags_.end()) return Ok{};
  Result<ByteView> indexes =
      DynamicTable(versym->second, dynamic_symbols_.size() * sizeof(uint16_t), "DT_VERSYM");
  if (!indexes.ok()) return indexes.error();
  for (uint64_t i = 0; i < dynamic_symbols_.size(); ++i) {
    uint16_t raw = *indexes->Read<uint16_t>(i * 2);
    uint16_t index = raw & 0x7fff;
    ElfSymbol& symbol = dynamic_symbols_[i];
    if (index <= 1) continue;  // local or unversioned
    const std::vector<std::string_view>& names = symbol.IsDefined() ? defined_names : needed_names;
    if (index < names.size()) symbol.version = names[index];
    symbol.version_hidden = symbol.IsDefined() && (raw & 0x8000) != 0;
  }
  return Ok{};
}

Status ElfFile::ParseStaticSymbols() {
  for (const ElfSection& section : sections_) {
    if (section.type != SHT_SYMTAB) continue;
    if (section.link >= sections_.size()) return Corrupt(".symtab links to no string table");
    const ElfSection& strings = sections_[section.link];
    if (strings.type != SHT_STRTAB) return Corrupt(".symtab links to no string table");
    Result<std::vector<ElfSymbol>> symbols =
        ReadSymbolTable(*file_.bytes().Sub(section.offset, section.size),
                        *file_.bytes().Sub(strings.offset, strings.size), ".symtab");
    if (!symbols.ok()) return symbols.error();
    symbols_ = std::move(*symbols);
    break;
  }
  return Ok{};
}

Status ElfFile::ReadRela(uint64_t vaddr, uint64_t size, std::string_view what) {
  Result<ByteView> table = DynamicTable(vaddr, size, what);
  if (!table.ok()) return table.error();
  for (uint64_t offset = 0; offset + sizeof(Elf64_Rela) <= table->size();
       offset += sizeof(Elf64_Rela)) {
    Elf64_Rela rela = *table->Read<Elf64_Rela>(offset);
    relocations_.push_back({rela.r_offset, static_cast<uint32_t>(ELF64_R_TYPE(rela.r_info)),
                            static_cast<uint32_t>(ELF64_R_SYM(rela.r_info)), rela.r_addend});
  }
  return Ok{};
}

Status ElfFile::ReadRel(uint64_t vaddr, uint64_t size) {
  Result<ByteView> table = DynamicTable(vaddr, size, "DT_REL");
  if (!table.ok()) return table.error();
  for (uint64_t offset = 0; offset + sizeof(Elf64_Rel) <= table->size();
       offset += sizeof(Elf64_Rel)) {
    Elf64_Rel rel = *table->Read<Elf64_Rel>(offset);
    // REL keeps the addend in the slot itself.
    std::optional<ByteView> slot = ReadVirtual(rel.r_offset, 8);
    int64_t addend = slot ? *slot->Read<int64_t>(0) : 0;
    relocations_.push_back({rel.r_offset, static_cast<uint32_t>(ELF64_R_TYPE(rel.r_info)),
                            static_cast<uint32_t>(ELF64_R_SYM(rel.r_info)), addend});
  }
  return Ok{};
}

Status ElfFile::ReadRelr(uint64_t vaddr, uint64_t size) {
  // RELR: an address entry (even) relocates one word and sets the base; a bitmap entry (odd)
  // relocates up to 63 following words. Each relocated word holds its own addend.
  Result<ByteView> table = DynamicTable(vaddr, size, "DT_RELR");
  if (!table.ok()) return table.error();
  uint64_t base = 0;
  auto add = [&](uint64_t where) {
    std::optional<ByteView> slot = ReadVirtual(where, 8);
    int64_t addend = slot ? *slot->Read<int64_t>(0) : 0;
    relocations_.push_back({where, R_X86_64_RELATIVE, 0, addend});
  };
  for (uint64_t offset = 0; offset + 8 <= table->size(); offset += 8) {
    uint64_t entry = *table->Read<uint64_t>(offset);
    if ((entry & 1) == 0) {
      add(entry);
      base = entry + 8;
      continue;
    }
    uint64_t where = base;
    for (uint64_t bits = entry >> 1; bits != 0; bits >>= 1, where += 8) {
      if (bits & 1) add(where);
    }
    base += 63 * 8;
  }
  return Ok{};
}

Status ElfFile::ParseRelocations() {
  if (!dynamic_.present) {
    // A static executable: its IRELATIVE relocations sit in allocated SHT_RELA sections that
    // its own start-up code applies (__rela_iplt_start .. __rela_iplt_end).
    for (const ElfSection& section : sections_) {
      if (section.type != SHT_RELA || !section.IsAllocated()) continue;
      ByteView table = *file_.bytes().Sub(section.offset, section.size);
      for (uint64_t offset = 0; offset + sizeof(Elf64_Rela) <= table.size();
           offset += sizeof(Elf64_Rela)) {
        Elf64_Rela rela = *table.Read<Elf64_Rela>(offset);
        relocations_.push_back({rela.r_offset, static_cast<uint32_t>(ELF64_R_TYPE(rela.r_info)),
                                static_cast<uint32_t>(ELF64_R_SYM(rela.r_info)), rela.r_addend});
      }
    }
    return Ok{};
  }
  auto& tags = tags_;
  if (tags.count(DT_RELA)) {
    Status status = ReadRela(tags[DT_RELA], tags[DT_RELASZ], "DT_RELA");
    if (!status.ok()) return status;
  }
  if (tags.count(DT_REL)) {
    Status status = ReadRel(tags[DT_REL], tags[DT_RELSZ]);
    if (!status.ok()) return status;
  }
  if (tags.count(DT_JMPREL)) {
    uint64_t kind = tags.count(DT_PLTREL) ? tags[DT_PLTREL] : DT_RELA;
    Status status = kind == DT_REL ? ReadRel(tags[DT_JMPREL], tags[DT_PLTRELSZ])
                                   : ReadRela(tags[DT_JMPREL], tags[DT_PLTRELSZ], "DT_JMPREL");
    if (!status.ok()) return status;
  }
  if (tags.count(DT_RELR)) {
    Status status = ReadRelr(tags[DT_RELR], tags[DT_RELRSZ]);
    if (!status.ok()) return status;
  }
  for (const ElfRelocation& relocation : relocations_) {
    if (relocation.symbol != 0 && relocation.symbol >= dynamic_symbols_.size()) {
      return Corrupt(fmt::format("relocation at {:#x} names symbol {} of {}", relocation.offset,
                                 relocation.symbol, dynamic_symbols_.size()));
    }
  }
  return Ok{};
}

Status ElfFile::ParseNotes() {
  if (std::optional<ByteView> id = FindNote(std::string_view("GNU\0", 4), NT_GNU_BUILD_ID)) {
    build_id_ = HexString(*id);
  }
  return Ok{};
}

std::optional<ByteView> ElfFile::FindNote(std::string_view owner, uint32_t wanted) const {
  for (const ElfSegment& segment : segments_) {
    if (segment.type != PT_NOTE) continue;
    std::optional<ByteView> notes = file_.bytes().Sub(segment.offset, segment.file_size);
    if (!notes) continue;
    ByteReader reader(*notes);
    while (reader.remaining() >= 12) {
      uint32_t name_size = reader.Read<uint32_t>();
      uint32_t desc_size = reader.Read<uint32_t>();
      uint32_t type = reader.Read<uint32_t>();
      uint64_t name_at = reader.offset();
      reader.Skip((uint64_t{name_size} + 3) & ~uint64_t{3});
      uint64_t desc_at = reader.offset();
      reader.Skip((uint64_t{desc_size} + 3) & ~uint64_t{3});
      if (!reader.ok()) break;
      if (type == wanted && name_size == owner.size() &&
          notes->Sub(name_at, name_size)->AsString() == owner) {
        return notes->Sub(desc_at, desc_size);
      }
    }
  }
  return std::nullopt;
}

bool ElfFile::IsExecutable() const {
  if (type_ == ET_EXEC) return true;
  if (dynamic_.flags_1 & DF_1_PIE) return true;
  return dynamic_.soname.empty() && interpreter_.empty() && entry_ != 0;
}

bool ElfFile::IsStatic() const { return interpreter_.empty() && dynamic_.needed.empty(); }

const ElfSection* ElfFile::FindSection(std::string_view name) const {
  for (const ElfSection& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

const ElfSection* ElfFile::SectionAt(uint64_t vaddr) const {
  for (const ElfSection& section : sections_) {
    // .tbss occupies no addresses of its own: its range overlaps the sections after it.
    bool tbss = section.type == SHT_NOBITS && (section.flags & SHF_TLS) != 0;
    if (section.IsAllocated() && !tbss && section.type != SHT_NULL && section.Contains(vaddr)) {
      return &section;
    }
  }
  return nullptr;
}

void ElfFile::AdoptSymbols(std::vector<ElfSymbol> symbols, std::shared_ptr<const ElfFile> owner) {
  symbols_ = std::move(symbols);
  symbols_owner_ = std::move(owner);
}

}  // namespace sysfence
