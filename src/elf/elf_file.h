// A checked reader for x86-64 ELF64 files: headers, sections, program headers, the dynamic
// section, symbols with their versions, dynamic relocations (RELA, REL, RELR), notes and the
// interpreter. Everything is parsed once in Open(); every offset and size from the file is
// bounds-checked (byte_view.h), so a corrupt file gives an Error naming the file, never a crash.
//
//   Result<std::unique_ptr<ElfFile>> elf = ElfFile::Open("/usr/bin/diff");
//   if (!elf.ok()) return elf.error();     // "/tmp/x: not an ELF file"
//   for (std::string_view lib : (*elf)->dynamic().needed) ...;
//   for (const ElfRelocation& r : (*elf)->relocations()) ...;
//   std::optional<ByteView> code = (*elf)->ReadVirtual((*elf)->entry(), 16);
#ifndef SYSFENCE_ELF_ELF_FILE_H_
#define SYSFENCE_ELF_ELF_FILE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "elf/byte_view.h"
#include "elf/mapped_file.h"

namespace sysfence {

struct ElfSection {
  std::string_view name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t address = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entry_size = 0;
  uint32_t link = 0;
  uint32_t info = 0;

  bool IsAllocated() const;
  bool IsExecutable() const;
  bool IsWritable() const;
  bool HasFileBytes() const;  // not SHT_NOBITS
  bool Contains(uint64_t vaddr) const { return vaddr >= address && vaddr - address < size; }
};

struct ElfSegment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t file_size = 0;
  uint64_t memory_size = 0;
};

struct ElfSymbol {
  std::string_view name;
  uint64_t value = 0;
  uint64_t size = 0;
  uint8_t type = 0;        // STT_*
  uint8_t binding = 0;     // STB_*
  uint8_t visibility = 0;  // STV_*
  uint16_t section_index = 0;
  // Symbol version ("GLIBC_2.2.5"); "" when the symbol has none. For undefined symbols it is
  // the version required (.gnu.version_r), for defined ones the version defined (.gnu.version_d).
  std::string_view version;
  // A defined symbol of a non-default version (name@VER rather than name@@VER): only a
  // reference asking for exactly that version binds to it.
  bool version_hidden = false;

  bool IsDefined() const { return section_index != 0; }  // SHN_UNDEF
  bool IsFunction() const;                               // STT_FUNC or STT_GNU_IFUNC
  bool IsIfunc() const;
  bool IsObject() const;  // STT_OBJECT, STT_TLS or STT_COMMON
};

struct ElfRelocation {
  uint64_t offset = 0;  // virtual address of the slot
  uint32_t type = 0;    // R_X86_64_*
  uint32_t symbol = 0;  // index into dynamic_symbols() (0 = none)
  int64_t addend = 0;
};

struct ElfDynamicInfo {
  bool present = false;
  std::vector<std::string_view> needed;
  std::string_view soname;
  std::string_view rpath;
  std::string_view runpath;
  std::optional<uint64_t> init;
  std::optional<uint64_t> fini;
  uint64_t init_array = 0, init_array_size = 0;
  uint64_t fini_array = 0, fini_array_size = 0;
  uint64_t preinit_array = 0, preinit_array_size = 0;
  uint64_t flags = 0;    // DT_FLAGS
  uint64_t flags_1 = 0;  // DT_FLAGS_1
};

class ElfFile {
 public:
  // Maps and parses `path`. Errors name the file: not an ELF, not 64-bit, not x86-64,
  // truncated or corrupt headers and tables.
  static Result<std::unique_ptr<ElfFile>> Open(const std::string& path);
  // Parses an already mapped file.
  static Result<std::unique_ptr<ElfFile>> Parse(MappedFile file);

  const std::string& path() const { return file_.path(); }
  const MappedFile& file() const { return file_; }
  ByteView bytes() const { return file_.bytes(); }

