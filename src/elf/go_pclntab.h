// Go's function table (runtime.pclntab, the .gopclntab section): every Go function's entry
// address, end and name, which stripped Go binaries keep because the runtime needs them for
// tracebacks and stack growth. Layouts of Go 1.2 to 1.15 (magic 0xfffffffb), 1.16 and 1.17
// (0xfffffffa), 1.18 and 1.19 (0xfffffff0) and 1.20 onwards (0xfffffff1) are read; every
// offset in the table goes through ByteView, so a corrupt table is an Error, never a crash.
//
//   Result<GoPclntab> table = ParseGoPclntab(bytes, "/usr/bin/umoci");
//   for (const GoFunction& f : table->functions) ...;  // f.name == "syscall.Syscall6"
#ifndef SYSFENCE_ELF_GO_PCLNTAB_H_
#define SYSFENCE_ELF_GO_PCLNTAB_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "elf/byte_view.h"

namespace sysfence {

// The header magics, by the Go release that introduced the layout.
inline constexpr uint32_t kGoPclntabMagic12 = 0xfffffffb;
inline constexpr uint32_t kGoPclntabMagic116 = 0xfffffffa;
inline constexpr uint32_t kGoPclntabMagic118 = 0xfffffff0;
inline constexpr uint32_t kGoPclntabMagic120 = 0xfffffff1;

// The size of the argument area of a function whose size the assembler was not told
// (`TEXT f(SB),0,$0`): the table stores it as this value.
inline constexpr int32_t kGoArgsSizeUnknown = -0x80000000;

struct GoFunction {
  uint64_t entry = 0;
  uint64_t end = 0;       // the next function's entry (or the end of the text)
  std::string_view name;  // points into the table's bytes
  // Bytes of arguments and results on the caller's stack (for the register ABI: their spill
  // space); kGoArgsSizeUnknown when not recorded.
  int32_t args = 0;
};

struct GoPclntab {
  uint32_t magic = 0;
  uint64_t text_start = 0;            // base of entry offsets (Go 1.18+); 0 for older layouts
  std::vector<GoFunction> functions;  // sorted by entry, not overlapping, none empty
};

// Parses the table at the start of `table` (the whole .gopclntab section, or the rest of the
// segment holding it). `origin` names the file in errors: "ORIGIN: corrupt Go function table
// (.gopclntab): ...". Only little-endian tables with 8-byte pointers and 1-byte instruction
// quanta (x86-64) are accepted.
Result<GoPclntab> ParseGoPclntab(ByteView table, std::string_view origin);

// True when `bytes` start like a table this parser reads (magic, padding, quantum, pointer
// size): used to find the table in a binary without section headers.
bool LooksLikeGoPclntab(ByteView bytes);

}  // namespace sysfence

#endif  // SYSFENCE_ELF_GO_PCLNTAB_H_