  uint16_t type() const { return type_; }  // ET_EXEC or ET_DYN
  uint64_t entry() const { return entry_; }
  // A program (not a library): ET_EXEC, or ET_DYN marked PIE, or ET_DYN with neither a
  // soname nor an interpreter (a static-pie).
  bool IsExecutable() const;
  // No PT_INTERP and no PT_DYNAMIC needing libraries: runs without a loader.
  bool IsStatic() const;

  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSegment>& segments() const { return segments_; }
  const ElfDynamicInfo& dynamic() const { return dynamic_; }
  // .dynsym (index 0 is the null symbol) and .symtab (empty when stripped).
  const std::vector<ElfSymbol>& dynamic_symbols() const { return dynamic_symbols_; }
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  // Dynamic relocations (DT_RELA, DT_REL, DT_JMPREL, DT_RELR expanded to R_X86_64_RELATIVE),
  // or, for a file without PT_DYNAMIC, its allocated SHT_RELA sections (static IRELATIVE).
  const std::vector<ElfRelocation>& relocations() const { return relocations_; }
  std::string_view interpreter() const { return interpreter_; }
  // The NT_GNU_BUILD_ID note as lowercase hex, "" when absent.
  const std::string& build_id() const { return build_id_; }
  // The descriptor of the first note of `type` whose owner is `owner` (with its NUL:
  // std::string_view("GNU\0", 4)) in a PT_NOTE segment; nullopt when there is none.
  std::optional<ByteView> FindNote(std::string_view owner, uint32_t type) const;

  const ElfSection* FindSection(std::string_view name) const;
  // The allocated section holding `vaddr`, or null.
  const ElfSection* SectionAt(uint64_t vaddr) const;
  // File bytes of [vaddr, vaddr + size) inside one PT_LOAD segment; nullopt when any of it is
  // not backed by the file.
  std::optional<ByteView> ReadVirtual(uint64_t vaddr, uint64_t size) const;
  // The NUL-terminated string at `vaddr`.
  std::optional<std::string_view> ReadVirtualString(uint64_t vaddr) const;
  // File bytes from `vaddr` on, at most `size` of them (fewer where its segment's file bytes
  // end); nullopt when `vaddr` is not backed by the file.
  std::optional<ByteView> ReadVirtualUpTo(uint64_t vaddr, uint64_t size) const;

  // Replaces the symbol table by another one (the .symtab of a separate debug file).
  void AdoptSymbols(std::vector<ElfSymbol> symbols, std::shared_ptr<const ElfFile> owner);

  ~ElfFile();
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

 private:
  explicit ElfFile(MappedFile file) : file_(std::move(file)) {}

  Status ParseHeader();
  Status ParseSegments();
  Status ParseSections();
  Status ParseDynamic();
  Status ParseVersions(std::vector<std::string_view>& defined_names,
                       std::vector<std::string_view>& needed_names) const;
  Status ParseDynamicSymbols();
  Status ParseStaticSymbols();
  Status ParseRelocations();
  Status ParseNotes();
  Result<std::vector<ElfSymbol>> ReadSymbolTable(ByteView table, ByteView strings,
                                                 std::string_view what) const;
  Status ReadRela(uint64_t vaddr, uint64_t size, std::string_view what);
  Status ReadRel(uint64_t vaddr, uint64_t size);
  Status ReadRelr(uint64_t vaddr, uint64_t size);
  // Bytes at a virtual address named by a dynamic tag; the error names the tag.
  Result<ByteView> DynamicTable(uint64_t vaddr, uint64_t size, std::string_view tag) const;
  Error Corrupt(std::string_view what) const;
  // The value of dynamic tag `name` (DT_*), if present.
  std::optional<uint64_t> Tag(int64_t name) const;

  MappedFile file_;
  uint16_t type_ = 0;
  uint64_t entry_ = 0;
  uint64_t section_header_offset_ = 0;
  uint16_t section_count_ = 0;
  uint16_t section_names_index_ = 0;
  uint64_t program_header_offset_ = 0;
  uint16_t program_header_count_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSegment> segments_;
  ElfDynamicInfo dynamic_;
  ByteView dynamic_strings_;
  std::vector<ElfSymbol> dynamic_symbols_;
  std::vector<ElfSymbol> symbols_;
  std::shared_ptr<const ElfFile> symbols_owner_;  // keeps adopted symbol names alive
  std::vector<ElfRelocation> relocations_;
  std::string_view interpreter_;
  std::string build_id_;
  // Raw dynamic tags kept for the later parse steps: the last value of each tag.
  std::map<int64_t, uint64_t> tags_;
  std::vector<uint64_t> needed_offsets_;
};

}  // namespace sysfence

#endif  // SYSFENCE_ELF_ELF_FILE_H_
